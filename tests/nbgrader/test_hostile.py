"""Hostile and broken submissions through real nbgrader: graded right, never break the batch.

A separate course with a short cell timeout (5 s, on the command line, instead of the
configured 30 s) so that the endless loops cost little. A correct student in the same batch
must still get exactly full marks, and no kernel may be left running. The wider battery of
attacks on the grader itself is tests/nbgrader/test_attacks.py.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from nbgrader.apps.api import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config

from tests.nbgrader.test_autograde import (
    NOTEBOOK,
    POINTS,
    feedback_html,
    kernels_running_in,
    new_course,
    scores,
    submit,
)
from tests.submissions import (
    CLASSIFIER,
    RELEASE,
    SOLVER,
    changed,
    everything,
    patches_checks,
)
from tools.course import ASSIGNMENT
from tools.grader import flags, gradebook
from tools.nbgrader_env import nbgrader_env, run_nbgrader

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

SIGMOID_FIRST_LINE = "        e = np.exp(-np.abs(x))\n"


def with_sigmoid_body(body):
    """The solved classifier with ``body`` run first in the sigmoid."""
    return changed(CLASSIFIER, SIGMOID_FIRST_LINE, body + SIGMOID_FIRST_LINE)


def edited_test_cells(edit):
    """The release notebook with every graded test cell's source replaced by ``edit(cell)``
    (the cell is deleted where ``edit`` returns None), as JSON text."""
    notebook = json.loads((RELEASE / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8"))
    cells = []
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade"):
            cell["source"] = edit(cell)
            if cell["source"] is None:
                continue
        cells.append(cell)
    notebook["cells"] = cells
    return json.dumps(notebook)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("hostile"))
    solved = everything()
    loop = "        while True:\n            pass\n"
    deaf = (
        "        import signal\n"
        "        signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "        while True:\n"
        "            pass\n"
    )
    suicide = "import os\nimport signal\n\nos.kill(os.getpid(), signal.SIGKILL)\n"
    submit(course, "reference", solved)
    submit(course, "loop", {**solved, CLASSIFIER: with_sigmoid_body(loop)})
    # An endless loop only for |x| beyond the visible tests' 800: the hidden robustness test
    # of the sigmoid runs into it.
    hidden_loop = (
        "        if np.max(np.abs(x)) > 900:\n            while True:\n                pass\n"
    )
    submit(course, "hidden_loop", {**solved, CLASSIFIER: with_sigmoid_body(hidden_loop)})
    submit(course, "deaf_loop", {**solved, CLASSIFIER: with_sigmoid_body(deaf)})
    submit(course, "kills_kernel", {**solved, SOLVER: suicide + solved[SOLVER]})
    submit(course, "edited_tests", notebook=edited_test_cells(lambda cell: ["pass\n"]))
    submit(course, "deleted_tests", solved, notebook=edited_test_cells(lambda cell: None))
    # Untouched, except that loss.py makes every check of the notebook print "passed".
    submit(course, "patches_grading", patches_checks())
    proc = run_nbgrader(
        str(course),
        "autograde",
        ASSIGNMENT,
        "--force",
        "--Execute.timeout=5",
        "--NotebookRun.execute=True",  # the kernel's hostility is what this module tests
    )
    run_nbgrader(str(course), "generate_feedback", ASSIGNMENT, "--force")
    return course, proc


def test_correct_student_in_a_hostile_batch_gets_full_marks(course):
    course, proc = course
    assert scores(course, "reference") == POINTS, proc.stdout + proc.stderr


def test_an_endless_loop_costs_only_the_parts_that_call_it(course):
    course, _ = course
    assert scores(course, "loop") == {
        **POINTS,
        "sigmoid": 0,
        "sigmoid_robust": 0,
        "trained_accuracy": 0,
    }


def test_a_loop_that_ignores_interrupts_costs_no_more(course):
    """The grader kills the process it runs in; no interrupt is needed."""
    course, _ = course
    assert scores(course, "deaf_loop") == {
        **POINTS,
        "sigmoid": 0,
        "sigmoid_robust": 0,
        "trained_accuracy": 0,
    }


def test_a_loop_in_a_hidden_test_fails_that_part_and_shows_no_hidden_value(course):
    course, _ = course
    assert scores(course, "hidden_loop") == {**POINTS, "sigmoid_robust": 0}
    html = feedback_html(course, "hidden_loop")
    # Which hidden test, and what it tests; not how it failed (the code had seen its inputs).
    assert "Classifier.sigmoid failed the hidden test at |x| up to 1000, without a" in html
    assert "look for a loop that never ends" not in html
    for hidden in ("-745.0", "1000.0", "4.248354255291589e-18"):
        assert hidden not in html


def test_a_kernel_that_kills_itself_costs_only_what_it_breaks(course):
    """The notebook stops where the kernel died; the grade comes from the grader, where only
    the parts that import the killing module (solver.py) fail."""
    course, _proc = course
    assert scores(course, "kills_kernel") == {**POINTS, "solver_step": 0, "trained_accuracy": 0}
    assert "kernel died" in (
        course / "autograded" / "kills_kernel" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    ).read_text(encoding="utf-8")


def test_test_cells_edited_or_deleted_change_nothing(course):
    """Every cell is restored from the release: grades come from the code alone."""
    course, _ = course
    assert scores(course, "edited_tests") == dict.fromkeys(POINTS, 0)
    assert scores(course, "deleted_tests") == POINTS


def test_no_kernel_is_left_running(course):
    course, _ = course
    assert not kernels_running_in(course)


def flagged(course, student):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student).flagged


def test_code_that_patches_the_notebooks_checks_gains_nothing_and_is_flagged(course):
    """In the kernel the patched checks print "passed"; the grader, out of reach, fails
    every part, and the disagreement flags the submission for a person to look at."""
    course, _ = course
    assert scores(course, "patches_grading") == dict.fromkeys(POINTS, 0)
    assert flagged(course, "patches_grading")


def formgrader_api(course):
    """nbgrader's API behind the formgrader's pages, on this course."""
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = gradebook.db_url(course)
    config.Exchange.root = str(course / "exchange")  # never the system-wide default
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def test_a_flag_shows_in_the_formgraders_submission_lists(course):
    """Manage Submissions lists the flagged submission as needing manual grading (graded
    ones as graded); Manual Grading shows its flag."""
    course, _ = course
    api = formgrader_api(course)
    listed = {s["student"]: s for s in api.get_submissions(ASSIGNMENT)}
    assert listed["patches_grading"]["needs_manual_grade"]
    assert not listed["reference"]["needs_manual_grade"]
    notebooks = {s["student"]: s for s in api.get_notebook_submissions(ASSIGNMENT, NOTEBOOK)}
    assert notebooks["patches_grading"]["flagged"]
    assert notebooks["patches_grading"]["needs_manual_grade"]
    assert not notebooks["reference"]["flagged"]


def test_a_flag_gives_its_reason_in_the_autograded_notebook(course):
    """Each disputed test cell, as the formgrader shows it, ends with the reason."""
    course, _ = course
    path = course / "autograded" / "patches_grading" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    reasons = {
        cell["metadata"]["nbgrader"]["grade_id"]: flags.reason_in(cell)
        for cell in notebook["cells"]
        if cell["metadata"].get("nbgrader", {}).get("grade")
    }
    assert set(reasons) == set(POINTS)
    for part, reason in reasons.items():
        assert reason == flags.reason(part), part


def test_a_flag_stands_out_in_the_autograde_log_and_its_summary(course):
    course, proc = course
    log = proc.stdout + proc.stderr
    assert f"{flags.MARK}: patches_grading, part bce_forward" in log
    assert flags.BANNER in log
    # The summary after the last student: every flagged submission, with its parts.
    summary = log[log.rindex(f"{flags.MARK}: 1 submission(s)") :]
    assert "patches_grading (bce_forward, bce_forward_robust, bce_backward" in summary
    assert "python -m tools.grader.flags ex04" in summary


def test_one_command_lists_every_flag_with_its_reason(course):
    course, _ = course
    rows = flags.flagged(course, ASSIGNMENT)
    assert {flag.student for flag, _ in rows} == {"patches_grading"}
    assert {flag.part for flag, _ in rows} == set(POINTS)
    assert {state for _, state in rows} == {"needs manual grading"}
    proc = subprocess.run(
        [sys.executable, "-m", "tools.grader.flags", ASSIGNMENT, "--course-dir", str(course)],
        cwd=ROOT,
        env=nbgrader_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["student", "part", "state", "/", "reason"]
    assert sum(line.startswith("patches_grading ") for line in lines) == len(POINTS)
    assert flags.reason("sigmoid") in proc.stdout
    assert lines[-1] == "1 flagged submission(s) of ex04"


def test_honest_code_is_not_flagged(course):
    course, _ = course
    for student in ("reference", "loop", "deaf_loop", "kills_kernel", "edited_tests"):
        assert not flagged(course, student), student

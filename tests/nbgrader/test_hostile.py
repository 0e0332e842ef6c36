"""Hostile and broken submissions are graded or flagged, never break the batch.

A separate course with a short cell timeout (5 s, set on the command line, instead of the
configured 30 s) so that the infinite loops cost little; a correct student in the same batch
must still get exactly full marks, and no kernel may be left running.
"""

import json

import pytest
from nbgrader.api import Gradebook

from tests.nbgrader.test_autograde import (
    NOTEBOOK,
    POINTS,
    STUDENT_FILES,
    kernels_running_in,
    new_course,
    scores,
    solved,
    submit,
)
from tools.course import ASSIGNMENT
from tools.generate_release import run_nbgrader
from tools.scan_submissions import main as scan_main

pytestmark = pytest.mark.slow

CLASSIFIER = "exercise_code/networks/classifier.py"
SOLVER = "exercise_code/solver.py"
LOSS = "exercise_code/networks/loss.py"
PATCH = (
    "\nfrom ..grading import checks as _checks\n\n_checks.compare = lambda *args, **kwargs: None\n"
)


def release_text(course, rel):
    return (course / "release" / ASSIGNMENT / rel).read_text(encoding="utf-8")


def with_sigmoid_body(text, body):
    """The solved classifier with the first line of sigmoid's solution replaced by ``body``."""
    line = "        e = np.exp(-np.abs(x))\n"
    assert line in text
    return text.replace(line, body + line, 1)


def edited_test_cells(course, edit):
    """The release notebook with every graded test cell's source replaced by ``edit(cell)``
    (the cell is deleted where ``edit`` returns None), as JSON text."""
    path = course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
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
    everything = {rel: solved(rel) for rel in STUDENT_FILES}
    loop = "        while True:\n            pass\n"
    deaf = (
        "        import signal\n"
        "        signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "        while True:\n"
        "            pass\n"
    )
    suicide = "import os\nimport signal\n\nos.kill(os.getpid(), signal.SIGKILL)\n"
    submit(course, "reference", everything)
    submit(
        course, "loop", {**everything, CLASSIFIER: with_sigmoid_body(everything[CLASSIFIER], loop)}
    )
    # An endless loop only for large |x|: the hidden test of the sigmoid runs into it.
    hidden_loop = (
        "        if np.max(np.abs(x)) > 100:\n            while True:\n                pass\n"
    )
    submit(
        course,
        "hidden_loop",
        {**everything, CLASSIFIER: with_sigmoid_body(everything[CLASSIFIER], hidden_loop)},
    )
    submit(
        course,
        "deaf_loop",
        {**everything, CLASSIFIER: with_sigmoid_body(everything[CLASSIFIER], deaf)},
    )
    submit(course, "kills_kernel", {**everything, SOLVER: suicide + everything[SOLVER]})
    submit(course, "edited_tests", notebook=edited_test_cells(course, lambda cell: ["pass\n"]))
    submit(course, "deleted_tests", notebook=edited_test_cells(course, lambda cell: None))
    # Untouched, except that loss.py replaces the checks' comparison when it is imported.
    submit(course, "patches_grading", {LOSS: release_text(course, LOSS) + PATCH})
    proc = run_nbgrader(str(course), "autograde", ASSIGNMENT, "--force", "--Execute.timeout=5")
    run_nbgrader(str(course), "generate_feedback", ASSIGNMENT, "--force")
    return course, proc


def test_correct_student_in_a_hostile_batch_gets_full_marks(course):
    course, proc = course
    assert scores(course, "reference") == POINTS, proc.stdout + proc.stderr


def test_an_interruptible_loop_costs_only_the_parts_that_call_it(course):
    course, _ = course
    got = scores(course, "loop")
    assert got["sigmoid"] == 0
    assert got["bce_forward"] == POINTS["bce_forward"]  # parts that never call the loop


def test_a_loop_that_ignores_sigint_is_graded_not_full_marks(course):
    """Interrupting fails, so nbgrader gives up on the notebook; the batch goes on."""
    course, _ = course
    got = scores(course, "deaf_loop")
    assert got["sigmoid"] == 0
    assert sum(got.values()) < sum(POINTS.values())


def test_a_kernel_that_kills_itself_is_not_graded_as_correct(course):
    course, _ = course
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        try:
            sub = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, "kills_kernel")
        except Exception:
            return  # not graded at all: flagged by nbgrader's error report
        assert sub.score < sum(POINTS.values())


def test_test_cells_edited_away_are_restored_and_fail(course):
    """nbgrader restores graded cells from the gradebook: `pass` earns nothing."""
    course, proc = course
    assert scores(course, "edited_tests") == dict.fromkeys(POINTS, 0)
    # The warning is kept for a cell a student edited (and only then: see test_autograde).
    for part in POINTS:
        assert f"Attribute 'checksum' for cell {part} has changed!" in proc.stdout + proc.stderr


def test_deleted_test_cells_earn_nothing(course):
    course, _ = course
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        try:
            sub = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, "deleted_tests")
        except Exception:
            return  # not graded at all: flagged by nbgrader's error report
        assert sub.score == 0


def test_no_kernel_is_left_running(course):
    course, _ = course
    assert not kernels_running_in(course)


def flagged(course, student):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student).flagged


def test_code_that_patches_the_checks_is_flagged_for_review(course):
    """In-process checks cannot stop code that replaces them: such a submission may earn
    points it does not deserve, so the autograde hook flags it for a human."""
    course, proc = course
    assert flagged(course, "patches_grading")
    assert "patches_grading: submission FLAGGED for review" in proc.stdout + proc.stderr
    assert "imports exercise_code.grading" in proc.stdout + proc.stderr


def test_honest_code_is_not_flagged(course):
    course, _ = course
    assert not flagged(course, "reference")
    assert not flagged(course, "loop")  # an honest bug: a plain infinite loop


def test_the_scan_command_lists_every_hostile_submission(course, capsys):
    """The hook runs only for submissions nbgrader finished; for a kernel that died or
    would not be interrupted nbgrader reports an error instead. The command lists all."""
    course, _ = course
    assert scan_main([ASSIGNMENT, "--course", str(course)]) == 1
    listed = {line.split(":")[0] for line in capsys.readouterr().out.splitlines()}
    assert {"patches_grading", "deaf_loop", "kills_kernel"} <= listed
    assert not listed & {"reference", "loop", "edited_tests", "deleted_tests"}


def test_a_loop_in_a_hidden_test_fails_that_part_and_shows_no_hidden_line(course):
    """The interrupted loop becomes a one-line failure; before, its traceback printed the
    hidden test's source (with its stored values) into the feedback."""
    course, _ = course
    assert scores(course, "hidden_loop") == {**POINTS, "sigmoid": 0}
    html = (course / "feedback" / "hidden_loop" / ASSIGNMENT / f"{NOTEBOOK}.html").read_text(
        encoding="utf-8"
    )
    assert "look for a loop that never ends" in html
    for hidden in ("check_sigmoid_extremes", "BEGIN HIDDEN TESTS", "4.248354255291589e-18"):
        assert hidden not in html


def test_the_hook_flags_in_the_course_gradebook_outside_nbgrader_autograde(course):
    """From the formgrader the hook runs in the Jupyter server, with no AutogradeApp: it
    must then flag in the course's own gradebook (here called with no app at all)."""
    from traitlets.config import Application
    from traitlets.config.loader import PyFileConfigLoader

    course, _ = course
    assert not Application.initialized()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, "patches_grading").flagged = False
        gb.db.commit()
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    notebook = course / "submitted" / "patches_grading" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    config.Autograde.post_convert_hook(assignment=ASSIGNMENT, student="*", notebooks=[notebook])
    assert flagged(course, "patches_grading")

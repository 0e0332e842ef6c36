"""Real nbgrader, real sandboxed kernels: the release, the scores, and what feedback shows.

One temporary course per module: the release is generated with the real tool, simulated
students are placed in submitted/, and ONE `nbgrader autograde` call grades them all (each
nbgrader command costs about 5 s of start-up). Scores are read from the gradebook.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from tests import processes
from tests.saboteur import Saboteur
from tests.submissions import (
    CLASSIFIER,
    LOSS,
    OPTIMIZER,
    SOLVER,
    changed,
    everything,
    make_submission,
    solved,
)
from tools.course import ASSIGNMENT, NOTEBOOK, STUDENT_FILES
from tools.course import POINTS as COURSE_POINTS
from tools.grader import cases
from tools.nbgrader_env import nbgrader_env, run_nbgrader
from tools.release.generate import (
    check_up_to_date,
    copy_course,
    forbidden_lines,
    generate,
    verify_release,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# The points of each graded cell (the course's one table): a cell scores all or nothing.
POINTS = dict(COURSE_POINTS)
GRADIENT = "gradient = (1 - 2 * y_truth) / np.maximum(p, EPS) / len(y_truth)"
# Common mistakes: (file, correct piece, mistaken piece, phrase the feedback must contain).
MISTAKES = {
    "bce_backward_sign": (LOSS, GRADIENT, GRADIENT.replace("= (1", "= -(1"), "has the wrong sign"),
    "sigma_for_sigma_prime": (
        CLASSIFIER,
        "        ds = dout * z * (1 - z)\n        dW",
        "        ds = dout * z\n        dW",
        "used the sigmoid where its derivative z * (1 - z) belongs",
    ),
    "optimizer_plus": (
        OPTIMIZER,
        "weight = weight - self.lr * dw",
        "weight = weight + self.lr * dw",
        "added the gradient instead of subtracting it",
    ),
    "missing_transpose": (
        CLASSIFIER,
        "        dW[:-1] = X.T @ ds\n        dW[-1] = ds.sum()\n",
        "        dW = np.hstack([ds.T @ X, [[ds.sum()]]])  # (1, D + 1)\n",
        "missing transpose: dW must be a column (D + 1, 1) like W",
    ),
    "bce_forward_swapped": (
        LOSS,
        "        p = y_truth * y_out + (1 - y_truth) * (1 - y_out)\n        result",
        "        p = (1 - y_truth) * y_out + y_truth * (1 - y_out)\n        result",
        "swapped y and 1 - y: the label 1 goes with log(y_hat)",
    ),
    "solver_backward_arg": (
        SOLVER,
        "dW = model.backward(loss_grad)",
        "dW = model.backward(model_forward)",
        "passed the wrong array to model.backward: it needs dL/dz from the loss",
    ),
}


def submit(course, student, files=None, notebook=None, extra=None):
    """Place a submission: the release, with some files replaced, in submitted/<student>."""
    dest = make_submission(course / "submitted" / student / ASSIGNMENT, files, extra)
    if notebook is not None:
        (dest / f"{NOTEBOOK}.ipynb").write_text(notebook, encoding="utf-8")
    return dest


def new_course(course, env=None):
    """A copy of the course in the folder ``course``, with its release generated (by nbgrader
    in ``env``, default: ours)."""
    course.mkdir(parents=True, exist_ok=True)
    copy_course(str(course))
    generate(str(course), quiet=True, env=env)
    return course


def kernels_running_in(course):
    """The ipykernel processes whose working directory is inside ``course``."""
    return [
        f"{p.pid} in {p.cwd}"
        for p in processes.every()
        if "ipykernel" in p.command and p.cwd.startswith(str(course))
    ]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("course"))
    submit(course, "untouched")
    submit(course, "reference", everything())
    submit(course, "bce_forward_only", {LOSS: solved(LOSS, {"BCE.forward"})})
    missing_n = changed(LOSS, GRADIENT, GRADIENT.replace(" / len(y_truth)", ""))
    submit(course, "missing_n", {**everything(), LOSS: missing_n})
    for student, (rel, right, wrong, _) in MISTAKES.items():
        submit(course, student, {**everything(), rel: changed(rel, right, wrong)})
    # A grading helper edited to pass everything has no effect: it is restored.
    submit(
        course,
        "edited_helper",
        {"exercise_code/grading/engine.py": "def __getattr__(name):\n    return print\n"},
    )
    dest = submit(course, "no_package", everything())
    shutil.rmtree(dest / "exercise_code")
    submit(course, "invalid_json", everything(), notebook="{ this is not a notebook")
    proc = run_nbgrader(str(course), "autograde", ASSIGNMENT, "--force")
    (course / "autograde.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    run_nbgrader(str(course), "generate_feedback", ASSIGNMENT, "--force")
    return course


def scores(course, student):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {part: gb.find_grade(part, NOTEBOOK, ASSIGNMENT, student).score for part in POINTS}


def feedback_html(course, student):
    """The student's feedback page, its whitespace collapsed (long messages are wrapped)."""
    path = course / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
    return " ".join(path.read_text(encoding="utf-8").split())


def test_committed_release_is_up_to_date():
    diffs = check_up_to_date(str(ROOT))
    assert not diffs, f"release/ex04 is out of date (run `make release`): {diffs}"


def test_committed_release_holds_no_solution():
    assert verify_release(str(ROOT / "release" / ASSIGNMENT), str(ROOT)) == []


def test_every_cell_of_the_release_is_locked():
    """Students write no code in the notebook: every cell is the course's, restored when graded."""
    notebook = json.loads((ROOT / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    assert all(cell["metadata"]["nbgrader"]["locked"] for cell in notebook["cells"])


def test_untouched_release_scores_zero(course):
    assert scores(course, "untouched") == dict.fromkeys(POINTS, 0)


def test_reference_scores_full_marks(course):
    assert scores(course, "reference") == POINTS


def test_one_solved_part_scores_exactly_its_points(course):
    expected = dict.fromkeys(POINTS, 0)
    for part in ("bce_forward", "bce_forward_robust"):  # its core and robustness cells
        expected[part] = POINTS[part]
    assert scores(course, "bce_forward_only") == expected


def test_missing_one_over_n_loses_exactly_that_part_and_is_named(course):
    """Without 1/N the gradient is 343 times too large: training at the course's learning
    rate fails too, so the accuracy target is lost as well; every other part keeps its points."""
    # Both cells of BCE.backward: at predictions of 0 and 1 the formula's values are checked too.
    assert scores(course, "missing_n") == {
        **POINTS,
        "bce_backward": 0,
        "bce_backward_robust": 0,
        "trained_accuracy": 0,
    }
    assert "did you divide by N?" in feedback_html(course, "missing_n")


@pytest.mark.parametrize(
    ("student", "lost"),
    [
        ("bce_backward_sign", ("bce_backward", "bce_backward_robust")),
        ("sigma_for_sigma_prime", ("classifier_backward",)),
        ("optimizer_plus", ("optimizer_step",)),
        ("missing_transpose", ("classifier_backward",)),
        ("bce_forward_swapped", ("bce_forward", "bce_forward_robust")),
        ("solver_backward_arg", ("solver_step",)),
    ],
)
def test_each_common_mistake_loses_its_part_and_is_named(course, student, lost):
    """The mistaken part scores 0 (both cells of a part with a robustness cell: the formula
    is wrong at the edges too), and so does training, which needs every part right."""
    assert scores(course, student) == {
        **POINTS,
        **dict.fromkeys(lost, 0),
        "trained_accuracy": 0,
    }
    assert MISTAKES[student][3] in feedback_html(course, student)


def test_an_edited_test_helper_has_no_effect(course):
    assert scores(course, "edited_helper") == dict.fromkeys(POINTS, 0)


def test_a_submission_without_its_package_never_uses_the_instructors(course):
    assert scores(course, "no_package") == dict.fromkeys(POINTS, 0)


def test_an_invalid_notebook_is_graded_on_its_code_with_the_releases_notebook(course):
    # The notebook is only where the verdicts are shown: the four files are what is graded.
    assert scores(course, "invalid_json") == POINTS
    assert scores(course, "reference") == POINTS
    log = (course / "autograde.log").read_text(encoding="utf-8")
    assert f"invalid_json: {NOTEBOOK}.ipynb is not a notebook: the release's is used" in log


def test_feedback_holds_only_the_html_and_no_solution_or_hidden_value(course):
    forbidden = set(forbidden_lines(str(ROOT)))
    hidden = [
        json.dumps(value)
        for case in cases.hidden()
        for value in case.inputs.values()
        if isinstance(value, dict)
    ]
    for student_dir in (course / "feedback").iterdir():
        files = [p for p in student_dir.rglob("*") if p.is_file()]
        assert [p.name for p in files] == [f"{NOTEBOOK}.html"], files
        text = files[0].read_text(encoding="utf-8")
        assert not [line for line in text.splitlines() if line.strip() in forbidden]
        # Numbers a reader sees: not the drawing of the math (SVG paths), styles or images.
        text = re.sub(r"<svg.*?</svg>|<style.*?</style>|data:image/[^\"]*", "", text, flags=re.S)
        numbers = re.findall(r"-?\d+\.\d+", "".join(hidden))
        assert not [n for n in numbers if len(n) > 4 and n in text], student_dir.name


def test_feedback_shows_the_trusted_verdicts(course):
    html = feedback_html(course, "reference")
    assert html.count("] passed: ") == len(POINTS)
    assert "hidden test: at other predictions exactly 0 and 1" in html


def test_the_autograde_log_holds_no_false_alarm(course):
    """No "checksum has changed" for restored cells, no kernel banner, no interrupt noise."""
    log = (course / "autograde.log").read_text(encoding="utf-8")
    assert "Sanitizing" in log  # the log is nbgrader's
    for noise in ("has changed!", "KeyboardInterrupt", "To connect another client", "Fontconfig"):
        assert noise not in log


def test_no_kernel_is_left_running(course):
    assert not kernels_running_in(course)


def test_parallel_grading_gives_the_same_grades_even_when_a_worker_dies(course, tmp_path):
    """tools.grader.grade_parallel (2 workers, an SQLite copy each, merged) loses no grade: one
    worker is killed mid-batch (tests/saboteur.py), and its students are graded again."""
    parallel = tmp_path / "parallel"
    shutil.copytree(course, parallel, ignore=shutil.ignore_patterns("autograded", "feedback"))
    (parallel / "gradebook.db").unlink()
    shutil.rmtree(parallel / "submitted" / "invalid_json")
    assert run_nbgrader(str(parallel), "generate_assignment", ASSIGNMENT, "--force").returncode == 0
    saboteur = Saboteur(parallel, kill_worker="reference")
    saboteur.start()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "tools.grader.grade_parallel", ASSIGNMENT, "--workers", "2"],
            cwd=parallel,
            env=nbgrader_env(),
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        saboteur.stop()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "worker" in saboteur.done
    assert "graded again after a lost grade: " in proc.stdout
    assert "killed by signal 9" in proc.stdout
    for student in (p.name for p in (parallel / "submitted").iterdir()):
        assert scores(parallel, student) == scores(course, student), student


@pytest.mark.parametrize(("student", "passes"), [("reference", True), ("untouched", False)])
def test_nbgrader_validate_tells_students_where_they_stand(course, student, passes):
    folder = course / "submitted" / student / ASSIGNMENT
    proc = run_nbgrader(str(folder), "validate", f"{NOTEBOOK}.ipynb")
    output = proc.stdout + proc.stderr
    if passes:
        assert "Success! Your notebook passes all the tests." in output, output
    else:
        assert (
            f"VALIDATION FAILED ON {len(POINTS)} CELL(S)" in output
            and "not implemented yet" in output
        ), output


def test_the_student_files_are_the_graded_parts_files():
    assert set(STUDENT_FILES) == {LOSS, CLASSIFIER, OPTIMIZER, SOLVER}


def test_feedback_reads_well_offline_in_a_browser(course):
    """A real feedback page in Chromium with every request to another host refused: its math
    is typeset (static SVG), nothing fails to load, no script runs, long messages wrap."""
    from tests.book._browser import RAW_TEX_JS
    from tests.chromium import chromium

    path = course / "feedback" / "missing_n" / ASSIGNMENT / f"{NOTEBOOK}.html"
    refused, errors = [], []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 800, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))

        def route(r):
            if r.request.url.startswith(("file://", "data:")):
                r.continue_()
            else:
                refused.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(path.as_uri())
        typeset = page.evaluate("document.querySelectorAll('mjx-container svg').length")
        tex_errors = page.evaluate("document.querySelectorAll('[data-mjx-error]').length")
        raw_tex = page.evaluate(RAW_TEX_JS)
        scripts = page.evaluate(
            "Array.from(document.scripts).filter(s => !s.type.includes('json')).length"
        )
        overflowing = page.evaluate(
            """() => Array.from(document.querySelectorAll('.output_area pre'))
                .filter(p => p.scrollWidth > p.clientWidth + 1)
                .map(p => p.textContent.slice(0, 60))"""
        )
        message = page.evaluate(
            "Array.from(document.querySelectorAll('pre')).map(p => p.textContent)"
            ".find(t => t.replace(/\\s+/g, ' ').includes('did you divide by N?'))"
        )
    assert refused == [] and errors == [] and scripts == 0
    assert typeset >= 30 and raw_tex == [] and tex_errors == 0
    assert overflowing == []
    assert "\n" in message  # the long message is on several lines, none cut

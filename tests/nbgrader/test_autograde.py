"""Real nbgrader, real kernels: the release, the scores, and the safety of grading.

One temporary course per module: the release is generated with the real tool, simulated
students are placed in submitted/, and ONE `nbgrader autograde` call grades them all (each
nbgrader command costs about 5 s of start-up). Scores are read from the gradebook.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from tools.course import ASSIGNMENT, NOTEBOOK, STUDENT_FILES
from tools.generate_release import (
    check_up_to_date,
    copy_course,
    forbidden_lines,
    generate,
    grading_env,
    run_nbgrader,
    verify_release,
)
from tools.strip_solutions import region_names, strip_solutions

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
POINTS = {
    "bce_forward": 2,
    "bce_backward": 2,
    "sigmoid": 2,
    "classifier_forward": 2,
    "classifier_backward": 3,
    "optimizer_step": 1,
    "solver_step": 2,
    "trained_accuracy": 2,
}
MISSING_N = "gradient = (1 - 2 * y_truth) / np.maximum(p, EPS) / len(y_truth)"
# Common mistakes: (file, correct line, mistaken line, phrase the feedback must contain).
MISTAKES = {
    "bce_backward_sign": (
        "exercise_code/networks/loss.py",
        MISSING_N,
        "gradient = -(1 - 2 * y_truth) / np.maximum(p, EPS) / len(y_truth)",
        "has the wrong sign",
    ),
    "sigma_for_sigma_prime": (
        "exercise_code/networks/classifier.py",
        "        ds = dout * z * (1 - z)\n",
        "        ds = dout * z\n",
        "used the sigmoid where its derivative z * (1 - z) belongs",
    ),
    "optimizer_plus": (
        "exercise_code/networks/optimizer.py",
        "weight = weight - self.lr * dw",
        "weight = weight + self.lr * dw",
        "added the gradient instead of subtracting it",
    ),
    "missing_transpose": (
        "exercise_code/networks/classifier.py",
        "        dW[:-1] = X.T @ ds\n        dW[-1] = ds.sum()\n",
        "        dW = np.hstack([ds.T @ X, [[ds.sum()]]])  # (1, D + 1)\n",
        "missing transpose: dW must be a column (D + 1, 1) like W",
    ),
    "bce_forward_swapped": (
        "exercise_code/networks/loss.py",
        "        p = y_truth * y_out + (1 - y_truth) * (1 - y_out)\n        result",
        "        p = (1 - y_truth) * y_out + y_truth * (1 - y_out)\n        result",
        "swapped y and 1 - y: the label 1 goes with log(y_hat)",
    ),
    "solver_backward_arg": (
        "exercise_code/solver.py",
        "dW = model.backward(loss_grad)",
        "dW = model.backward(model_forward)",
        "passed the wrong array to model.backward: it needs dL/dz from the loss",
    ),
}


def source_text(rel):
    return (ROOT / "source" / ASSIGNMENT / rel).read_text(encoding="utf-8")


def solved(rel, keep=None):
    """The student file ``rel`` with the regions in ``keep`` solved (all if None)."""
    text = source_text(rel)
    return strip_solutions(text, keep=region_names(text) if keep is None else keep)


def submit(course, student, files=None, notebook=None, drop_package=False):
    """Place a submission: the release, with some files replaced, in submitted/<student>."""
    dest = course / "submitted" / student / ASSIGNMENT
    shutil.copytree(course / "release" / ASSIGNMENT, dest)
    for rel, text in (files or {}).items():
        (dest / rel).write_text(text, encoding="utf-8")
    if notebook is not None:
        (dest / f"{NOTEBOOK}.ipynb").write_text(notebook, encoding="utf-8")
    if drop_package:
        shutil.rmtree(dest / "exercise_code")


def new_course(course):
    """A copy of the course in the folder ``course``, with its release generated."""
    course.mkdir(parents=True, exist_ok=True)
    copy_course(str(course))
    generate(str(course), quiet=True)
    return course


def kernels_running_in(course):
    """The ipykernel processes whose working directory is inside ``course``."""
    alive = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue  # the process ended meanwhile
        if "ipykernel" in cmd and cwd.startswith(str(course)):
            alive.append(f"{pid} in {cwd}")
    return alive


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("course"))

    everything = {rel: solved(rel) for rel in STUDENT_FILES}
    submit(course, "untouched")
    submit(course, "reference", everything)
    submit(
        course, "bce_forward_only", {STUDENT_FILES[0]: solved(STUDENT_FILES[0], {"BCE.forward"})}
    )
    loss = everything[STUDENT_FILES[0]]
    assert MISSING_N in loss
    missing_n = loss.replace(MISSING_N, MISSING_N.replace(" / len(y_truth)", ""))
    submit(course, "missing_n", {**everything, STUDENT_FILES[0]: missing_n})
    for student, (rel, right, wrong, _) in MISTAKES.items():
        assert everything[rel].count(right) == 1, (rel, right)
        submit(course, student, {**everything, rel: everything[rel].replace(right, wrong)})
    # A grading helper edited to pass everything must have no effect: it is restored.
    submit(
        course,
        "edited_helper",
        {"exercise_code/grading/checks.py": "def __getattr__(name):\n    return print\n"},
    )
    submit(course, "no_package", drop_package=True)
    submit(course, "invalid_json", everything, notebook="{ this is not a notebook")

    proc = run_nbgrader(str(course), "autograde", ASSIGNMENT, "--force")
    (course / "autograde.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    run_nbgrader(str(course), "generate_feedback", ASSIGNMENT, "--force")
    return course


def scores(course, student):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {part: gb.find_grade(part, NOTEBOOK, ASSIGNMENT, student).score for part in POINTS}


def feedback_html(course, student):
    return (course / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html").read_text(
        encoding="utf-8"
    )


def test_committed_release_is_up_to_date():
    diffs = check_up_to_date(str(ROOT))
    assert not diffs, f"release/ex04 is out of date (run `make release`): {diffs}"


def test_committed_release_holds_no_solution():
    assert verify_release(str(ROOT / "release" / ASSIGNMENT), str(ROOT)) == []


def test_untouched_release_scores_zero(course):
    assert scores(course, "untouched") == dict.fromkeys(POINTS, 0)


def test_reference_scores_full_marks(course):
    assert scores(course, "reference") == POINTS


def test_one_solved_part_scores_exactly_its_points(course):
    expected = dict.fromkeys(POINTS, 0)
    expected["bce_forward"] = POINTS["bce_forward"]
    assert scores(course, "bce_forward_only") == expected


def test_missing_one_over_n_loses_exactly_that_part_and_is_named(course):
    """Without 1/N the gradient is 343 times too large: training at the course's learning
    rate fails too, so the accuracy target is lost as well; every other part keeps its points."""
    assert scores(course, "missing_n") == {**POINTS, "bce_backward": 0, "trained_accuracy": 0}
    assert "did you divide by N?" in feedback_html(course, "missing_n")


@pytest.mark.parametrize(
    ("student", "lost"),
    [
        ("bce_backward_sign", "bce_backward"),
        ("sigma_for_sigma_prime", "classifier_backward"),
        ("optimizer_plus", "optimizer_step"),
        ("missing_transpose", "classifier_backward"),
        ("bce_forward_swapped", "bce_forward"),
        ("solver_backward_arg", "solver_step"),
    ],
)
def test_each_common_mistake_loses_its_part_and_is_named(course, student, lost):
    """The mistaken part scores 0, and so does training, which needs every part right."""
    assert scores(course, student) == {**POINTS, lost: 0, "trained_accuracy": 0}
    assert MISTAKES[student][3] in feedback_html(course, student)


def test_an_edited_test_helper_has_no_effect(course):
    assert scores(course, "edited_helper") == dict.fromkeys(POINTS, 0)


def test_a_submission_without_its_package_never_uses_the_instructors(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        try:
            got = {p: gb.find_grade(p, NOTEBOOK, ASSIGNMENT, "no_package").score for p in POINTS}
        except Exception:  # not graded at all is safe too
            return
    assert got == dict.fromkeys(POINTS, 0)


def test_invalid_notebook_does_not_break_the_batch(course):
    # The others were graded exactly (see above); this one has no autograded notebook.
    assert not (course / "autograded" / "invalid_json" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").exists()
    assert scores(course, "reference") == POINTS


def test_feedback_hides_hidden_tests_and_leaks_no_solution(course):
    html = feedback_html(course, "reference")
    assert "BEGIN HIDDEN TESTS" not in html
    assert "check_bce_backward_edge_values" not in html  # a call from a hidden test
    forbidden = set(forbidden_lines(str(ROOT)))
    for student_dir in (course / "feedback").iterdir():
        for path in student_dir.rglob("*"):
            rel = path.relative_to(student_dir / ASSIGNMENT).as_posix()
            if not path.is_file() or rel in STUDENT_FILES:
                continue  # a student's own files hold what that student wrote
            text = path.read_text(encoding="utf-8", errors="replace")
            leaked = [line for line in text.splitlines() if line.strip() in forbidden]
            assert not leaked, f"{path}: {leaked[:3]}"


def test_the_autograde_log_holds_no_false_alarm(course):
    """No "checksum has changed" for test cells nobody edited (nbgrader issue #1961, see
    nbgrader_config.py), and no "KeyboardInterrupt caught in kernel" from the shutdown."""
    log = (course / "autograde.log").read_text(encoding="utf-8")
    assert "Sanitizing" in log  # the log is nbgrader's
    assert "has changed!" not in log
    assert "KeyboardInterrupt" not in log


def test_no_kernel_is_left_running(course):
    assert not kernels_running_in(course)


def test_parallel_grading_gives_the_same_grades(course, tmp_path):
    """tools.grade_parallel (2 workers, a gradebook each, merged) loses no grade."""
    parallel = tmp_path / "parallel"
    shutil.copytree(course, parallel, ignore=shutil.ignore_patterns("autograded", "feedback"))
    (parallel / "gradebook.db").unlink()
    shutil.rmtree(parallel / "submitted" / "invalid_json")
    shutil.rmtree(parallel / "submitted" / "no_package")
    assert run_nbgrader(str(parallel), "generate_assignment", ASSIGNMENT, "--force").returncode == 0
    proc = subprocess.run(
        [sys.executable, "-m", "tools.grade_parallel", ASSIGNMENT, "--workers", "2"],
        cwd=parallel,
        env=grading_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for student in ("untouched", "reference", "bce_forward_only", "missing_n", "edited_helper"):
        assert scores(parallel, student) == scores(course, student), student


@pytest.mark.parametrize(("student", "passes"), [("reference", True), ("untouched", False)])
def test_nbgrader_validate_tells_students_where_they_stand(course, student, passes):
    folder = course / "submitted" / student / ASSIGNMENT
    proc = run_nbgrader(str(folder), "validate", f"{NOTEBOOK}.ipynb")
    output = proc.stdout + proc.stderr
    if passes:
        assert "Success! Your notebook passes all the tests." in output, output
    else:
        assert "VALIDATION FAILED ON 8 CELL(S)" in output and "not implemented yet" in output, (
            output
        )

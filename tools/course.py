"""The course's fixed names, shared by nbgrader_config.py, the tools and the tests.

Imports nothing (``make lint`` checks it): every layer of ``tools/`` may read it.
"""

COURSE_ID = "logistic-regression"  # nbgrader's course id (the exchange's folder name)
ASSIGNMENT = "ex04"
NOTEBOOK = "logistic_regression"  # source/ex04/logistic_regression.ipynb
# The files the graded parts live in, in the order of the parts: exercise_code.grading's
# STUDENT_FILES (from its PARTS) written out; tests/tools/test_course.py keeps the two equal.
STUDENT_FILES = (
    "exercise_code/networks/loss.py",
    "exercise_code/networks/classifier.py",
    "exercise_code/networks/optimizer.py",
    "exercise_code/solver.py",
)

# The points of every graded test cell: the one place to change them. `make release` writes
# them into the notebook (each graded cell's nbgrader metadata and the first line of its
# source, which the student reads) and the release; the grader gives a cell its points when
# every test of it passes. A part with numerics has two cells: its core (the formula on
# ordinary inputs) and its robustness (``<part>_robust``: no numpy warning, finite values at
# predictions of exactly 0 or 1, large |x|). Robustness may be at most a quarter of the total
# (tests/tools/test_points.py).
POINTS = {
    "bce_forward": 2,
    "bce_forward_robust": 1,
    "bce_backward": 2,
    "bce_backward_robust": 1,
    "sigmoid": 2,
    "sigmoid_robust": 1,
    "classifier_forward": 2,
    "classifier_backward": 3,
    "optimizer_step": 1,
    "solver_step": 2,
    "trained_accuracy": 2,
}
ROBUSTNESS_SUFFIX = "_robust"

__all__ = ["ASSIGNMENT", "COURSE_ID", "NOTEBOOK", "POINTS", "ROBUSTNESS_SUFFIX", "STUDENT_FILES"]

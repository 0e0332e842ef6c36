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

__all__ = ["ASSIGNMENT", "COURSE_ID", "NOTEBOOK", "STUDENT_FILES"]

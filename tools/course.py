"""The course's fixed names, shared by nbgrader_config.py, the tools and the tests."""

from exercise_code.grading import STUDENT_FILES  # the files the graded parts live in

COURSE_ID = "logistic-regression"  # nbgrader's course id (the exchange's folder name)
ASSIGNMENT = "ex04"
NOTEBOOK = "logistic_regression"  # source/ex04/logistic_regression.ipynb

__all__ = ["ASSIGNMENT", "COURSE_ID", "NOTEBOOK", "STUDENT_FILES"]

"""The course's fixed names, shared by nbgrader_config.py, the tools and the tests."""

from exercise_code.grading import STUDENT_FILES  # the files the graded parts live in

ASSIGNMENT = "ex04"
NOTEBOOK = "logistic_regression"  # source/ex04/logistic_regression.ipynb

__all__ = ["ASSIGNMENT", "NOTEBOOK", "STUDENT_FILES"]

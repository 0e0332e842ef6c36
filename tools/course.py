"""The course's fixed names, shared by nbgrader_config.py, the tools and the tests."""

ASSIGNMENT = "ex04"
NOTEBOOK = "logistic_regression"  # source/ex04/logistic_regression.ipynb

# The files a student edits (relative to the assignment folder). Grading takes exactly these
# from a submission (Autograde.exclude_overwriting); every other file comes from source/.
STUDENT_FILES = (
    "exercise_code/networks/loss.py",
    "exercise_code/networks/classifier.py",
    "exercise_code/networks/optimizer.py",
    "exercise_code/solver.py",
)

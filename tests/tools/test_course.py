"""tools/course.py imports nothing, so it writes out what the student package defines."""

from exercise_code.grading import STUDENT_FILES
from tools import course


def test_student_files_are_the_graded_parts_files():
    assert course.STUDENT_FILES == STUDENT_FILES

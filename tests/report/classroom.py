"""A class graded by the real grader, for the report's tests: who was built with what.

Each student is the reference's student files with the edits of known mistakes
(``tests.grader.test_mistakes.MISTAKEN``: key -> part, file, old piece, new piece), so the
report's counts can be checked against what each student was made to get wrong, as well as
against the gradebook.
"""

import subprocess
import sys

from nbgrader.api import Gradebook

from tests.grader.test_mistakes import MISTAKEN
from tests.nbgrader.test_autograde import new_course, submit
from tests.submissions import LOSS, everything, patches_checks
from tools.course import ASSIGNMENT, NOTEBOOK
from tools.nbgrader_env import nbgrader_env, run_nbgrader

# student: the mistakes (MISTAKEN's keys) their files were built with. "untouched" hands in
# the release as it is, "flagged" makes the notebook's own checks pass (the grader fails them
# all), "linked" hands in a link to the instructor's loss.py (the intake refuses it).
BUILT = {
    "reference": (),
    "sign_a": ("bce_backward_sign",),
    "sign_b": ("bce_backward_sign", "optimizer_plus"),
    "plus": ("optimizer_plus",),
    "swapped": ("bce_forward_swapped",),
    "edge": ("bce_forward_edge",),  # only a hidden case shows it
}
UNTOUCHED, FLAGGED, REFUSED = "untouched", "flagged", "linked"
# A folder name the intake refuses (nbgrader could not use it): it reaches the report as a
# refused student's id, every character of it the student's choice, HTML and a spreadsheet
# formula included.
HOSTILE = '=HYPERLINK("x")<b onmouseover=alert(1)>&amp;\''
# Flagged by hand in the formgrader; a part given a manual grade.
HAND_FLAGGED = "plus"
HAND_GRADED = ("bce_backward", "sign_a")  # (part, student): one point of two
STUDENTS = sorted([*BUILT, UNTOUCHED, FLAGGED, REFUSED, HOSTILE])


def files_with(mistakes):
    """{student file: text}: every file solved, with the edits of ``mistakes`` made."""
    files = everything()
    for key in mistakes:
        _, rel, old, new = MISTAKEN[key]
        assert files[rel].count(old) == 1, key
        files[rel] = files[rel].replace(old, new)
    return files


def build_class(course_dir):
    """A course in ``course_dir`` with every student of STUDENTS submitted and autograded by
    the real ``nbgrader autograde`` (the flagged one with its notebook run, the only way a
    flag is raised; the others without, the default). Returns the course folder and the two
    commands' logs."""
    course = new_course(course_dir)
    for student, mistakes in BUILT.items():
        submit(course, student, files_with(mistakes))
    submit(course, UNTOUCHED)
    submit(course, FLAGGED, patches_checks())
    linked = submit(course, REFUSED, everything()) / LOSS
    linked.unlink()
    linked.symlink_to(course / LOSS)
    submit(course, HOSTILE, everything())
    logs = []
    proc = run_nbgrader(
        str(course), "autograde", ASSIGNMENT, f"--CourseDirectory.student_id_exclude={FLAGGED}"
    )
    logs.append(proc.stdout + proc.stderr)
    proc = run_nbgrader(
        str(course),
        "autograde",
        ASSIGNMENT,
        f"--CourseDirectory.student_id={FLAGGED}",
        "--NotebookRun.execute=True",
    )
    logs.append(proc.stdout + proc.stderr)
    # What an instructor does in the formgrader, through the gradebook API it uses: flag a
    # notebook by hand (no reason recorded), give a part a manual grade.
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, HAND_FLAGGED).flagged = True
        part, student = HAND_GRADED
        gb.find_grade(part, NOTEBOOK, ASSIGNMENT, student).manual_score = 1.0
        gb.db.commit()
    return course, "\n".join(logs)


def run_report(course, out, check=False):
    """``python -m tools.report ex04 --output-dir out`` from the course folder, as an
    instructor runs it (nbgrader's environment: its gradebook variable included)."""
    return subprocess.run(
        [sys.executable, "-m", "tools.report", ASSIGNMENT, "--output-dir", str(out)],
        cwd=course,
        env=nbgrader_env(),
        capture_output=True,
        text=True,
        check=check,
    )

"""nbgrader configuration of the course (one assignment, ``ex04``). Run nbgrader from here.

Settings only; the code they name lives in ``tools/grader/`` (its docstring states the threat
model, book/instructors.md the whole story). In short: every cell of a submitted notebook is
restored from the release, files a submission added are removed, the kernel runs in a
bubblewrap sandbox, and each graded test cell shows the verdict of a grader that runs the
student's code in a separate sandboxed process and decides in this one.
"""

import os
import sys

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

ROOT = os.path.dirname(os.path.abspath(__file__))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # the course's tools/ and its reference exercise_code/

from tools import gradebook  # noqa: E402
from tools.course import ASSIGNMENT, COURSE_ID, STUDENT_FILES  # noqa: E402
from tools.grader import hooks, preprocessors  # noqa: E402

# --- course and folders ------------------------------------------------------------------
c.CourseDirectory.course_id = COURSE_ID
c.CourseDirectory.root = ROOT
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# The gradebook: SQLite (gradebook.db here) unless the environment variable NBGRADER_DB_URL
# names another database, e.g. postgresql+psycopg2://grader@db.example.org/logistic_regression
# for a course graded by many processes at once (tools/gradebook.py).
c.CourseDirectory.db_url = gradebook.db_url(ROOT)

# --- generate_assignment -----------------------------------------------------------------
# IncludeHeaderFooter opens the path relative to the working directory: make it absolute.
c.IncludeHeaderFooter.header = os.path.join(ROOT, "source", "header.ipynb")
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.GenerateAssignment.post_convert_hook = hooks.release_hook

# --- execution (validate, autograde) ------------------------------------------------------
# The slowest cell (training) takes about 0.5 s here; a cell that runs longer than this is
# interrupted. The grade does not depend on it (see TrustedVerdicts).
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
c.Execute.kernel_name = "python3"  # pinned: a student's notebook metadata cannot choose
c.Execute.startup_timeout = 60
# Kill the kernel once the notebook has run: a graceful shutdown only costs time.
c.Execute.shutdown_kernel = "immediate"

# --- autograde ------------------------------------------------------------------------
# The student's four files are graded; every other file comes from source/.
c.Autograde.exclude_overwriting = {ASSIGNMENT: list(STUDENT_FILES)}
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    preprocessors.RestoreNotebook,
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    preprocessors.RemoveAddedFiles,
    preprocessors.SandboxedExecute,
    preprocessors.TrustedVerdicts,
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    preprocessors.SaveFlags,
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# --- generate_feedback --------------------------------------------------------------------
c.GenerateFeedback.post_convert_hook = hooks.feedback_hook

"""nbgrader configuration of the course (one assignment, ``ex04``). Run nbgrader from here.

Settings only; the code they name lives in ``tools/grader/`` (its docstring states the threat
model, book/instructors.md the whole story). In short: ``nbgrader autograde`` grades only the
trees the course's intake built from the submissions (the release, the submitted notebook and
four student files as regular files; nothing else), every cell of the notebook is restored from
the release, the notebook is not run (``c.NotebookRun.execute`` below), and each graded cell
shows, and the gradebook records, the verdict of a grader that runs the student's code in a
sandboxed process and decides in this one.
"""

import os
import sys

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

ROOT = os.path.dirname(os.path.abspath(__file__))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)  # the course's tools/ and its reference exercise_code/

from tools.course import ASSIGNMENT, COURSE_ID, STUDENT_FILES  # noqa: E402
from tools.grader import autograde, collect, gradebook, hooks, preprocessors  # noqa: E402

autograde.install()  # `nbgrader autograde` runs the intake first (tools/grader/autograde.py)

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
# for a course graded by many processes at once (tools/grader/gradebook.py).
c.CourseDirectory.db_url = gradebook.db_url(ROOT)

# --- collect --------------------------------------------------------------------------------
# Entries are taken through the course's intake: links never followed, an entry not owned by
# the student it names rejected (ExchangeCollect.check_owner, on), a malformed one skipped
# alone (tools/grader/collect.py).
c.ExchangeFactory.collect = collect.CourseCollect

# --- generate_assignment -----------------------------------------------------------------
# IncludeHeaderFooter opens the path relative to the working directory: make it absolute.
c.IncludeHeaderFooter.header = os.path.join(ROOT, "source", "header.ipynb")
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.GenerateAssignment.post_convert_hook = hooks.release_hook

# --- execution (validate; autograde only if NotebookRun.execute) --------------------------
# The grade never depends on running the notebook (TrustedGrades grades the four files in its
# own sandbox). By default it is not run, which is about four times cheaper; the feedback then
# shows the outputs the student submitted, made inert, and says so. Uncomment to run it in the
# sandbox on the tree the intake built (at most notebook_seconds in all, whatever each cell
# takes), and to flag a part whose test printed "passed" there but failed when graded:
# c.NotebookRun.execute = True
c.NotebookRun.notebook_seconds = 120
# The slowest cell (training) takes about 0.5 s here; a cell that runs longer than this is
# interrupted.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
c.Execute.kernel_name = "python3"  # pinned: a student's notebook metadata cannot choose
c.Execute.startup_timeout = 60
# Kill the kernel once the notebook has run: a graceful shutdown only costs time.
c.Execute.shutdown_kernel = "immediate"

# --- autograde ------------------------------------------------------------------------
# The student's four files are graded; every other file comes from source/.
c.Autograde.exclude_overwriting = {ASSIGNMENT: list(STUDENT_FILES)}
c.CourseAutograde.intake_directory = "intake"  # the trees graded, built from submitted/
c.Autograde.sanitize_preprocessors = [
    preprocessors.SubmittedOutputs,
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    preprocessors.RestoreNotebook,
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    preprocessors.SandboxedExecute,
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    preprocessors.CapOutputs,
    preprocessors.TrustedGrades,
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# --- generate_feedback --------------------------------------------------------------------
c.GenerateFeedback.post_convert_hook = hooks.feedback_hook

"""nbgrader configuration of the course (one assignment, ``ex04``). Run nbgrader from here.

The course root is this folder. Facts this file answers (measured with nbgrader 0.9.6):

- ``generate_assignment`` copies every non-notebook file verbatim, solutions included. The
  post-convert hook below strips the solution regions of the release's ``.py`` files
  (``tools/strip_solutions.py``). nbgrader only logs a hook that raises and exits 0, so on
  failure the hook deletes the whole release folder (no solution can ship), and
  ``python -m tools.generate_release`` (``make release``) re-verifies every file and exits
  non-zero if anything is wrong.
- ``autograde`` overwrites every non-notebook file with the instructor's copy unless it is
  listed in ``Autograde.exclude_overwriting``: the four student files are listed, so their
  code is graded; every other file (helpers, data, grading checks) comes from ``source/``.
- ``generate_feedback`` shows hidden tests unless ``ClearHiddenTests`` is among its
  preprocessors; that clears a cell's source but not a traceback in its output, which
  prints the lines around the failing call, so ``tools/feedback_filters.py`` cuts those
  tracebacks to their last line. It also copies the autograded ``.py`` files into the
  feedback folder; a hook checks that none of them but the student's own holds a line of a
  solution.
- ``autograde`` runs the checks in the student's own Python process, where code that
  patches them cannot be stopped. After grading each submission, a hook scans the
  student's code for ways around the grading (``tools/scan_submissions.py``) and marks a
  submission with findings *flagged* in the gradebook, for a human to look at.
"""

import functools
import importlib.util
import logging
import os
import shutil

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

ROOT = os.path.dirname(os.path.abspath(__file__))


@functools.cache  # once per nbgrader command, not once per submission
def _load_tool(name):
    """tools/<name>.py, loaded by path: nbgrader's sys.path need not hold ROOT."""
    path = os.path.join(ROOT, "tools", f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_course_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The assignment and the files a student edits (tools/course.py, which the tools and the
# tests import too). Grading takes exactly these files from a submission.
_course = _load_tool("course")
ASSIGNMENT = _course.ASSIGNMENT
STUDENT_FILES = list(_course.STUDENT_FILES)

# --- course and folders ------------------------------------------------------------------
c.CourseDirectory.course_id = "logistic-regression"
c.CourseDirectory.root = ROOT
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"

# --- generate_assignment -----------------------------------------------------------------
# IncludeHeaderFooter opens the path relative to the working directory: make it absolute.
c.IncludeHeaderFooter.header = os.path.join(ROOT, "source", "header.ipynb")
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# --- execution (validate, autograde) ------------------------------------------------------
# The slowest cells (training, and the hidden test that trains again) take about 1 s here;
# a cell that runs longer than this is interrupted and fails. 30 s leaves a 2-core machine
# under full load a wide margin, while a submission with an infinite loop costs at most
# 30 s per cell that calls the looping code.
c.Execute.timeout = 30
c.Execute.interrupt_on_timeout = True
c.Execute.kernel_name = "python3"  # pinned: a student's notebook metadata cannot choose
c.Execute.startup_timeout = 60
# Kill the kernel once the notebook has run: a graceful shutdown costs time and makes about
# half the kernels log "ERROR | KeyboardInterrupt caught in kernel", noise in a long batch.
c.Execute.shutdown_kernel = "immediate"

# --- autograde ------------------------------------------------------------------------
c.Autograde.exclude_overwriting = {ASSIGNMENT: list(STUDENT_FILES)}


class _UntouchedTestCells(logging.Filter):
    """Drop nbgrader's "checksum has changed" warning for a test cell the student left alone.

    nbgrader stores the checksum of each test cell *with* its hidden tests, and the release
    holds the cell without them, so autograde warns for every cell with hidden tests of
    every submission (nbgrader issue #1961). A cell whose checksum is that of the release
    is untouched: its warning is dropped, so the warnings that remain mean what they say.
    """

    def filter(self, record):
        args = record.args if isinstance(record.args, tuple) else ()
        if not (str(record.msg).startswith("Attribute '%s' for cell %s has changed!")):
            return True
        if len(args) != 4 or args[0] != "checksum":
            return True
        return args[3] not in _release_checksums().get(args[1], ())


@functools.cache
def _release_checksums():
    """{grade_id: {checksums}} of the test cells of every released notebook."""
    import json

    checksums = {}
    release = os.path.join(ROOT, "release")
    for dirpath, _, filenames in os.walk(release):
        for name in filenames:
            if not name.endswith(".ipynb") or ".ipynb_checkpoints" in dirpath:
                continue
            with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                cells = json.load(f).get("cells", [])
            for cell in cells:
                meta = cell.get("metadata", {}).get("nbgrader", {})
                if meta.get("grade_id") and meta.get("checksum"):
                    checksums.setdefault(meta["grade_id"], set()).add(meta["checksum"])
    return checksums


logging.getLogger("AutogradeApp").addFilter(_UntouchedTestCells())

# --- generate_feedback --------------------------------------------------------------------
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    # A traceback in a test cell would print the hidden tests' lines: keep its last line.
    _load_tool("feedback_filters").ShortTestTracebacks,
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]


# --- hooks ----------------------------------------------------------------------------
def _release_hook(assignment, student, notebooks):
    """After generate_assignment: stub every solution region of the release's .py files."""
    log = logging.getLogger("nbgrader.release_hook")
    release = os.path.join(ROOT, "release", assignment)
    try:
        stripped = _load_tool("strip_solutions").strip_tree(release)
        for path, names in sorted(stripped.items()):
            log.info("stripped %s: %s", os.path.relpath(path, ROOT), ", ".join(names))
    except BaseException:
        # nbgrader would log this and exit 0 with the solutions in place: remove the release.
        shutil.rmtree(release, ignore_errors=True)
        log.error("stripping the solutions FAILED: %s deleted; nothing was released", release)
        raise


def _feedback_hook(assignment, student, notebooks):
    """After generate_feedback: no .py file but the student's own may hold a solution line."""
    log = logging.getLogger("nbgrader.feedback_hook")
    strip = _load_tool("strip_solutions")
    source = os.path.join(ROOT, "source", assignment)
    lines = set()
    for rel in STUDENT_FILES:
        with open(os.path.join(source, rel), encoding="utf-8") as f:
            lines.update(strip.solution_lines(f.read(), rel))
    feedback = os.path.join(ROOT, "feedback")
    for dirpath, _, filenames in os.walk(feedback):
        for name in filenames:
            path = os.path.join(dirpath, name)
            parts = os.path.relpath(path, feedback).split(os.sep)
            rel = "/".join(parts[2:])  # feedback/<student>/<assignment>/<rel>
            if not name.endswith(".py") or parts[1:2] != [assignment] or rel in STUDENT_FILES:
                continue
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            if any(line.strip() in lines for line in text.splitlines()):
                os.remove(path)
                log.error("removed %s from the feedback: it held a solution line", path)


def _autograde_hook(assignment, student, notebooks):
    """After autograde: flag a submission whose code reaches around the grading.

    The checks run in the student's own process and cannot defend themselves against code
    that patches them (tools/scan_submissions.py says how we look for it). A finding marks
    the submission *flagged* in the gradebook (the formgrader lists it) and is logged as a
    warning; the grade stands until a human has looked.
    """
    log = logging.getLogger("nbgrader.autograde_hook")
    # nbgrader passes student="*" (its command-line filter); the notebooks' paths,
    # submitted/<student>/<assignment>/<notebook>.ipynb, name the student.
    folder = os.path.dirname(os.path.abspath(notebooks[0]))
    student = os.path.basename(os.path.dirname(folder))
    try:
        from nbgrader.api import Gradebook
        from traitlets.config import Application

        release = os.path.join(ROOT, "release", assignment)
        if not os.path.isdir(release):
            release = os.path.join(ROOT, "source", assignment)  # same imports as the release
        scan = _load_tool("scan_submissions")
        findings = scan.scan_submission(folder, release, STUDENT_FILES)
        if not findings:
            return
        for finding in findings:
            log.warning("%s: %s", student, finding)
        # The running `nbgrader autograde` knows its gradebook (tools.grade_parallel gives
        # each worker its own); from the formgrader, the hook runs inside the Jupyter
        # server, which has no course directory: then it is the course's gradebook.
        app = Application.instance() if Application.initialized() else None
        coursedir = getattr(app, "coursedir", None)
        db_url = coursedir.db_url if coursedir else f"sqlite:///{ROOT}/gradebook.db"
        course_id = coursedir.course_id if coursedir else c.CourseDirectory.course_id
        with Gradebook(db_url, course_id) as gb:
            for notebook in gb.find_submission(assignment, student).notebooks:
                notebook.flagged = True
            gb.db.commit()
        log.warning("%s: submission FLAGGED for review (%d findings)", student, len(findings))
    except Exception:
        # nbgrader would log this at INFO level only: say it loudly.
        log.exception("scanning the submission of %s FAILED; look at it by hand", student)


c.GenerateAssignment.post_convert_hook = _release_hook
c.Autograde.post_convert_hook = _autograde_hook
c.GenerateFeedback.post_convert_hook = _feedback_hook

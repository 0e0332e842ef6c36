"""What nbgrader runs around its commands (set in nbgrader_config.py).

- ``release_hook`` (after ``generate_assignment``): stub every solution region of the
  release's ``.py`` files. nbgrader copies them verbatim, and only logs a hook that raises, so
  on failure the hook deletes the whole release folder (no solution can ship);
  ``python -m tools.release.generate`` re-verifies every file and exits non-zero if anything is
  wrong.
- ``feedback_hook`` (after ``generate_feedback``): keep only the HTML (and nbgrader's two
  bookkeeping files that ``release_feedback`` reads). nbgrader also copies the autograded
  folder's files into the feedback; a student needs none of them (they have their own), and
  only this guarantees that no file of the course's ever reaches them. Then the HTML is made
  to read well offline (``feedback.py``).
"""

import logging
import os
import shutil

from traitlets.config import Application

from tools.release import strip_solutions

from . import feedback
from .intake import BOOKKEEPING
from .oracles import ROOT


def _log(name):
    """nbgrader's own log, which it prints (a logger of our own has no handler there)."""
    return Application.instance().log if Application.initialized() else logging.getLogger(name)


def release_hook(assignment, student, notebooks):
    log = _log("nbgrader.release_hook")
    release = os.path.join(ROOT, "release", assignment)
    try:
        stripped = strip_solutions.strip_tree(release)
        for path, names in sorted(stripped.items()):
            log.info("stripped %s: %s", os.path.relpath(path, ROOT), ", ".join(names))
    except BaseException:
        # nbgrader would log this and exit 0 with the solutions in place: remove the release.
        shutil.rmtree(release, ignore_errors=True)
        log.error("stripping the solutions FAILED: %s deleted; nothing was released", release)
        raise


def _feedback_folder(notebook, assignment, student):
    """feedback/<student>/<assignment>/: the folder of the notebook's HTML (one per student:
    the notebooks of an assignment share it, and it is cleaned and typeset once)."""
    parts = os.path.normpath(notebook).split(os.sep)
    student_id = parts[-3] if len(parts) >= 3 else student
    return os.path.join(ROOT, "feedback", student_id, assignment)


def feedback_hook(assignment, student, notebooks):
    """Keep only the notebooks' HTML in the feedback just generated (and nbgrader's
    ``intake.BOOKKEEPING``, which the intake wrote from the checked submission), and make the
    HTML read well offline (static math, no script, wrapped messages: ``feedback.finish``)."""
    log = _log("nbgrader.feedback_hook")
    html = {f"{os.path.splitext(os.path.basename(nb))[0]}.html" for nb in notebooks}
    keep = html | set(BOOKKEEPING)
    pages = []
    for folder in sorted({_feedback_folder(nb, assignment, student) for nb in notebooks}):
        for dirpath, dirnames, filenames in os.walk(folder, topdown=False):
            for name in filenames:
                path = os.path.join(dirpath, name)
                if dirpath == folder and name in keep:
                    continue
                os.remove(path)
                log.info("feedback holds only the HTML: removed %s", os.path.relpath(path, ROOT))
            for name in dirnames:
                path = os.path.join(dirpath, name)
                if not os.listdir(path):
                    os.rmdir(path)
        pages += [os.path.join(folder, name) for name in sorted(html)]
    formulas = feedback.finish([p for p in pages if os.path.isfile(p)], ROOT)
    log.info("feedback typeset: %d formulas in %d pages", formulas, len(pages))

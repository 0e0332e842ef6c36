"""``nbgrader autograde`` as the course runs it: the intake first, then nbgrader on its trees.

nbgrader's Autograde reads ``submitted/<student>/<assignment>`` itself (``glob``, ``open``,
``shutil.copy``: links followed, pipes blocking) before any preprocessor runs. The course's
``CourseAutograde`` first runs the intake (``intake.take_all``) over the submissions the
command selects, then lets nbgrader read only what the intake built
(``intake/<student>/<assignment>``). A refused submission is not graded: its reason is logged
(a banner like a flag's) and kept for ``python -m tools.grader.flags``; the rest of the class is.

nbgrader 0.9.6 names its converter in two places, the command line's AutogradeApp and the
formgrader's NbGraderAPI, and offers no setting for it: ``install()`` (called by
nbgrader_config.py) puts CourseAutograde in both, and refuses another nbgrader version.
"""

import fnmatch
import os

import nbgrader
from nbgrader.converters import Autograde
from traitlets import Unicode

from . import flags, intake

NBGRADER_VERSION = "0.9.6"
DEFAULT_STRUCTURE = "{nbgrader_step}/{student_id}/{assignment_id}"


class CourseAutograde(Autograde):
    """nbgrader's Autograde, reading only the trees the course's intake built."""

    intake_directory = Unicode(
        "intake", help="Where the intake builds the trees that are graded (under the root)."
    ).tag(config=True)

    @property
    def _input_directory(self):
        return self.intake_directory if self._sanitizing else self.coursedir.autograded_directory

    def start(self):
        self.run_intake()
        super().start()

    def run_intake(self):
        """Build the graded tree of every submission this command selects; log refusals."""
        coursedir = self.coursedir
        if coursedir.directory_structure != DEFAULT_STRUCTURE:
            raise RuntimeError(
                f"the course's intake needs CourseDirectory.directory_structure = "
                f"{DEFAULT_STRUCTURE!r}"
            )
        submitted = os.path.join(coursedir.root, coursedir.submitted_directory)
        built = os.path.join(coursedir.root, self.intake_directory)
        exclude = set(filter(None, coursedir.student_id_exclude.split(",")))
        release = os.path.join(coursedir.root, coursedir.release_directory)
        for assignment in sorted(os.listdir(release)) if os.path.isdir(release) else ():
            if not fnmatch.fnmatchcase(assignment, coursedir.assignment_id or "*"):
                continue
            outcomes = intake.take_all(
                submitted, built, assignment, coursedir.student_id or "*", exclude
            )
            for outcome in outcomes:
                if outcome.refused:
                    flags.report_refusal(self.log, outcome)
                for note in outcome.notes:
                    self.log.warning("%s: %s", outcome.student, note)


def install():
    """Make nbgrader's autograde (command line and formgrader) use CourseAutograde."""
    if nbgrader.__version__ != NBGRADER_VERSION:
        raise RuntimeError(
            f"the course's grading is written for nbgrader {NBGRADER_VERSION}, "
            f"not {nbgrader.__version__}: check tools/grader/autograde.py before grading"
        )
    from nbgrader.apps import api, autogradeapp

    autogradeapp.Autograde = CourseAutograde
    api.Autograde = CourseAutograde

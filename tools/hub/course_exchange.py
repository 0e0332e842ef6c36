"""nbgrader's filesystem exchange on a machine shared by a class (every server as its own OS
account). Both roles' ``nbgrader_config.py`` call ``configure(c)``; settings and small
subclasses only, importing nothing of the course (a student's server has no course).

An administrator makes the exchange once, as root, with ``tools/hub/exchange_setup.py``
(the modes are in its docstring). nbgrader 0.9.6 assumes otherwise in two places, changed here:

- Every exchange command starts by checking that the exchange root is *writable* by the
  account running it, and ``release_assignment`` chmods it to 0777 (``ensure_root``). A
  world-writable root lets any student rename or delete a course's folders (nbgrader #1225).
  Here the root belongs to root (0755): ``ensure_root`` only checks that it exists, may be
  entered, and is writable by nobody but its owner (refusing to run on a root nbgrader opened).
- ``submit`` leaves each entry in ``inbound`` world-readable (files 0644) and world-writable
  (the entry folder 0777), hidden only by its name (nbgrader #978): a student who learns the
  name reads, changes or deletes a classmate's submission, and with its
  ``submission_secret.txt`` computes the name of the classmate's feedback (#1202). Here the
  entry is the student's and the course group's only: folders 0770, files 0640, in the
  group that ``inbound`` (set-group-id) hands down, whose members are the instructors.
"""

import os
import shutil
import stat

from nbgrader.exchange.default import (
    ExchangeCollect,
    ExchangeFetchAssignment,
    ExchangeFetchFeedback,
    ExchangeList,
    ExchangeReleaseAssignment,
    ExchangeReleaseFeedback,
    ExchangeSubmit,
)
from nbgrader.utils import ignore_patterns

# The student and the course group (the instructors). The group is inbound's, handed down
# by its set-group-id bit when submit creates the entry; chmod by a student, who is not in the
# group, would clear the bit anyway (what is created in the entry already has the group).
ENTRY_FOLDER_MODE = 0o770
ENTRY_FILE_MODE = 0o640
SETUP = "tools/hub/exchange_setup.py"


class AdministeredRoot:
    """An exchange command on a root that an administrator owns: never chmod it, never
    require write access to it."""

    def ensure_root(self):
        try:
            info = os.stat(self.root)
        except OSError:
            self.fail(
                f"The exchange {self.root} does not exist: an administrator makes it ({SETUP})"
            )
        if not stat.S_ISDIR(info.st_mode) or not os.access(self.root, os.X_OK):
            self.fail(f"The exchange {self.root} is not a folder you may enter ({SETUP})")
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            self.fail(
                f"The exchange {self.root} is writable by other accounts than its owner "
                f"(mode {stat.S_IMODE(info.st_mode):04o}): any student could rename or delete a "
                f"course's folders; an administrator runs {SETUP}"
            )


class CourseSubmit(AdministeredRoot, ExchangeSubmit):
    """nbgrader's submit, leaving the entry readable by its student and the course group only."""

    def do_copy(self, src, dest, log=None):
        """nbgrader's copy (same files: ``CourseDirectory.ignore``, ``include``, the size
        limits), except into ``inbound``: there folders are made, not given the release's
        modes (shutil.copytree's chmod clears the set-group-id bit, and ``timestamp.txt`` and
        ``submission_secret.txt``, written after the copy, would get the student's own group,
        which the instructor cannot read)."""
        if os.path.dirname(os.path.abspath(dest)) != os.path.abspath(self.inbound_path):
            return super().do_copy(src, dest, log)
        if self.get_size(src) > 1000 * self.coursedir.max_dir_size:
            raise RuntimeError(f"Directory size is too big: {self.get_size(src)} bytes")
        ignore = ignore_patterns(
            exclude=self.coursedir.ignore,
            include=self.coursedir.include,
            max_file_size=self.coursedir.max_file_size,
            log=self.log,
        )

        def copy(src, dest):
            os.mkdir(dest)  # inbound's group and set-group-id bit, handed down
            names = os.listdir(src)
            skipped = ignore(src, names)
            for name in sorted(set(names) - set(skipped)):
                path = os.path.join(src, name)
                if os.path.isdir(path):
                    copy(path, os.path.join(dest, name))
                else:
                    shutil.copyfile(path, os.path.join(dest, name))  # links followed, as copytree

        copy(src, dest)

    def set_perms(self, dest, fileperms, dirperms):
        super().set_perms(dest, ENTRY_FILE_MODE, ENTRY_FOLDER_MODE)

    def copy_files(self):
        super().copy_files()  # ends with chmod 0777 of the entry (nbgrader's, for deleting)
        os.chmod(os.path.join(self.inbound_path, self.assignment_filename), ENTRY_FOLDER_MODE)


def _administered(cls):
    if issubclass(cls, AdministeredRoot):
        return cls
    return type(cls.__name__, (AdministeredRoot, cls), {"__doc__": cls.__doc__})


def configure(c):
    """Name the course's exchange classes in ``c.ExchangeFactory`` (a collect set before, the
    course's own, keeps its behaviour and gets the administered root)."""
    factory = c.ExchangeFactory
    collect = factory.collect if "collect" in factory else ExchangeCollect
    factory.collect = _administered(collect)
    factory.submit = CourseSubmit
    for name, cls in (
        ("fetch_assignment", ExchangeFetchAssignment),
        ("fetch_feedback", ExchangeFetchFeedback),
        ("list", ExchangeList),
        ("release_assignment", ExchangeReleaseAssignment),
        ("release_feedback", ExchangeReleaseFeedback),
    ):
        setattr(factory, name, _administered(cls))

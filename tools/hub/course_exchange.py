"""nbgrader's filesystem exchange on a machine shared by a class (every server as its own OS
account). Both roles' ``nbgrader_config.py`` call ``configure(c)``; settings and small
subclasses only, importing nothing of the course (a student's server has no course).

An administrator makes the exchange once, as root, with ``tools/hub/exchange_setup.py``
(the modes are in its docstring). nbgrader 0.9.6 assumes otherwise in three places, changed here:

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
- ``release_feedback`` leaves each feedback world-readable in ``feedback/``, hidden only by its
  name (#1202). Here it is readable by its student's account only (an access ACL).

And one the modes cannot close: a student owns their entry and may change it after the due
date, which collect then dates by its last change (``TimedByLastChange``).
"""

import glob
import os
import pwd
import re
import shutil
import stat
import struct
from datetime import datetime, timezone

from nbgrader.exchange.default import (
    ExchangeCollect,
    ExchangeFetchAssignment,
    ExchangeFetchFeedback,
    ExchangeList,
    ExchangeReleaseAssignment,
    ExchangeReleaseFeedback,
    ExchangeSubmit,
)
from nbgrader.utils import ignore_patterns, notebook_hash

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


# A POSIX access ACL as Linux stores it (the "system.posix_acl_access" attribute): version 2,
# then (tag, permissions, id) entries sorted by tag and id. Written directly: no setfacl.
ACL_XATTR = "system.posix_acl_access"
_ACL_VERSION, _NO_ID = 2, 0xFFFFFFFF
_USER_OBJ, _USER, _GROUP_OBJ, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
FEEDBACK_FILE_MODE = 0o600  # the instructor; the student's read comes from the ACL


def readable_by(path, uid):
    """Give the account ``uid`` read access to ``path`` (ours) and nobody else but us."""
    entries = [
        (_USER_OBJ, 6, _NO_ID),
        (_USER, 4, uid),
        (_GROUP_OBJ, 0, _NO_ID),
        (_MASK, 4, _NO_ID),
        (_OTHER, 0, _NO_ID),
    ]
    acl = struct.pack("<I", _ACL_VERSION) + b"".join(struct.pack("<HHI", *e) for e in entries)
    os.chmod(path, FEEDBACK_FILE_MODE)
    os.setxattr(path, ACL_XATTR, acl, follow_symlinks=False)


class CourseReleaseFeedback(AdministeredRoot, ExchangeReleaseFeedback):
    """nbgrader's release_feedback, each feedback file readable by its student only.

    nbgrader copies each feedback into ``feedback/`` world-readable under a name that is a hash
    of the submission's secret: whoever learns the name reads it (#1202). Here the file is the
    instructor's (0600) with an access ACL that lets the student's account (the student id is
    the account's name) read it; the ACL is set before the file takes its name. A student id
    with no account here, or a file system without POSIX ACLs, is an error: that feedback is
    not released."""

    def copy_files(self):
        excluded = set(filter(None, (self.coursedir.student_id_exclude or "").split(",")))
        pattern = re.escape(os.path.sep).join(
            [
                self.coursedir.format_path(
                    self.coursedir.feedback_directory,
                    "(?P<student_id>.*)",
                    self.coursedir.assignment_id,
                    escape=True,
                ),
                "(?P<notebook_id>.*).html",
            ]
        )
        for html_file in glob.glob(os.path.join(self.src_path, "*.html")):
            match = re.match(pattern, html_file)
            if match is None:
                self.log.error("Could not match '%s' with regexp '%s'", html_file, pattern)
                continue
            student_id, notebook_id = match.group("student_id"), match.group("notebook_id")
            if student_id in excluded:
                continue
            try:
                uid = pwd.getpwnam(student_id).pw_uid
            except KeyError:
                self.log.error("Feedback of %s not released: no account of that name", student_id)
                continue
            folder = os.path.dirname(html_file)
            with open(os.path.join(folder, "submission_secret.txt")) as f:
                secret = f.read()
            checksum = notebook_hash(secret=secret, notebook_id=notebook_id)
            building = os.path.join(self.dest_path, f"{checksum}-tmp.html")
            released = os.path.join(self.dest_path, f"{checksum}.html")
            self.log.info(
                "Releasing feedback for student '%s' on assignment '%s/%s/%s'",
                student_id,
                self.coursedir.course_id,
                self.coursedir.assignment_id,
                notebook_id,
            )
            with open(html_file, "rb") as src:
                fd = os.open(building, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FEEDBACK_FILE_MODE)
                with os.fdopen(fd, "wb") as dest:
                    shutil.copyfileobj(src, dest)
            try:
                readable_by(building, uid)
            except OSError as e:
                os.remove(building)
                self.fail(f"Feedback not released: no POSIX ACL on {self.dest_path} ({e})")
            os.replace(building, released)
            self.log.info("Feedback released to: %s", released)


# Submit writes an entry within a second or so of the time in its name (more on a loaded
# machine); a change later than this is a change after submitting.
CHANGE_SLACK_SECONDS = 10


def last_change(folder):
    """The latest status change (ctime, which no account but root can set) of ``folder`` and
    of everything below it, links not followed, as a naive UTC datetime; None if unreadable."""
    try:
        latest = os.lstat(folder).st_ctime
        pending = [folder]
        while pending:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    latest = max(latest, entry.stat(follow_symlinks=False).st_ctime)
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
    except OSError:
        return None
    return datetime.fromtimestamp(latest, timezone.utc).replace(tzinfo=None)


class TimedByLastChange:
    """The course's collect (``tools/grader/collect.py``), with an entry's time the later of
    its name's and of its last change.

    A student owns their entry in ``inbound`` and can change it after the due date while its
    name keeps the time it was submitted: nbgrader would count it on time. An entry changed
    more than ``CHANGE_SLACK_SECONDS`` after the time in its name is given the time of that
    change instead (logged), so that it is late if the change was."""

    def _entry(self, entry):
        record = super()._entry(entry)
        if record is None:
            return None
        changed = last_change(entry.path)
        late = changed is not None and changed - record["timestamp"]
        if late and late.total_seconds() > CHANGE_SLACK_SECONDS:
            self.log.warning(
                "inbound entry %r was changed after it was submitted: its time is that of the "
                "change, %s UTC",
                entry.name,
                changed,
            )
            record["timestamp"] = changed
        return record


def _administered(cls):
    if issubclass(cls, AdministeredRoot):
        return cls
    return type(cls.__name__, (AdministeredRoot, cls), {"__doc__": cls.__doc__})


def configure(c):
    """Name the course's exchange classes in ``c.ExchangeFactory`` (a collect set before, the
    course's own, keeps its behaviour and gets the administered root)."""
    factory = c.ExchangeFactory
    collect = factory.collect if "collect" in factory else ExchangeCollect
    if hasattr(collect, "_entry"):  # the course's own collect
        collect = type(collect.__name__, (TimedByLastChange, collect), {"__doc__": collect.__doc__})
    factory.collect = _administered(collect)
    factory.submit = CourseSubmit
    factory.release_feedback = CourseReleaseFeedback
    for name, cls in (
        ("fetch_assignment", ExchangeFetchAssignment),
        ("fetch_feedback", ExchangeFetchFeedback),
        ("list", ExchangeList),
        ("release_assignment", ExchangeReleaseAssignment),
    ):
        setattr(factory, name, _administered(cls))

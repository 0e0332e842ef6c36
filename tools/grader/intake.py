"""The course's intake: the one pass that turns what a student submitted into the tree graded.

A student controls every byte of a submission: its files' contents, their types (symbolic and
hard links, pipes, devices, sockets), their names and sizes. nbgrader's own code reads a
submission with ``shutil.copy`` and ``open``, which follow links and block on pipes, before any
course check could run. So no nbgrader command reads a submission: ``take`` reads one, and
writes a tree of the course's own that nbgrader grades instead:

- the course's release of the assignment (every file but the notebook and the student files);
- the submission's notebook and four student files (``SUBMITTED_FILES``), each read only if it
  is a regular file reached through no link (every path component is opened with
  ``O_NOFOLLOW``; a file with a second hard link is refused too), within its size cap
  (``CAPS``); a student file that is missing is the release's stub (that part then fails), a
  notebook that is missing, unreadable or over its cap is the release's (the code is graded
  all the same);
- nbgrader's bookkeeping (``timestamp.txt``, ``submission_secret.txt``), written by the
  course from values it parsed and checked, never a file carried over;
- nothing else of the submission, under any name (the other entries are counted in the log,
  never opened).

A submission that holds a link, a special file or an oversized file under one of those names,
or bookkeeping nbgrader did not write, is refused (``Refused``, with the reason): that student
is not graded, the rest of the class is. ``CourseAutograde`` runs the intake for every
submission ``nbgrader autograde`` selects, before nbgrader reads anything, and points nbgrader
at the trees it built (``intake/<student>/<assignment>``); ``collect.CourseCollect`` writes what
it takes from the exchange through ``take`` too.
"""

import contextlib
import errno
import fnmatch
import hashlib
import json
import os
import re
import shutil
import stat
from dataclasses import dataclass, field

from tools.course import NOTEBOOK, STUDENT_FILES

from . import oracles, tree

NOTEBOOK_FILE = f"{NOTEBOOK}.ipynb"
SUBMITTED_FILES = (NOTEBOOK_FILE, *STUDENT_FILES)
TIMESTAMP = "timestamp.txt"
SECRET = "submission_secret.txt"
BOOKKEEPING = (TIMESTAMP, SECRET)
# Bytes a file may have. A student file of the reference is about 5 KB, the released notebook
# 60 KB and, run with its plots, about 400 KB.
CAPS = {
    NOTEBOOK_FILE: 8 << 20,
    **dict.fromkeys(STUDENT_FILES, 256 << 10),
    TIMESTAMP: 100,
    SECRET: 1024,
}
# What `nbgrader submit` writes: a time such as "2026-12-04 10:15:00.123456 UTC", and
# secrets.token_hex(64).
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})? [A-Za-z]{1,5}\Z")
_SECRET = re.compile(r"[0-9a-f]{32,256}\Z")
# A student id nbgrader can use in a path: no separator, no leading dot, no control character.
STUDENT_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,63}\Z")
# The refusal of any other name: kept nowhere (the name cannot be a folder of the intake's).
BAD_NAME = "a folder name nbgrader cannot use"
# Entries of a submission counted for the log (never opened), at most.
MAX_LISTED = 10_000


class Refused(Exception):
    """A submission that is not graded, and why (in the instructor's words)."""


class TooLarge(Refused):
    """A file over its cap (a notebook over its cap is replaced, not refused)."""


@dataclass
class Submission:
    """What the intake read of one submission."""

    files: dict  # {rel: bytes} of the SUBMITTED_FILES that were there
    timestamp: object = None  # datetime (UTC) or None
    secret: str | None = None
    missing: list = field(default_factory=list)
    ignored: int = 0  # other entries, not carried
    notes: list = field(default_factory=list)  # what the log should say


def _kind(mode):
    for test, name in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def open_folder(path, dir_fd=None):
    """A descriptor of the folder ``path``, refused if it (its last component) is a link."""
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            shown = os.path.basename(path) if dir_fd is not None else path
            raise Refused(f"{shown} is not a folder (a link or a file)") from None
        raise


def read_regular(folder_fd, rel, cap):
    """The bytes of ``rel`` under the folder ``folder_fd``, or None if it does not exist.

    :raises Refused: a component of ``rel`` is a link or not a folder, the file is a link, a
        special file or has another hard link, or it holds more than ``cap`` bytes.
    """
    parts = rel.split("/")
    fds = []
    try:
        fd = folder_fd
        for part in parts[:-1]:
            try:
                fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            except FileNotFoundError:
                return None
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise Refused(f"{rel}: {part} is a link or not a folder") from None
                raise
            fds.append(fd)
        name = parts[-1]
        try:
            before = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            return None
        if not stat.S_ISREG(before.st_mode):  # never opened: a pipe would block, a device act
            raise Refused(f"{rel} is {_kind(before.st_mode)}, not a regular file")
        if before.st_nlink != 1:
            raise Refused(f"{rel} is a hard link ({before.st_nlink} names for one file)")
        if before.st_size > cap:
            raise TooLarge(f"{rel} is larger than {cap} bytes ({before.st_size})")
        file_fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
        try:
            now = os.fstat(file_fd)
            if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
                raise Refused(f"{rel} changed while it was read")
            chunks, size = [], 0
            while size <= cap:
                chunk = os.read(file_fd, min(1 << 16, cap + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            if size > cap:
                raise TooLarge(f"{rel} is larger than {cap} bytes")
            return b"".join(chunks)
        finally:
            os.close(file_fd)
    finally:
        for opened in fds:
            os.close(opened)


def _count_entries(folder_fd, assignment):
    """How many entries the folder holds apart from the release's files and the bookkeeping
    (never following a link, never opening a file; at most MAX_LISTED are counted)."""
    known = {*tree.release_files(assignment), *BOOKKEEPING}
    known_dirs = {
        "/".join(rel.split("/")[:depth]) for rel in known for depth in range(1, rel.count("/") + 1)
    }
    count = 0
    stack = [("", os.dup(folder_fd))]
    while stack and count < MAX_LISTED:
        prefix, fd = stack.pop()
        try:
            with os.scandir(fd) as entries:
                for entry in entries:
                    rel = f"{prefix}{entry.name}"
                    if entry.is_dir(follow_symlinks=False) and rel in known_dirs:
                        try:
                            sub = os.open(
                                entry.name,
                                os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                                dir_fd=fd,
                            )
                        except OSError:
                            count += 1
                            continue
                        stack.append((f"{rel}/", sub))
                    elif rel not in known:
                        count += 1
        finally:
            os.close(fd)
    for _, fd in stack:
        os.close(fd)
    return count


def parse_timestamp(data):
    """The UTC time in a timestamp.txt's bytes, or Refused."""
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise Refused(f"{TIMESTAMP} is not a time nbgrader wrote") from None
    if not _TIMESTAMP.match(text):
        raise Refused(f"{TIMESTAMP} is not a time nbgrader wrote")
    from nbgrader.utils import parse_utc  # nbgrader takes seconds to import: only when needed

    try:
        return parse_utc(text)
    except (ValueError, OverflowError):
        raise Refused(f"{TIMESTAMP} is not a time nbgrader wrote") from None


def read_submission(path, assignment, dir_fd=None):
    """Read the submission in the folder ``path`` (relative to the folder ``dir_fd`` if
    given), which must be a folder, not a link.

    :raises Refused: see the module's docstring.
    """
    folder_fd = open_folder(path, dir_fd)
    try:
        files, missing, notes = {}, [], []
        for rel in SUBMITTED_FILES:
            try:
                data = read_regular(folder_fd, rel, CAPS[rel])
            except TooLarge as large:
                if rel != NOTEBOOK_FILE:
                    raise
                notes.append(f"{large}: the release's is used")  # the code is graded all the same
                continue
            if data is None:
                missing.append(rel)
            else:
                files[rel] = data
        submission = Submission(files, missing=missing, notes=notes)
        stamp = read_regular(folder_fd, TIMESTAMP, CAPS[TIMESTAMP])
        if stamp is not None:
            submission.timestamp = parse_timestamp(stamp)
        secret = read_regular(folder_fd, SECRET, CAPS[SECRET])
        if secret is not None:
            text = secret.decode("ascii", "replace").strip()
            if not _SECRET.match(text):
                raise Refused(f"{SECRET} is not a secret nbgrader wrote")
            submission.secret = text
        submission.ignored = _count_entries(folder_fd, assignment)
    finally:
        os.close(folder_fd)
    notebook = submission.files.get(NOTEBOOK_FILE)
    if notebook is not None and not _is_notebook(notebook):
        del submission.files[NOTEBOOK_FILE]
        submission.notes.append(f"{NOTEBOOK_FILE} is not a notebook: the release's is used")
    for rel in missing:
        used = "the release's is used" if rel == NOTEBOOK_FILE else "the release's stub is graded"
        submission.notes.append(f"{rel} was not submitted: {used}")
    if submission.ignored:
        submission.notes.append(
            f"{submission.ignored} entries that are not files of the release ignored: only "
            f"the notebook and the four student files are graded"
        )
    return submission


def _is_notebook(data):
    try:
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return (
        isinstance(nb, dict)
        and nb.get("nbformat") == 4
        and isinstance(nb.get("cells"), list)
        and isinstance(nb.get("metadata"), dict)
    )


def release_folder(assignment):
    return os.path.join(oracles.ROOT, "release", assignment)


def write_tree(submission, dest, assignment):
    """Build the tree graded for ``submission`` in ``dest`` (made anew): the release's files,
    the submitted ones over them, and the bookkeeping written from what was checked."""
    release = release_folder(assignment)
    if os.path.lexists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    for dirpath, dirnames, filenames in os.walk(release):
        dirnames[:] = sorted(d for d in dirnames if d not in ("__pycache__", ".ipynb_checkpoints"))
        for name in sorted(filenames):
            rel = os.path.relpath(os.path.join(dirpath, name), release)
            target = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            data = submission.files.get(rel)
            if data is None:
                shutil.copyfile(os.path.join(dirpath, name), target)
            else:
                with open(target, "wb") as f:
                    f.write(data)
    if submission.timestamp is not None:
        with open(os.path.join(dest, TIMESTAMP), "w", encoding="ascii") as f:
            f.write(submission.timestamp.strftime(TIMESTAMP_FORMAT))
    if submission.secret is not None:
        with open(os.path.join(dest, SECRET), "w", encoding="ascii") as f:
            f.write(submission.secret)
    return dest


def take(path, dest, assignment, dir_fd=None):
    """Read the submission in ``path`` (under ``dir_fd``, see ``read_submission``) and build
    its graded tree in ``dest``.

    :returns: the Submission read.
    :raises Refused: the submission is refused (``dest`` is then removed).
    """
    try:
        submission = read_submission(path, assignment, dir_fd)
    except Refused:
        if os.path.lexists(dest):
            shutil.rmtree(dest)
        raise
    write_tree(submission, dest, assignment)
    return submission


@dataclass(frozen=True)
class Outcome:
    """The intake of one student's submission: taken (``refused`` None) or refused."""

    student: str
    assignment: str
    refused: str | None = None
    notes: tuple = ()


REFUSED_SUFFIX = ".refused"


STAGES = ("collect", "autograde")


def refusal_path(intake_root, student, assignment, stage="autograde"):
    """Where the reason of a refusal at ``stage`` (one of STAGES) is kept, for
    ``python -m tools.grader.flags``."""
    return os.path.join(intake_root, student, f"{assignment}.{stage}{REFUSED_SUFFIX}")


BAD_NAME_PREFIX = ".bad-name."


def _bad_name_path(intake_root, student, assignment):
    """Where the refusal of the folder named ``student`` (a name nbgrader cannot use, so
    never a path here) is kept: a file named by the name's hash, the name inside."""
    digest = hashlib.sha256(student.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return os.path.join(intake_root, f"{BAD_NAME_PREFIX}{digest}.{assignment}{REFUSED_SUFFIX}")


def _is_bad_name_file(name, assignment):
    """Whether the entry ``name`` of the intake folder is a kept refusal of a folder name
    (``_bad_name_path``) for ``assignment``."""
    return name.startswith(BAD_NAME_PREFIX) and name.endswith(f".{assignment}{REFUSED_SUFFIX}")


def _keep_bad_name(intake_root, student, assignment):
    os.makedirs(intake_root, exist_ok=True)
    path = _bad_name_path(intake_root, student, assignment)
    partial = f"{path}.{os.getpid()}"  # workers grading in parallel may write it both
    with open(partial, "w", encoding="utf-8") as f:
        json.dump({"student": student}, f)  # ASCII: a name's control characters escaped
    os.replace(partial, path)


def take_all(submitted_root, intake_root, assignment, student_pattern="*", exclude=()):
    """Run the intake for every student folder of ``submitted_root`` whose name matches
    ``student_pattern`` (nbgrader's ``--student``), but those in ``exclude``.

    Builds ``intake_root/<student>/<assignment>`` for each submission taken; for one refused,
    removes it and writes the reason beside it. Returns the Outcomes, by student.
    """
    outcomes = []
    try:
        root_fd = open_folder(submitted_root)
    except FileNotFoundError:
        return outcomes
    try:
        with os.scandir(root_fd) as entries:
            names = sorted(e.name for e in entries)
        for student in names:
            if not fnmatch.fnmatchcase(student, student_pattern) or student in exclude:
                continue
            outcome = _take_one(root_fd, student, intake_root, assignment)
            if outcome is not None:
                outcomes.append(outcome)
                if outcome.refused == BAD_NAME:
                    _keep_bad_name(intake_root, student, assignment)
    finally:
        os.close(root_fd)
    # A tree built earlier for a submission that is gone must not be graded again, nor a
    # folder whose name was refused be listed once it is gone.
    kept = {_bad_name_path(intake_root, n, assignment) for n in names if not STUDENT_ID.match(n)}
    for student in os.listdir(intake_root) if os.path.isdir(intake_root) else ():
        if student.startswith(BAD_NAME_PREFIX):
            path = os.path.join(intake_root, student)
            if _is_bad_name_file(student, assignment) and path not in kept:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)
            continue
        if student in names or student in exclude:
            continue
        if fnmatch.fnmatchcase(student, student_pattern):
            # ignore_errors: workers grading in parallel may both remove it
            shutil.rmtree(os.path.join(intake_root, student, assignment), ignore_errors=True)
    return outcomes


def _take_one(root_fd, student, intake_root, assignment):
    """The Outcome of ``student``'s folder under ``root_fd``, None if it holds no
    ``assignment``."""
    if not STUDENT_ID.match(student):
        return Outcome(student, assignment, BAD_NAME)
    dest = os.path.join(intake_root, student, assignment)
    reason_file = refusal_path(intake_root, student, assignment)
    if os.path.lexists(reason_file):
        os.remove(reason_file)
    try:
        student_fd = open_folder(student, root_fd)
        try:
            try:
                os.stat(assignment, dir_fd=student_fd, follow_symlinks=False)
            except FileNotFoundError:
                return None  # this student submitted another assignment
            submission = take(assignment, dest, assignment, dir_fd=student_fd)
        finally:
            os.close(student_fd)
    except Refused as refused:
        if os.path.lexists(dest):
            shutil.rmtree(dest)
        os.makedirs(os.path.dirname(reason_file), exist_ok=True)
        with open(reason_file, "w", encoding="utf-8") as f:
            f.write(str(refused) + "\n")
        return Outcome(student, assignment, str(refused))
    return Outcome(student, assignment, None, tuple(submission.notes))


def refusals(intake_root, assignment):
    """{student: reason} of every refusal kept under ``intake_root`` for ``assignment``."""
    found = {}
    if not os.path.isdir(intake_root):
        return found
    for student in sorted(os.listdir(intake_root)):
        if student.startswith(BAD_NAME_PREFIX):
            path = os.path.join(intake_root, student)
            kept = os.path.isfile(path) and not os.path.islink(path)
            if _is_bad_name_file(student, assignment) and kept:
                with open(path, encoding="utf-8") as f, contextlib.suppress(ValueError, KeyError):
                    found[json.load(f)["student"]] = BAD_NAME
            continue
        reasons = []
        for stage in STAGES:
            path = refusal_path(intake_root, student, assignment, stage)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, encoding="utf-8") as f:
                    reasons.append(f.read().strip())
        if reasons:
            found[student] = "; ".join(reasons)
    return found

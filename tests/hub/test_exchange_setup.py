"""tools/hub/exchange_setup.py (run as root, as an administrator does) and the exchange root
the course's exchange classes accept (tools/hub/course_exchange.py).

An account and a group of the test's own, removed at the end; the exchange in a folder of its
own under /tmp.
"""

import grp
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange import ExchangeError
from nbgrader.exchange.default import ExchangeList, ExchangeReleaseAssignment

from tests.hub._hub import EXCHANGE_SETUP, course_exchange
from tools.course import ASSIGNMENT, COURSE_ID, NOTEBOOK

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the exchange is made by root")

MODES = {"": 0o755, "outbound": 0o755, "inbound": 0o3733, "feedback": 0o711}


@pytest.fixture
def admin():
    """(folder, instructor, group): a folder under /tmp, an account and a group name."""
    folder = Path(tempfile.mkdtemp(prefix="ex04xs-", dir="/tmp"))
    name = "ex04t" + secrets.token_hex(3)
    instructor, group = name + "i", name + "g"
    subprocess.run(["useradd", "--no-create-home", "--user-group", instructor], check=True)
    try:
        yield folder, instructor, group
    finally:
        subprocess.run(["userdel", instructor], check=False, capture_output=True)
        subprocess.run(["groupdel", group], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def setup(root, instructor, group):
    command = [sys.executable, str(EXCHANGE_SETUP), "--root", str(root), "--course", COURSE_ID]
    command += ["--group", group, "--instructor", instructor]
    return subprocess.run(command, capture_output=True, text=True)


def state(root):
    """{path: (mode, uid, gid, ctime)} of the exchange's folders."""
    paths = [root] + [root / COURSE_ID / rel for rel in MODES]
    return {
        p: (stat.S_IMODE(s.st_mode), s.st_uid, s.st_gid, s.st_ctime_ns)
        for p in paths
        for s in [os.lstat(p)]
    }


def test_setup_makes_the_modes_and_repairs_what_nbgrader_opened(admin):
    folder, instructor, group = admin
    root = folder / "exchange"
    result = setup(root, instructor, group)
    assert result.returncode == 0, result.stderr
    uid, gid = pwd.getpwnam(instructor).pw_uid, grp.getgrnam(group).gr_gid
    assert instructor in grp.getgrnam(group).gr_mem
    made = state(root)
    assert made[root][:3] == (0o755, 0, 0)
    for rel, mode in MODES.items():
        assert made[root / COURSE_ID / rel][:3] == (mode, uid, gid), rel
    # Again: nothing changes (not even a folder's ctime) and it says the same.
    again = setup(root, instructor, group)
    assert (again.returncode, again.stdout) == (0, result.stdout)
    assert state(root) == made
    # What nbgrader's release does to a root it may change (0777), and a student's folder
    # where inbound should be: the root is closed again, the folder given back.
    root.chmod(0o777)
    inbound = root / COURSE_ID / "inbound"
    inbound.chmod(0o777)
    os.chown(inbound, 0, 0)
    assert setup(root, instructor, group).returncode == 0
    assert {p: s[:3] for p, s in state(root).items()} == {p: s[:3] for p, s in made.items()}


def test_setup_refuses_a_link(admin):
    folder, instructor, group = admin
    root = folder / "exchange"
    (root / COURSE_ID).mkdir(parents=True)
    (root / COURSE_ID / "inbound").symlink_to(folder)
    result = setup(root, instructor, group)
    assert result.returncode != 0
    assert "is not a folder (a link or a file)" in result.stderr


@pytest.mark.parametrize("cls", [ExchangeList, ExchangeReleaseAssignment])
def test_exchange_classes_refuse_a_root_others_may_write(admin, cls):
    folder, instructor, group = admin
    root = folder / "exchange"
    assert setup(root, instructor, group).returncode == 0
    administered = course_exchange()._administered(cls)
    exchange = administered(
        coursedir=CourseDirectory(course_id=COURSE_ID), authenticator=Authenticator()
    )
    exchange.root = str(root)
    exchange.ensure_root()  # root:root 0755: accepted, left as it is
    assert stat.S_IMODE(root.stat().st_mode) == 0o755
    root.chmod(0o777)  # what nbgrader's own release_assignment makes of it
    with pytest.raises(ExchangeError, match="writable by other accounts"):
        exchange.ensure_root()
    root.chmod(0o755)
    missing = administered(
        coursedir=CourseDirectory(course_id=COURSE_ID), authenticator=Authenticator()
    )
    missing.root = str(folder / "nowhere")
    with pytest.raises(ExchangeError, match="does not exist"):
        missing.ensure_root()


def test_released_feedback_is_readable_by_its_student_only(admin):
    """CourseReleaseFeedback, run by root here: the feedback of a student with an account is
    released 0600 with an ACL for that account (which reads it; another account cannot); the
    feedback of a student id without an account is not released."""
    folder, student, group = admin  # the account plays the student here
    other = student[:-1] + "o"
    subprocess.run(["useradd", "--no-create-home", "--user-group", other], check=True)
    try:
        root = folder / "exchange"
        assert setup(root, student, group).returncode == 0
        shutil.rmtree(root / COURSE_ID / "feedback")  # made by the release, root's here
        course = folder / "course"
        for name in (student, "nobody-here"):
            made = course / "feedback" / name / ASSIGNMENT
            made.mkdir(parents=True)
            (made / f"{NOTEBOOK}.html").write_text(f"feedback of {name}", encoding="utf-8")
            (made / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")
            (made / "submission_secret.txt").write_text(secrets.token_hex(64))
        coursedir = CourseDirectory(course_id=COURSE_ID, root=str(course), assignment_id=ASSIGNMENT)
        release = course_exchange().CourseReleaseFeedback(
            coursedir=coursedir, authenticator=Authenticator()
        )
        release.root = str(root)
        release.start()
        [released] = (root / COURSE_ID / "feedback").iterdir()
        assert stat.S_IMODE(released.stat().st_mode) == 0o640  # the ACL's mask as group bits
        (root / COURSE_ID / "feedback").chmod(0o711)
        folder.chmod(0o755)

        def read_as(name):
            command = ["runuser", "-u", name, "--", "cat", str(released)]
            return subprocess.run(command, capture_output=True, text=True)

        assert read_as(student).stdout == f"feedback of {student}"
        assert read_as(other).returncode != 0
    finally:
        subprocess.run(["userdel", other], check=False, capture_output=True)

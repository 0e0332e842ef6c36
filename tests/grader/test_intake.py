"""The intake (tools/grader/intake.py): what a submission may hold, attacked under every name.

Each case builds a submission in a temporary folder and runs the intake on it; nothing here
runs nbgrader (tests/nbgrader/test_path.py does, end to end).
"""

import os
import shutil
import socket
import stat
import subprocess
import sys

import pytest

from tests.submissions import LOSS, RELEASE, ROOT, everything, make_submission
from tools.course import ASSIGNMENT, STUDENT_FILES
from tools.grader import flags, intake
from tools.grader.tree import release_files
from tools.nbgrader_env import nbgrader_env

NAMES = (*intake.SUBMITTED_FILES, *intake.BOOKKEEPING)
SECRET = "ab" * 64
STAMP = "2026-12-04 10:15:00.123456 UTC"


def submission(tmp_path, name="alice", files=None):
    folder = make_submission(tmp_path / "submitted" / name / ASSIGNMENT, files)
    (folder / intake.TIMESTAMP).write_text(STAMP)
    (folder / intake.SECRET).write_text(SECRET)
    return folder


def take(tmp_path):
    return intake.take_all(tmp_path / "submitted", tmp_path / "intake", ASSIGNMENT)


def refused(tmp_path):
    return {o.student: o.refused for o in take(tmp_path) if o.refused}


def built(tmp_path, name="alice"):
    return tmp_path / "intake" / name / ASSIGNMENT


def test_an_honest_submission_is_the_release_with_its_five_files_and_the_bookkeeping(tmp_path):
    folder = submission(tmp_path, files=everything())
    (folder / "numpy.py").write_text("raise SystemExit")
    (folder / "exercise_code" / "networks" / "extra.py").write_text("x = 1")
    (folder / ".ipynb_checkpoints").mkdir()
    [outcome] = take(tmp_path)
    assert outcome.refused is None
    tree = built(tmp_path)
    files = {str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file()}
    assert files == release_files(ASSIGNMENT) | set(intake.BOOKKEEPING)
    for rel in intake.SUBMITTED_FILES:
        assert (tree / rel).read_bytes() == (folder / rel).read_bytes(), rel
    assert (tree / intake.SECRET).read_text() == SECRET
    assert (tree / intake.TIMESTAMP).read_text() == STAMP
    assert "3 entries that are not files of the release ignored" in " ".join(outcome.notes)


@pytest.mark.parametrize("rel", NAMES)
@pytest.mark.parametrize(
    "target", ["{course}/exercise_code/networks/loss.py", "/dev/zero", "/etc/shadow", "missing"]
)
def test_a_link_under_any_graded_or_bookkeeping_name_is_refused(tmp_path, rel, target):
    folder = submission(tmp_path)
    (folder / rel).unlink()
    (folder / rel).symlink_to(target.replace("{course}", str(RELEASE.parents[1])))
    assert refused(tmp_path) == {"alice": f"{rel} is a symbolic link, not a regular file"}
    assert not built(tmp_path).exists()


@pytest.mark.parametrize("kind", ["fifo", "socket", "char_device", "hard_link", "folder"])
@pytest.mark.parametrize("rel", NAMES)
def test_a_special_file_under_any_name_is_refused_without_being_opened(
    tmp_path, monkeypatch, rel, kind
):
    folder = submission(tmp_path)
    path = folder / rel
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)  # opened for reading, it would block the grader forever
    elif kind == "socket":
        monkeypatch.chdir(path.parent)  # a socket's path is limited to 107 bytes
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(path.name)
    elif kind == "char_device":
        if os.geteuid() != 0:
            pytest.skip("mknod of a device needs root")
        os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(1, 5))  # /dev/zero's numbers
    elif kind == "hard_link":
        os.link(RELEASE / LOSS, path)
    else:
        path.mkdir()
    reason = refused(tmp_path)["alice"]
    assert reason.startswith(rel), reason
    assert not built(tmp_path).exists()


@pytest.mark.parametrize("rel", ["exercise_code", "exercise_code/networks"])
def test_a_linked_folder_on_the_way_to_a_student_file_is_refused(tmp_path, rel):
    folder = submission(tmp_path)
    real = tmp_path / "elsewhere"
    os.rename(folder / rel, real)
    (folder / rel).symlink_to(real)
    assert "is a link or not a folder" in refused(tmp_path)["alice"]


def test_the_student_and_assignment_folders_must_not_be_links(tmp_path):
    folder = submission(tmp_path, "honest")
    (tmp_path / "submitted" / "bob").symlink_to(folder.parent)
    (tmp_path / "submitted" / "carol").mkdir()
    (tmp_path / "submitted" / "carol" / ASSIGNMENT).symlink_to(folder)
    assert refused(tmp_path) == {
        "bob": "bob is not a folder (a link or a file)",
        "carol": f"{ASSIGNMENT} is not a folder (a link or a file)",
    }
    assert built(tmp_path, "honest").is_dir()


@pytest.mark.parametrize("rel", [n for n in NAMES if n != intake.NOTEBOOK_FILE])
def test_an_oversized_file_is_refused(tmp_path, rel):
    folder = submission(tmp_path)
    with open(folder / rel, "wb") as f:
        f.truncate(intake.CAPS[rel] + 1)  # sparse: costs no disk
    assert refused(tmp_path)["alice"].startswith(f"{rel} is larger than {intake.CAPS[rel]} bytes")


@pytest.mark.parametrize(
    "rel, text",
    [
        (intake.TIMESTAMP, "yesterday"),
        (intake.TIMESTAMP, "2026-12-04 10:15:00 UTC; rm -rf /"),
        (intake.SECRET, "../../gradebook.db"),
        (intake.SECRET, "zz" * 64),
    ],
)
def test_bookkeeping_that_nbgrader_did_not_write_is_refused(tmp_path, rel, text):
    folder = submission(tmp_path)
    (folder / rel).write_text(text)
    what = "time" if rel == intake.TIMESTAMP else "secret"
    assert refused(tmp_path) == {"alice": f"{rel} is not a {what} nbgrader wrote"}


def test_an_oversized_notebook_is_the_releases_and_the_code_is_graded(tmp_path):
    folder = submission(tmp_path, files=everything())
    with open(folder / intake.NOTEBOOK_FILE, "wb") as f:
        f.truncate(intake.CAPS[intake.NOTEBOOK_FILE] + 1)
    [outcome] = take(tmp_path)
    assert outcome.refused is None
    tree = built(tmp_path)
    release_notebook = (RELEASE / intake.NOTEBOOK_FILE).read_bytes()
    assert (tree / intake.NOTEBOOK_FILE).read_bytes() == release_notebook
    assert (tree / LOSS).read_bytes() == (folder / LOSS).read_bytes()
    assert any("is larger than" in note for note in outcome.notes)


def test_missing_files_are_the_releases_and_are_said(tmp_path):
    folder = submission(tmp_path, files=everything())
    (folder / LOSS).unlink()
    (folder / intake.NOTEBOOK_FILE).unlink()
    [outcome] = take(tmp_path)
    tree = built(tmp_path)
    assert (tree / LOSS).read_bytes() == (RELEASE / LOSS).read_bytes()
    assert (tree / intake.NOTEBOOK_FILE).read_bytes() == (
        RELEASE / intake.NOTEBOOK_FILE
    ).read_bytes()
    assert f"{LOSS} was not submitted: the release's stub is graded" in outcome.notes
    for rel in STUDENT_FILES[1:]:
        assert (tree / rel).read_bytes() == (folder / rel).read_bytes()


def test_a_refused_resubmission_removes_the_tree_built_before_and_keeps_the_reason(tmp_path):
    folder = submission(tmp_path)
    take(tmp_path)
    assert built(tmp_path).is_dir()
    (folder / LOSS).unlink()
    (folder / LOSS).symlink_to("/etc/passwd")
    take(tmp_path)
    assert not built(tmp_path).exists()
    assert intake.refusals(str(tmp_path / "intake"), ASSIGNMENT) == {
        "alice": f"{LOSS} is a symbolic link, not a regular file"
    }
    (folder / LOSS).unlink()
    (folder / LOSS).write_text("x = 1")
    take(tmp_path)
    assert built(tmp_path).is_dir()
    assert intake.refusals(str(tmp_path / "intake"), ASSIGNMENT) == {}


def test_a_withdrawn_submission_is_not_graded_again(tmp_path):
    submission(tmp_path, "alice")
    submission(tmp_path, "bob")
    take(tmp_path)
    shutil.rmtree(tmp_path / "submitted" / "bob")
    take(tmp_path)
    assert built(tmp_path, "alice").is_dir() and not built(tmp_path, "bob").exists()


@pytest.mark.parametrize("name", ["<script>bob", "=cmd|' -C calc'!A0", ".hidden", "bob\x1b[2J"])
def test_a_folder_name_nbgrader_cannot_use_is_refused_and_its_refusal_kept(tmp_path, name):
    """Such a name is never a path of the intake's: its refusal is kept under its hash,
    listed by refusals() and ``python -m tools.grader.flags`` (control characters escaped)
    until the folder is gone."""
    submission(tmp_path, "alice")
    folder = submission(tmp_path, name)
    assert refused(tmp_path) == {name: intake.BAD_NAME}
    assert intake.refusals(str(tmp_path / "intake"), ASSIGNMENT) == {name: intake.BAD_NAME}
    command = [sys.executable, "-m", "tools.grader.flags", ASSIGNMENT, "--course-dir", tmp_path]
    proc = subprocess.run(command, cwd=ROOT, env=nbgrader_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    listed = proc.stdout
    assert intake.BAD_NAME in listed and "\x1b" not in listed
    assert flags.printable(name) in listed
    assert sorted(p.name for p in (tmp_path / "intake").iterdir())[-1] == "alice"
    shutil.rmtree(folder.parent)
    take(tmp_path)
    assert intake.refusals(str(tmp_path / "intake"), ASSIGNMENT) == {}


def test_the_notebook_states_what_the_intake_lets_through():
    """What the student reads is what the intake does: the caps, and what is refused."""
    import json

    from tools.course import NOTEBOOK

    path = RELEASE.parents[1] / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    intro = " ".join("".join(json.loads(path.read_text())["cells"][0]["source"]).split())
    kb = intake.CAPS[LOSS] // 1024
    assert all(intake.CAPS[rel] == kb * 1024 for rel in STUDENT_FILES)
    assert f"ordinary files of at most {kb} KB each" in intro
    assert f"A notebook larger than {intake.CAPS[intake.NOTEBOOK_FILE] >> 20} MB" in intro
    for name in intake.BOOKKEEPING:
        assert f"`{name}`" in intro
    assert "Your notebook is not run again when it is graded" in intro

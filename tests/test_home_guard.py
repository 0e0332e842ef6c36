"""The home guard of tests/conftest.py: the suite runs in a home of its own and notices changes."""

import os

from tests.conftest import REAL_HOME, TEST_HOME
from tests.home_guard import STATE_DIRS, changes, snapshot


def test_every_program_keeps_its_state_in_the_suites_home():
    assert os.path.expanduser("~") == TEST_HOME != REAL_HOME
    for var in STATE_DIRS:
        assert os.environ[var].startswith(TEST_HOME + os.sep), var


def test_a_new_changed_or_removed_file_is_reported(tmp_path):
    (tmp_path / "kept").write_text("a")
    (tmp_path / "edited").write_text("a")
    (tmp_path / "deleted").write_text("a")
    (tmp_path / ".pyenv").mkdir()
    before = snapshot(str(tmp_path))
    (tmp_path / "edited").write_text("longer")
    (tmp_path / "deleted").unlink()
    (tmp_path / "cache" / "nbgrader").mkdir(parents=True)
    (tmp_path / ".pyenv" / "skipped").write_text("a")  # a skipped toolchain folder
    assert changes(before, snapshot(str(tmp_path))) == [
        "added cache",
        "added cache/nbgrader",
        "changed edited",
        "removed deleted",
    ]

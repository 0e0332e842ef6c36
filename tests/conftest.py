"""Shared test settings: a home of the suite's own, hypothesis profiles, strict numpy errors."""

import atexit
import os
import shutil
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from tests.home_guard import changes, isolate_home, snapshot
from tests.postgres import PostgresServer, PostgresUnavailable
from tools.grader import gradebook

# Before anything imports matplotlib, nbgrader or Jupyter, and before any subprocess starts:
# every program the tests run keeps its state in this temporary home, never the user's.
REAL_HOME = os.path.expanduser("~")
TEST_HOME = tempfile.mkdtemp(prefix="tests-home-")
atexit.register(shutil.rmtree, TEST_HOME, ignore_errors=True)
isolate_home(TEST_HOME)
# Every course of the suite uses SQLite unless a test names a PostgreSQL database itself.
os.environ.pop(gradebook.VARIABLE, None)

# "ci" is deterministic (derandomize) so that a CI failure reproduces, keeps no example
# database in the working tree, and sets no deadline: a 2-core machine under load can take
# longer than hypothesis' default 200 ms for one example, which is no failure of the code.
# "dev" explores more.
settings.register_profile(
    "ci",
    max_examples=200,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_sessionstart(session):
    session.config.stash[_HOME_BEFORE] = snapshot(REAL_HOME)


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if anything in the user's home changed while the suite ran."""
    changed = changes(session.config.stash[_HOME_BEFORE], snapshot(REAL_HOME))
    if changed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        text = "the test suite changed the user's home folder:\n  " + "\n  ".join(changed[:20])
        if reporter:
            reporter.write_line(f"FAILED (home guard): {text}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_HOME_BEFORE = pytest.StashKey[dict]()


@pytest.fixture
def strict_fp():
    """Turn numpy's overflow, divide-by-zero and invalid-operation warnings into errors.

    Underflow stays silent, as numpy's default has it: exp(-1000) rounding to 0 is the
    correctly rounded answer, not an error.
    """
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        yield


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server of the suite's own (tests/postgres.py), for the whole session; each
    test takes a database of its own with ``postgres.create_database()``."""
    try:
        server = PostgresServer()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    with server:
        yield server

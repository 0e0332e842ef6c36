"""Every tool starts nbgrader through tools.nbgrader_env: PYTHONPATH removed, the venv's bin
first on PATH. A spy takes the place of subprocess.Popen (which subprocess.run uses too),
records what the tool asked for, and stops it there; nothing is started.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from tools.course import ASSIGNMENT
from tools.grader import grade_parallel
from tools.nbgrader_env import nbgrader_env
from tools.release import generate as generate_release
from tools.release.generate import copy_course

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = os.path.dirname(sys.executable)


class Started(Exception):
    """Raised by the spy instead of starting a process."""


@pytest.fixture
def started(monkeypatch):
    """The processes the code under test asked for: [(argv, env)]."""
    calls = []

    def spy(args, *_, env=None, **__):
        calls.append((list(args), env))
        raise Started

    monkeypatch.setattr(subprocess, "Popen", spy)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the repository: its solutions
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    return calls


def assert_nbgrader_started_right(calls, *args):
    assert calls, "nothing was started"
    argv, env = calls[0]
    assert argv[:3] == [sys.executable, "-m", "nbgrader"] and argv[3 : 3 + len(args)] == list(
        args
    ), argv
    assert env is not None, "started with the caller's environment as it is"
    assert "PYTHONPATH" not in env
    assert env["PATH"].split(os.pathsep)[0] == VENV_BIN


def test_generate_release_starts_nbgrader_right(started, tmp_path):
    copy_course(str(tmp_path))
    with pytest.raises(Started):
        generate_release.generate(str(tmp_path), quiet=True)
    assert_nbgrader_started_right(started, "generate_assignment", ASSIGNMENT)


@pytest.fixture
def course_to_grade(tmp_path, monkeypatch):
    """A folder with a submission and a gradebook that knows the assignment, nothing else
    (made before the spy: a new gradebook runs nbgrader's ``alembic`` from PATH)."""
    monkeypatch.setenv("PATH", nbgrader_env()["PATH"])
    (tmp_path / "submitted" / "alice" / ASSIGNMENT).mkdir(parents=True)
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        gb.add_assignment(ASSIGNMENT)
    return tmp_path


def test_grade_parallel_starts_nbgrader_right(course_to_grade, started):
    with pytest.raises(Started):
        grade_parallel.grade_parallel(course_to_grade, ASSIGNMENT, workers=2, log=lambda _: None)
    assert_nbgrader_started_right(started, "autograde", ASSIGNMENT)


def _benchmark(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_autograde_benchmark_starts_nbgrader_right(course_to_grade, started, tmp_path):
    bench = _benchmark("bench_autograde")
    with pytest.raises(Started):
        bench.make_course(tmp_path / "new", 1, dict(os.environ))
    assert_nbgrader_started_right(started, "generate_assignment", ASSIGNMENT)
    started.clear()
    with pytest.raises(Started):
        bench.grade_run(course_to_grade, 1, dict(os.environ))
    assert_nbgrader_started_right(started, "autograde", ASSIGNMENT)


def test_the_startup_benchmark_starts_nbgrader_right(started, tmp_path):
    bench = _benchmark("bench_startup")
    with pytest.raises(Started):
        bench.timed(tmp_path, ("db", "student", "list"))
    assert_nbgrader_started_right(started, "db", "student", "list")


def test_an_environment_made_twice_is_the_same():
    """A tool may hand nbgrader_env's result to run_nbgrader, which applies it again."""
    once = nbgrader_env({"PATH": "/usr/bin", "PYTHONPATH": "/x"})
    assert nbgrader_env(once) == once
    assert once["PATH"].split(os.pathsep).count(os.path.dirname(sys.executable)) == 1


def test_jsonschemas_optional_rfc3987_syntax_is_not_installed():
    """requirements.lock leaves it out (the Makefile says why): importing it cost 2.3 s of
    every nbgrader command's start-up (benchmarks/bench_startup.py)."""
    assert importlib.util.find_spec("rfc3987_syntax") is None
    assert importlib.util.find_spec("lark") is None

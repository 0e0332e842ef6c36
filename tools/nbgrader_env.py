"""How every tool and test starts nbgrader and Jupyter: one environment, one command.

- ``PYTHONPATH`` is removed: a kernel must import the ``exercise_code`` beside its notebook
  (a student's), never the repository's, which holds the solutions.
- The venv's ``bin`` comes first on ``PATH``: nbgrader runs ``alembic`` (its gradebook
  migrations) from ``PATH``; without it every command fails, and ``nbgrader export`` even
  exits 0 after failing.

``run_nbgrader`` (wait for it) and ``start_nbgrader`` (a process running alongside) are the
only ways the tools start nbgrader; tests/tools/test_nbgrader_env.py holds each tool to it.
"""

import os
import subprocess
import sys

BIN = os.path.dirname(sys.executable)


def nbgrader_env(env=None):
    """``env`` (default: ours) fit for nbgrader, Jupyter and their kernels (a new dict)."""
    env = dict(os.environ if env is None else env)
    env.pop("PYTHONPATH", None)
    path = env.get("PATH", "")
    if path.split(os.pathsep)[0] != BIN:  # an environment made here already has it first
        env["PATH"] = os.pathsep.join([BIN, path])
    return env


def nbgrader_command(*args):
    """The command line of ``nbgrader <args>`` with this Python."""
    return [sys.executable, "-m", "nbgrader", *args]


def run_nbgrader(course_dir, *args, env=None):
    """Run ``nbgrader <args>`` in ``course_dir``; return the completed process."""
    return subprocess.run(
        nbgrader_command(*args),
        cwd=course_dir,
        env=nbgrader_env(env),
        capture_output=True,
        text=True,
        check=False,
    )


def start_nbgrader(course_dir, *args, env=None, log=None):
    """Start ``nbgrader <args>`` in ``course_dir``, its output (both streams) to the open file
    ``log``; return the running process."""
    return subprocess.Popen(
        nbgrader_command(*args),
        cwd=course_dir,
        env=nbgrader_env(env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )

"""The sandbox student code runs in (tools/grader/sandbox.py), tried with real bubblewrap.

Each test starts a real sandboxed Python and asks it to do what the sandbox must forbid:
read the course or the home folder, write outside its scratch folder, reach the network,
take more memory, CPU time, processes or disk than its limits.
"""

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REAL_HOME
from tools.grader import sandbox

ROOT = Path(__file__).resolve().parents[2]


def run_in_sandbox(tmp_path, code, limits=None, timeout=60):
    """Run ``code`` in a sandboxed Python whose working folder is a fresh ``work`` folder."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    (work / "student.py").write_text(textwrap.dedent(code), encoding="utf-8")
    limits = limits or sandbox.Limits()
    cmd = sandbox.command([sys.executable, "student.py"], cwd=work, readable=[work], limits=limits)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def test_python_and_numpy_run_in_a_folder_of_its_own(tmp_path):
    proc = run_in_sandbox(
        tmp_path,
        """
        import os, numpy
        print(os.getcwd(), os.getuid(), numpy.ones(3).sum())
        """,
    )
    assert proc.returncode == 0, proc.stderr
    cwd, uid, total = proc.stdout.split()
    assert cwd == str(tmp_path / "work") and total == "3.0"
    if os.geteuid() == 0:
        assert int(uid) >= sandbox.UID_RANGE[0]  # never root


def test_it_sees_neither_the_course_nor_the_home_folder(tmp_path):
    secret = tmp_path / "secret.txt"  # next to the work folder, not bound
    secret.write_text("solution")
    paths = [ROOT / "source", ROOT / "exercise_code", ROOT / "nbgrader_config.py", secret]
    paths += [Path(os.path.expanduser("~")), Path("/etc/passwd"), Path(REAL_HOME) / ".bashrc"]
    proc = run_in_sandbox(
        tmp_path,
        f"""
        import os
        for path in {[str(p) for p in paths]!r}:
            print(path, os.path.exists(path))
        print(sorted(os.listdir({REAL_HOME!r})) if os.path.isdir({REAL_HOME!r}) else [])
        """,
    )
    assert proc.returncode == 0, proc.stderr
    *lines, listing = proc.stdout.splitlines()
    assert [line.split()[-1] for line in lines] == ["False"] * len(paths)
    # Of the real home, only the way to a Python installed below it (pyenv) is visible.
    below = {
        Path(p).relative_to(REAL_HOME).parts[0]
        for p in sandbox.python_paths()
        if p.startswith(REAL_HOME + os.sep)
    }
    assert set(eval(listing)) <= below


def test_it_writes_only_to_its_scratch_folder(tmp_path):
    proc = run_in_sandbox(
        tmp_path,
        """
        import os
        open("/tmp/scratch.txt", "w").write("fine")
        for path in ("student.py", "new.py", os.path.expanduser("~/../../x")):
            try:
                open(path, "a").write("x")
                print("WROTE", path)
            except OSError as exc:
                print("refused", type(exc).__name__)
        """,
    )
    assert proc.returncode == 0, proc.stderr
    assert "WROTE" not in proc.stdout and proc.stdout.count("refused") == 3
    assert not (tmp_path / "work" / "new.py").exists()


def test_it_reaches_no_network(tmp_path):
    """Not even a server of this machine listening on 127.0.0.1."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    try:
        proc = run_in_sandbox(
            tmp_path,
            f"""
            import socket
            for address in (("127.0.0.1", {port}), ("10.0.0.1", 80), ("pypi.org", 443)):
                try:
                    socket.create_connection(address, timeout=2)
                    print("CONNECTED", address)
                except OSError as exc:
                    print("refused", type(exc).__name__)
            """,
        )
    finally:
        server.close()
    assert proc.returncode == 0, proc.stderr
    assert "CONNECTED" not in proc.stdout and proc.stdout.count("refused") == 3


def test_memory_is_limited(tmp_path):
    proc = run_in_sandbox(
        tmp_path,
        """
        import numpy
        try:
            numpy.ones(10**9)  # 8 GB
        except MemoryError:
            print("MemoryError")
        """,
        limits=sandbox.Limits(address_space=1 << 30),
    )
    assert proc.stdout.strip() == "MemoryError", proc.stderr


def test_cpu_time_is_limited(tmp_path):
    proc = run_in_sandbox(
        tmp_path, "while True:\n    pass\n", limits=sandbox.Limits(cpu_seconds=1), timeout=30
    )
    assert proc.returncode != 0  # killed by SIGXCPU (through prlimit and bwrap)


@pytest.mark.skipif(
    os.geteuid() != 0, reason="the process limit counts a user of its own only as root"
)
def test_processes_are_limited(tmp_path):
    proc = run_in_sandbox(
        tmp_path,
        """
        import os
        children = 0
        try:
            while True:
                if os.fork() == 0:
                    import time; time.sleep(30); os._exit(0)
                children += 1
        except OSError:
            print("refused after", children)
        """,
        limits=sandbox.Limits(processes=20),
    )
    assert proc.stdout.startswith("refused after"), proc.stdout + proc.stderr
    assert int(proc.stdout.split()[-1]) < 20


def test_file_size_is_limited(tmp_path):
    proc = run_in_sandbox(
        tmp_path,
        """
        try:
            open("/tmp/big", "wb").write(b"x" * (2 << 20))
            print("WROTE")
        except OSError as exc:
            print("refused", exc.errno)
        """,
        limits=sandbox.Limits(file_size=1 << 20),
    )
    assert proc.stdout.startswith("refused"), proc.stdout + proc.stderr


def test_grading_refuses_to_run_without_the_sandbox(monkeypatch):
    monkeypatch.setattr(sandbox, "BWRAP", "/nonexistent/bwrap")
    with pytest.raises(sandbox.SandboxUnavailable, match="bubblewrap"):
        sandbox.command(["true"], cwd="/")

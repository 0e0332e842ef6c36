"""The sandbox's limits for all its processes together (tools/grader/cgroups.py) and its
read-only /dev, tried with real bubblewrap, real cgroups and a real second account.

The rlimits of tests/grader/test_sandbox.py hold each process; here a sandbox holds shared
memory no rlimit counts, or starts as many processes as it can, and its cgroup stops it. The
sizes are modest (a group of 200 MB, attempts of 600 MB): quick, and harmless to the machine.
"""

import asyncio
import errno
import os
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.submissions import everything, make_submission
from tools.grader import cgroups, kernel, probe_process, sandbox, trusted

ROOT = Path(__file__).resolve().parents[2]
GROUP_MEMORY = 200 << 20
ATTEMPT_MB = 600

needs_cgroups = pytest.mark.skipif(
    cgroups.available() is None, reason="no cgroup we may write to (not root, none delegated)"
)
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="makes an account: root only")


def run_in_group(tmp_path, code, limits):
    """Run ``code`` in a sandboxed Python in a cgroup of its own; the group is removed after
    (and checked gone). Returns the finished process and what the group held at its most."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    (work / "student.py").write_text(textwrap.dedent(code), encoding="utf-8")
    group = sandbox.new_group(limits)
    assert group is not None and group.exists()
    try:
        cmd = sandbox.command(
            [sys.executable, "student.py"], cwd=work, readable=[work], limits=limits, group=group
        )
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    finally:
        group.remove()
    assert not group.exists() and cgroups.made_here() == []
    return proc


def held(proc):
    """The megabytes the student's code said it held last ("MB <n>" lines)."""
    lines = [line for line in proc.stdout.splitlines() if line.startswith("MB ")]
    return int(lines[-1].split()[1]) if lines else 0


MEMFD = f"""
    import os
    chunk = b"x" * (10 << 20)
    fds = []
    try:
        for i in range({ATTEMPT_MB // 50}):
            fds.append(os.memfd_create("hold"))  # 50 MB each: below the file size limit
            for _ in range(5):
                os.write(fds[-1], chunk)
                print("MB", 50 * i + 10 * (_ + 1), flush=True)
    except OSError as exc:
        print("refused", exc.errno)
"""

# Segments detached once written: no process maps them, only the IPC namespace holds them.
SYSV = f"""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.shmat.restype = ctypes.c_void_p
    for i in range({ATTEMPT_MB // 50}):
        segment = libc.shmget(0, 50 << 20, 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
        if segment < 0:
            print("refused", ctypes.get_errno())
            break
        address = libc.shmat(segment, None, 0)
        ctypes.memset(address, 1, 50 << 20)
        libc.shmdt(ctypes.c_void_p(address))
        print("MB", 50 * (i + 1), flush=True)
"""


@needs_cgroups
@pytest.mark.parametrize("code", [MEMFD, SYSV], ids=["memfd", "sysv_shm"])
def test_shared_memory_is_held_to_the_groups_limit(tmp_path, code):
    """Neither a memfd written to nor a SysV segment counts against an rlimit (the address
    space limit here is 4 GiB, the file size limit 64 MiB); the group's 200 MB stop both."""
    proc = run_in_group(tmp_path, code, sandbox.Limits(group_memory=GROUP_MEMORY))
    assert held(proc) < GROUP_MEMORY >> 20, proc.stdout + proc.stderr
    assert proc.returncode != 0 or "refused" in proc.stdout  # killed, or ENOMEM/ENOSPC


@needs_cgroups
def test_a_fork_bomb_is_held_to_the_groups_tasks(tmp_path):
    """Every process forks for as long as it can; the rlimit (200 processes) would let them
    be 200, the group (12 tasks, bubblewrap's two included) stops them all together."""
    limits = sandbox.Limits(processes=200, group_processes=12)
    proc = run_in_group(
        tmp_path,
        """
        import os
        read_end, write_end = os.pipe()

        def bomb():
            while True:
                try:
                    pid = os.fork()
                except OSError:
                    return False
                if pid == 0:  # a child forks too, then waits for the first process to end
                    if bomb() is False:
                        os.close(write_end)
                        os.read(read_end, 1)
                        os._exit(0)

        bomb()
        tasks = sum(
            len(os.listdir(f"/proc/{pid}/task")) for pid in os.listdir("/proc") if pid.isdigit()
        )
        print("tasks", tasks)
        """,
        limits,
    )
    assert proc.stdout.startswith("tasks"), proc.stdout + proc.stderr
    # All the sandbox's tasks (bubblewrap's init among them) but the outer bubblewrap.
    assert 1 < int(proc.stdout.split()[1]) <= limits.group_processes - 1


DEV = """
import os
for path in ("/dev/new", "/dev/shm/new", "/dev/null"):
    try:
        with open(path, "w") as f:
            f.write("x")
        print("wrote", path)
    except OSError as exc:
        print("refused", path, exc.errno)
for path in ("/dev/zero", "/dev/urandom"):
    with open(path, "rb") as f:
        print("read", path, len(f.read(8)))
print("uid", os.getuid())
"""
# Read-only (EROFS), not merely not ours (EACCES): as root the sandbox's user owns nothing in
# /dev anyway; as another account bubblewrap's /dev would be its own to write.
DEV_SEEN = [
    f"refused /dev/new {errno.EROFS}",
    f"refused /dev/shm/new {errno.EROFS}",
    "wrote /dev/null",
    "read /dev/zero 8",
    "read /dev/urandom 8",
]


def test_dev_is_read_only_but_its_devices_work(tmp_path):
    cmd = sandbox.command([sys.executable, "-c", DEV], cwd=tmp_path, readable=[tmp_path])
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[:-1] == DEV_SEEN


@pytest.fixture
def account():
    """A real system account of its own (no home), removed after the test whatever happens."""
    name = f"lrgrade{secrets.token_hex(4)}"
    subprocess.run(["useradd", "--system", "--no-create-home", name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["userdel", name], check=True)


@needs_root
def test_grading_as_an_account_without_root(account):
    """Grading as a dedicated account (the instructors' page allows it): bubblewrap runs
    unprivileged there, its /dev tmpfs would be writable; it is read-only, and without a
    cgroup the sandbox still runs (rlimits only). The account reads neither /root (its
    Python) nor the tests' folders: it builds the sandbox with the system's Python, as
    itself, and runs the system's Python in it."""
    python = "/usr/bin/python3"
    if not os.access(python, os.X_OK):
        pytest.skip(f"{python} is needed: the account cannot run a Python below /root")
    grader = f"""
import subprocess, sys
sys.path.insert(0, {str(ROOT)!r})
from tools.grader import cgroups, sandbox
group = sandbox.new_group()
cmd = sandbox.command([{python!r}, "-I", "-c", {DEV!r}], cwd="/tmp", group=group)
proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
if group is not None:
    group.remove()
print(proc.returncode, cgroups.available(), proc.stderr.strip().replace(chr(10), " "))
print(proc.stdout, end="")
"""
    uid = int(subprocess.run(["id", "-u", account], capture_output=True, text=True).stdout)
    gid = int(subprocess.run(["id", "-g", account], capture_output=True, text=True).stdout)
    as_account = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"]
    proc = subprocess.run(
        [*as_account, python, "-I", "-c", grader],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8"},
    )
    assert proc.returncode == 0, proc.stderr
    status, *lines = proc.stdout.splitlines()
    assert status.split()[0] == "0", proc.stdout + proc.stderr
    assert lines == [*DEV_SEEN, f"uid {uid}"]


@needs_cgroups
def test_a_probe_leaves_no_group_behind(tmp_path, monkeypatch):
    """A graded part: the probe ran in a group (now gone), none is left."""
    made = []
    create = cgroups.create

    def recorded(memory, pids):
        group = create(memory, pids)
        made.append((group, memory, pids))
        return group

    monkeypatch.setattr(cgroups, "create", recorded)
    verdicts = trusted.grade(make_submission(tmp_path / "s", everything()), parts=["sigmoid"])
    assert verdicts["sigmoid"].passed
    limits = probe_process.PROBE_LIMITS
    assert [(m, p) for _, m, p in made] == [(limits.group_memory, limits.group_processes)]
    assert not made[0][0].exists() and cgroups.made_here() == []


@needs_cgroups
def test_a_kernel_runs_in_a_group_removed_at_its_shutdown(tmp_path):
    async def run():
        manager = kernel.SandboxedKernelManager(kernel_name="python3")
        await manager.start_kernel(cwd=str(tmp_path))
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)  # the kernel is up: its sandbox entered
            group = manager._group
            running = manager.provisioner.process.pid in group.pids()  # the outer bubblewrap
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)
        return group, running

    group, running = asyncio.run(run())
    assert running
    assert not group.exists() and cgroups.made_here() == []


@needs_cgroups
def test_the_groups_of_a_grader_that_was_killed_are_deleted_by_the_next(monkeypatch):
    """A grader killed before it removed its groups leaves them empty (its sandboxes die with
    it); the next one to look for cgroups deletes them, and only them."""
    script = "from tools.grader import cgroups; print(cgroups.create(1 << 30, 8).folders)"
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    left = eval(proc.stdout)
    assert left and all(os.path.isdir(folder) for folder in left)
    mine = sandbox.new_group()
    try:
        monkeypatch.setattr(cgroups, "_found", {})  # look for cgroups again, as a new grader
        assert cgroups.available() is not None
        assert not any(os.path.isdir(folder) for folder in left)
        assert mine.exists()  # our own process is alive: its group stays
    finally:
        mine.remove()


def test_the_v2_backend_writes_the_unified_hierarchys_files(tmp_path):
    """This machine's cgroup2 hierarchy has no memory controller (it is v1's), so the v2
    backend is only run here against a folder laid out like one: the files it writes and
    what it writes to them (the kernel's answers are not imitated)."""
    (tmp_path / "cgroup.controllers").write_text("cpu memory pids\n")
    (tmp_path / "cgroup.subtree_control").write_text("\n")
    backend = cgroups._V2(str(tmp_path), "/", "/")
    assert backend.parent == str(tmp_path)
    assert (tmp_path / "cgroup.subtree_control").read_text() == "+memory +pids"
    group = backend.create(200 << 20, 12)
    (folder,) = group.folders
    written = {name: Path(folder, name).read_text() for name in sorted(os.listdir(folder))}
    assert written == {"memory.max": str(200 << 20), "pids.max": "12"}
    assert group.procs_files == [os.path.join(folder, "cgroup.procs")]
    assert group.version == "v2"

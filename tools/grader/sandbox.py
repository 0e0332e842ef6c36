"""The sandbox every student process runs in: bubblewrap (``bwrap``, Debian's package).

``command(argv, ...)`` returns the command line that runs ``argv`` inside it. The process then

- sees only what it needs: the system's ``/usr`` (with ``/lib``, ``/bin`` links),
  ``/etc/ld.so.cache`` and ``/etc/fonts``, the Python installation and the venv (read-only),
  the folders given as ``readable`` (read-only) and ``writable``, and a fresh ``/tmp`` (a
  size-limited tmpfs, its home ``/tmp/home``). Not the course folder, not ``source/``, not the
  gradebook, not another submission, not the user's home;
- has no network (a network namespace of its own, with only a loopback nobody listens on),
  its own process, IPC and host-name namespaces, and dies with its parent;
- runs under a user id of its own (when the grader runs as root: ``setpriv`` drops to a fresh
  unprivileged id, so file permissions apply and the process limit counts this sandbox only);
- is limited by ``prlimit`` in address space, CPU seconds, processes (threads included), open
  files and the size of any file it writes: limits of each process;
- and, given a ``group`` (``new_group``), by a cgroup in memory and tasks for the sandbox as a
  whole: shared memory, memfd and tmpfs pages included, which no rlimit counts, and however
  many processes share them (``cgroups``). Where no cgroup may be written to (an account
  without root and without a delegated cgroup), ``new_group`` returns None, logged once, and
  the rlimits are the only limits;
- sees a read-only ``/dev`` (bubblewrap's own, with null, zero, full, random, urandom, tty
  and a ``pts``): as root and as any other account, where bubblewrap's ``/dev`` tmpfs would
  otherwise be writable, with room for half the machine's memory.

The environment is cleared; only what Python and Jupyter need is set. Measured here: starting
``python -c pass`` in it costs about 30 ms more than outside.
"""

import os
import secrets
import shutil
import sys
from dataclasses import dataclass

from . import cgroups

BWRAP = "/usr/bin/bwrap"
SETPRIV = "/usr/bin/setpriv"
PRLIMIT = "/usr/bin/prlimit"
SH = "/bin/sh"
# The start of the command line given a group: writes the shell's own process id to each file
# before "--" (entering the group), then execs the rest, bubblewrap, in the same process.
JOIN_GROUP = 'while [ "$1" != -- ]; do echo $$ >"$1" || exit 125; shift; done; shift; exec "$@"'
HOME = "/tmp/home"  # inside the sandbox
# Read-only system files the Python stack needs: the dynamic linker's cache, and fontconfig's
# configuration (matplotlib asks fc-list for the system fonts).
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/fonts")
# Fresh user ids, one per sandbox, far from any real account.
UID_RANGE = (1 << 20, 1 << 30)


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandbox: prlimit's apply to each process, the group's (a cgroup,
    where there is one: ``new_group``) to the whole sandbox (its tasks: bubblewrap's two and
    every thread of the processes it runs)."""

    address_space: int = 4 << 30  # bytes: numpy, matplotlib and ipykernel need about 1.5 GiB
    cpu_seconds: int = 120
    processes: int = 128  # threads count: a kernel runs about 20
    open_files: int = 512
    file_size: int = 64 << 20  # the largest file it may write
    scratch_size: int = 256 << 20  # the size of /tmp
    group_memory: int = 4 << 30  # bytes, the whole sandbox: shared memory and tmpfs included
    group_processes: int = 128  # tasks of the whole sandbox, threads included


class SandboxUnavailable(RuntimeError):
    """bwrap (or prlimit, setpriv) is missing: grading must not run unsandboxed."""


def check_available():
    """Raise SandboxUnavailable, naming the package, if a tool of the sandbox is missing."""
    for path, package in ((BWRAP, "bubblewrap"), (PRLIMIT, "util-linux"), (SETPRIV, "util-linux")):
        if not os.access(path, os.X_OK):
            raise SandboxUnavailable(
                f"{path} not found: install Debian's {package} (`make sandbox` does) before "
                f"grading; student code never runs outside the sandbox."
            )


def new_uid():
    """A fresh unprivileged user id for one sandbox (only used when running as root)."""
    return UID_RANGE[0] + secrets.randbelow(UID_RANGE[1] - UID_RANGE[0])


def python_paths():
    """The folders of this Python installation and its venv (read-only in the sandbox)."""
    return sorted({os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix), sys.prefix})


def _mount_points(paths, made=()):
    """bwrap arguments creating every ancestor of ``paths`` as an empty, traversable folder.

    bwrap would create them itself, but with the mode of the real folder (0700 for /root),
    which would hide a Python installed below /root from the sandbox's unprivileged user.
    """
    args, made = [], {"/", "/tmp", *made}
    for path in sorted(paths):
        parent = os.path.dirname(path)
        chain = []
        while parent not in made:
            chain.append(parent)
            made.add(parent)
            parent = os.path.dirname(parent)
        for folder in reversed(chain):
            args += ["--perms", "0755", "--dir", folder]
    return args


def new_group(limits=Limits()):
    """A new cgroup for one sandbox, limited to ``limits.group_memory`` and
    ``limits.group_processes``; None where there are no cgroups we may use (logged once).

    Give it to ``command`` and call its ``remove()`` once the sandbox has ended (it kills
    anything left in it, then deletes it).
    """
    return cgroups.create(limits.group_memory, limits.group_processes)


def command(
    argv, *, cwd, readable=(), writable=(), env=None, limits=Limits(), uid=None, group=None
):
    """The command line running ``argv`` in the sandbox, in the folder ``cwd``.

    :param argv: the program and its arguments (absolute path of the program).
    :param cwd: the working folder inside the sandbox (one of ``readable``/``writable``).
    :param readable: folders or files bound read-only at the same path.
    :param writable: folders bound read-write at the same path (e.g. a kernel's socket folder).
    :param env: extra environment variables (the environment is otherwise cleared).
    :param uid: the user id to run as when we are root (default: a fresh one).
    :param group: the sandbox's cgroup (``new_group``), entered before bubblewrap starts;
        None: no per-sandbox limits.
    :raises SandboxUnavailable: bwrap, prlimit or setpriv is missing.
    """
    check_available()
    readable = [os.path.abspath(p) for p in (*python_paths(), *readable)]
    writable = [os.path.abspath(p) for p in writable]
    args = [
        PRLIMIT,
        f"--as={limits.address_space}",
        f"--cpu={limits.cpu_seconds}",
        f"--nproc={limits.processes}",
        f"--nofile={limits.open_files}",
        f"--fsize={limits.file_size}",
        "--",
        BWRAP,
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    for name in ("lib", "lib64", "bin", "sbin"):
        if os.path.islink(f"/{name}"):
            args += ["--symlink", os.readlink(f"/{name}"), f"/{name}"]
        elif os.path.isdir(f"/{name}"):
            args += ["--ro-bind", f"/{name}", f"/{name}"]
    system = [p for p in SYSTEM_FILES if os.path.exists(p)]
    args += _mount_points(system)
    for path in system:
        args += ["--ro-bind", path, path]
    # /tmp first, so that folders bound below it (a course under /tmp) stay visible. bwrap
    # makes it as root: open it to the sandbox's user (the only one living there).
    args += ["--perms", "1777", "--size", str(limits.scratch_size), "--tmpfs", "/tmp"]
    args += ["--perms", "0777", "--dir", HOME]
    args += _mount_points(
        [p for p in readable + writable if not p.startswith("/usr/")], {HOME, "/etc"}
    )
    for path in readable:
        if not path.startswith("/usr/"):
            args += ["--ro-bind", path, path]
    for path in writable:
        args += ["--bind", path, path]
    # Read-only: not recursive, the device nodes (bind mounts) stay usable.
    args += ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev"]
    args += ["--chdir", os.path.abspath(cwd), "--clearenv"]
    environment = {
        "HOME": HOME,
        "USER": "student",
        "LOGNAME": "student",
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        # One BLAS thread: the limits are per process, and grading runs workers side by side.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MPLBACKEND": "agg",
        **(env or {}),
    }
    for key, value in environment.items():
        args += ["--setenv", key, value]
    args.append("--")
    if os.geteuid() == 0:
        uid = new_uid() if uid is None else uid
        args += [SETPRIV, f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
        args += ["--inh-caps=-all", "--no-new-privs", "--"]
    if group is not None:
        args = [SH, "-c", JOIN_GROUP, "join-group", *group.procs_files, "--", *args]
    return args + list(argv)


def prepare_writable(path, uid, mode=0o700):
    """Give ``path`` (a file or folder we created) to the sandbox's user ``uid``, ``mode``."""
    if os.geteuid() == 0:
        shutil.chown(path, uid, uid)
    os.chmod(path, mode)

"""Processes seen through /proc: for tests that kill a part of the grading mid-batch, and for
those that check what is left running (kernels, processes of the sandbox's users)."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Process:
    pid: int
    ppid: int
    argv: tuple[str, ...]
    exe: str
    cwd: str
    uid: int  # the real user id

    @property
    def command(self):
        return " ".join(self.argv)


def read(pid):
    """The Process ``pid``, or None if it has ended (or cannot be read)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = tuple(a.decode(errors="replace") for a in f.read().split(b"\0") if a)
        with open(f"/proc/{pid}/stat") as f:
            ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        with open(f"/proc/{pid}/status") as f:
            uid = next(int(line.split()[1]) for line in f if line.startswith("Uid:"))
        return Process(pid, ppid, argv, _link(pid, "exe"), _link(pid, "cwd"), uid)
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _link(pid, name):
    """Where /proc/<pid>/<name> points, or "" (a zombie's, or a kernel thread's exe): a process
    counts even when it cannot be followed there (a test asking which processes a user id
    still runs must see them all)."""
    try:
        return os.readlink(f"/proc/{pid}/{name}")
    except OSError:
        return ""


def every():
    """Every process that can be read now."""
    found = (read(int(p)) for p in os.listdir("/proc") if p.isdigit())
    return [p for p in found if p is not None]


def ancestors(pid):
    """The pids above ``pid``, its parent first."""
    chain = []
    process = read(pid)
    while process is not None and process.ppid > 1:
        chain.append(process.ppid)
        process = read(process.ppid)
    return chain


def bytes_written(pid):
    """How many bytes ``pid`` has written so far (``wchar`` of /proc/<pid>/io), or None."""
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                if line.startswith("wchar:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def has_loaded(pid, package):
    """True if a shared library of ``package`` (a folder of that name) is mapped in ``pid``."""
    try:
        with open(f"/proc/{pid}/maps") as f:
            return any(f"/{package}/" in line for line in f)
    except OSError:
        return False

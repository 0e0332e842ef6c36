"""Processes seen through /proc, for tests that kill a part of the grading mid-batch."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Process:
    pid: int
    ppid: int
    argv: tuple[str, ...]
    exe: str
    cwd: str

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
        return Process(
            pid, ppid, argv, os.readlink(f"/proc/{pid}/exe"), os.readlink(f"/proc/{pid}/cwd")
        )
    except (OSError, ValueError, IndexError):
        return None


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

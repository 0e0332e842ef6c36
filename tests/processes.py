"""Processes seen through psutil: for tests that kill a part of the grading mid-batch, and for
those that check what is left running (kernels, processes of the sandbox's users)."""

import contextlib
from dataclasses import dataclass

import psutil


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
        return _read(psutil.Process(pid))
    except psutil.NoSuchProcess:
        return None


def _read(p):
    """A zombie counts, with no argv, exe or cwd, as does a process whose exe or cwd cannot
    be followed (a kernel thread's exe): a test asking which processes a user id still runs
    must see them all."""
    try:
        with p.oneshot():
            ppid, uid = p.ppid(), p.uids().real
            try:
                argv = tuple(p.cmdline())
            except psutil.ZombieProcess:
                argv = ()
            return Process(p.pid, ppid, argv, _follow(p.exe), _follow(p.cwd), uid)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def _follow(link):
    """What ``link`` (``exe`` or ``cwd``) returns, or "" where it cannot be followed."""
    try:
        return link()
    except psutil.Error:  # a zombie's, or one that is not ours to read
        return ""


def every():
    """Every process that can be read now."""
    found = (_read(p) for p in psutil.process_iter())
    return [p for p in found if p is not None]


def ancestors(pid):
    """The pids above ``pid``, its parent first (up to, not including, pid 1)."""
    chain = []
    process = read(pid)
    while process is not None and process.ppid > 1:
        chain.append(process.ppid)
        process = read(process.ppid)
    return chain


def bytes_written(pid):
    """How many bytes ``pid`` has written so far (``wchar`` of /proc/<pid>/io), or None."""
    try:
        return psutil.Process(pid).io_counters().write_chars
    except psutil.Error:
        return None


def has_loaded(pid, package):
    """True if a shared library of ``package`` (a folder of that name) is mapped in ``pid``."""
    with contextlib.suppress(psutil.Error):
        return any(f"/{package}/" in m.path for m in psutil.Process(pid).memory_maps(False))
    return False

"""What every local server a tool or test starts needs (JupyterLab, JupyterHub, PostgreSQL).

``free_port`` picks a port on 127.0.0.1, ``wait_until`` waits for a condition with a deadline,
and ``ProcessTree`` keeps every process a server started, so that stopping it leaves nothing
running: the ones it remembered and the strays that name the server's folder.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time

import psutil


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout, what):
    """Call ``condition`` until it returns a true value (returned); fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(0.2)


class ProcessTree:
    """The processes of a server whose files are all in the folder ``mark``."""

    def __init__(self, mark):
        self.mark = str(mark)
        self.seen = {}  # pid -> psutil.Process of everything the server started

    def remember(self, proc):
        """Note the running ``proc`` (a Popen) and every process it started so far."""
        if proc is not None and proc.poll() is None:
            server = psutil.Process(proc.pid)
            for p in [server, *server.children(recursive=True)]:
                self.seen.setdefault(p.pid, p)

    def strays(self):
        """Processes other than ours whose command line, working folder or environment names
        ``mark`` (one that escaped ``remember``)."""
        found = []
        for p in psutil.process_iter():
            if p.pid == os.getpid():
                continue
            with contextlib.suppress(psutil.Error, OSError):
                text = " ".join(p.cmdline()) + p.cwd() + " ".join(p.environ().values())
                if self.mark in text:
                    found.append(p)
        return found

    def kill_leftovers(self, timeout=10):
        """Give the remembered processes ``timeout`` s to end, then kill them and every stray.
        Returns the command lines of those that had to be killed."""
        _, alive = psutil.wait_procs(list(self.seen.values()), timeout=timeout)
        alive += [p for p in self.strays() if p.pid not in {a.pid for a in alive}]
        left = []
        for p in alive:
            with contextlib.suppress(psutil.Error):
                left.append(" ".join(p.cmdline()) or str(p.pid))
                p.kill()
        return left

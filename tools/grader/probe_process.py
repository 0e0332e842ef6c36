"""One sandboxed probe process, seen from the grader: its start, its pipes, its end.

``Probe(tree)`` starts ``tree.PROBE_MODULE`` (``tools/grader/probe.py``, copied into the tree)
with ``python -s -E -m`` in the sandbox, to ``PROBE_LIMITS``, in its own cgroup where there is
one, and waits for its READY line. ``ask(case, seconds, desk)`` sends a case and reads the
reply line (answering the stand-ins' calls to the grader's ``desk`` on the way: see
``protocol``), never blocking past the case's time, never reading more than ``MAX_LINE``
bytes; ``stack()`` reads what the faulthandler wrote of a case that ran too long; ``close()``
ends the probe and everything it started. Deciding what a reply means is ``trusted``'s job.
"""

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time

from . import protocol, sandbox
from . import tree as tree_

# Seconds of every case of a submission together: the grading loop's budget (wall time, see
# trusted.py), and the probes' CPU time.
SUBMISSION_SECONDS = 60.0
MAX_LINE = 8 << 20  # bytes of one reply
# Calls of the stand-ins answered in one case (a Desk refuses more than its own limit).
MAX_DESK_CALLS = 60
# The faulthandler writes its stack half a second before a case's time is up; we read it for
# at most this long once the time is up.
STACK_SECONDS = 0.6
# A probe starts (bubblewrap, Python, numpy) in 0.2 s here; a case's time runs from then.
STARTUP_SECONDS = 60.0
# The probe needs 2 threads and 260 MB of address space (numpy and scipy.special). The rlimits
# are per process: a fork bomb gets `processes` processes of `address_space` each, and
# competes for the CPU with the other submissions graded side by side, so both are kept small;
# the sandbox's cgroup, where there is one, holds all of them together to the group's limits.
PROBE_LIMITS = sandbox.Limits(
    cpu_seconds=int(SUBMISSION_SECONDS),
    processes=16,
    address_space=2 << 30,
    group_memory=2 << 30,
    group_processes=16,
)


class GraderError(RuntimeError):
    """The grading machinery itself failed (not the student's code): grade again later."""


class ProbeNotStarted(GraderError):
    """The sandboxed probe did not start: grading cannot go on."""


class Probe:
    """One sandboxed probe process, its pipes and its cgroup (``close`` removes it)."""

    def __init__(self, tree):
        self.group = sandbox.new_group(PROBE_LIMITS)
        try:
            self._start(tree)
        except BaseException:
            self._remove_group()
            raise

    def _start(self, tree):
        results_r, results_w = os.pipe()
        stacks_r, stacks_w = os.pipe()
        # The write ends are inherited (through prlimit, bwrap and setpriv) under their own
        # numbers, which the probe gets as arguments.
        probe = [sys.executable, "-s", "-E", "-m", tree_.PROBE_MODULE]
        cmd = sandbox.command(
            [*probe, str(results_w), str(stacks_w)],
            cwd=tree,
            readable=[tree],
            limits=PROBE_LIMITS,
            group=self.group,
        )
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(results_w, stacks_w),
            start_new_session=True,  # one process group: killed as a whole
        )
        os.close(results_w)
        os.close(stacks_w)
        os.set_blocking(self.proc.stdin.fileno(), False)  # see _send
        self.results, self.stacks = results_r, stacks_r
        self.buffer = b""
        self.started = False

    def wait_started(self):
        """Wait for the probe's READY line (no student code runs before it).

        :raises ProbeNotStarted: it did not start within STARTUP_SECONDS: the machine, not
            the submission, is at fault, and grading must not go on as if it were.
        """
        status, line = self._line(time.monotonic() + STARTUP_SECONDS)
        if status != "ok" or line.decode(errors="replace") != protocol.READY:
            raise ProbeNotStarted(
                f"the sandboxed probe did not start within {STARTUP_SECONDS:g} s ({status}); "
                f"is the machine overloaded, or bubblewrap broken?"
            )
        self.started = True

    def ask(self, case, seconds, desk=None):
        """Send ``case``; return (status, reply line): 'ok', 'timeout', 'died' or 'too_large'.

        A line that asks the part's ``desk`` (a stand-in's call, see ``probe.RemoteDesk``) is
        answered on the way, up to MAX_DESK_CALLS of them; any other line is the reply (one
        asking a part without a desk, or past the limit, is then judged a bad reply).
        """
        if not self.started:
            self.wait_started()
        deadline = time.monotonic() + seconds
        status = self._send({"case": case.to_plain(), "seconds": seconds}, deadline)
        asked = 0
        while status == "ok":
            status, line = self._line(deadline)
            if status != "ok":
                break
            call = protocol.desk_request(line)
            asked += call is not None
            if call is None or desk is None or asked > MAX_DESK_CALLS:
                return "ok", line
            status = self._send(protocol.answer(desk, call), deadline)
        return status, None

    def _send(self, message, deadline):
        """Write one line to the probe's stdin without ever blocking past ``deadline``: code
        that stops reading its stdin fills the pipe."""
        data = (json.dumps(message) + "\n").encode()
        fd = self.proc.stdin.fileno()
        while data:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout"
            if not select.select([], [fd], [], left)[1]:
                continue
            try:
                data = data[os.write(fd, data) :]
            except BlockingIOError:
                continue
            except OSError:  # the probe closed its end: it is gone
                return "died"
        return "ok"

    def _line(self, deadline):
        """The next line the probe writes to its results descriptor (status, line)."""
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout", None
            ready, _, _ = select.select([self.results], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.results, 1 << 16)
            if not chunk:
                return "died", None
            self.buffer += chunk
            if len(self.buffer) > MAX_LINE:
                return "too_large", None
        line, self.buffer = self.buffer.split(b"\n", 1)
        return "ok", line

    def stack(self):
        """What the faulthandler wrote (the stack of a case that ran too long), capped.

        Read for at most STACK_SECONDS in all: the student's code can write to this pipe too,
        and a byte now and then would otherwise keep us reading.
        """
        out = b""
        deadline = time.monotonic() + STACK_SECONDS
        while len(out) < (1 << 16):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.stacks], [], [], left)[0]:
                break
            chunk = os.read(self.stacks, 1 << 14)
            if not chunk:
                break
            out += chunk
        return out.decode("utf-8", "replace")

    def close(self):
        """End the probe and everything it started (its own process group, then anything
        left in its cgroup), and remove the cgroup."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._remove_group()
        for fd in (self.results, self.stacks):
            os.close(fd)
        if self.proc.stdin:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()

    def _remove_group(self):
        if self.group is not None:
            self.group.remove()

    def death(self):
        """Why the probe ended, in words (for a visible case only: see ``redaction``)."""
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        # bubblewrap reports a child killed by signal N as exit status 128 + N (a cgroup's
        # out-of-memory kill among them); the probe itself is killed as -N.
        number = -code if code is not None and code < 0 else None
        if code is not None and 128 < code < 128 + signal.NSIG:
            number = code - 128
        if number is not None:
            if number == signal.SIGXCPU:
                return "it used up its CPU time"
            if number == signal.SIGKILL:
                return "it was killed (memory or process limit)"
            return f"it ended with signal {signal.Signals(number).name}"
        return f"it ended (exit status {code}) before answering"

"""Grade a submission where its code cannot reach the decision.

``grade(folder)`` builds a tree from the course's release (every file but the student's four)
and the submission's four student files (nothing else it holds: no extra module, no
``numpy.py``), starts ``exercise_code.grading.probe`` there in the sandbox, and sends it the
cases one at a time, visible ones first. For each case it reads back plain data (size-capped,
validated by ``engine.from_plain``), computes the reference's expectation (``oracles``), and
lets the part's judge decide, in this process. A case that runs past its time is stopped (the
sandbox is killed), named (if visible) with the student's line from the faulthandler's stack,
and the probe restarted for the next part; a probe that dies is restarted the same way.

A part passes when every one of its cases passes. The verdicts say why a part failed in the
student's terms for a visible case. For a hidden case the student's code has seen the inputs
before it raised, looped, ended or answered, so everything about how it failed is its choice
(an exception's class, a line, an exit status, a value) and could spell out those inputs: a
failed hidden case's text is ``engine.hidden_failure_text(case, what)``, a function of the
part and the case alone, whatever happened (a wrong answer, a time out, a death, a reply too
large or malformed, the submission's time used up).
"""

import contextlib
import importlib
import json
import os
import re
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import numpy as np

from tools.course import ASSIGNMENT

from . import cases as course_cases
from . import oracles, sandbox
from .oracles import reference

# Seconds a case may take (the sandbox is loaded at most by the course's workers): the
# reference needs milliseconds, training 0.2 s. The notebook states these limits (a test
# keeps them in step).
CASE_SECONDS = 5.0
TRAINING_SECONDS = 15.0
SUBMISSION_SECONDS = 60.0  # every case of a submission together
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


def probe_module():
    """The course's exercise_code.grading.probe (its READY line)."""
    reference()  # the course's exercise_code, never another
    return importlib.import_module("exercise_code.grading.probe")


@dataclass(frozen=True)
class Verdict:
    """A part's trusted result: passed or not, and the text a student sees."""

    part: str
    passed: bool
    text: str
    # A visible case failed: then the notebook's own test of this part must have failed too.
    visible_failed: bool = False


def release_files(assignment):
    """Relative paths of every file of the released assignment."""
    base = os.path.join(oracles.ROOT, "release", assignment)
    found = set()
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if d not in ("__pycache__", ".ipynb_checkpoints")]
        found.update(os.path.relpath(os.path.join(dirpath, f), base) for f in filenames)
    return found


def regular_file_in(folder, rel):
    """Whether ``folder/rel`` is a regular file reached through no symbolic link."""
    path = folder
    for part in rel.split(os.sep):
        path = os.path.join(path, part)
        if os.path.islink(path):
            return False
    return os.path.isfile(path)


def build_tree(folder, dest):
    """The files the probe may import: the course's release, with the student's files from
    ``folder`` (a submission) in place of the stubs. Returns ``dest``."""
    release = os.path.join(oracles.ROOT, "release", ASSIGNMENT)
    student_files = reference().grading.STUDENT_FILES
    for rel in sorted(release_files(ASSIGNMENT)):
        if rel.endswith(".ipynb"):
            continue
        # A student file from the submission if it is there as a regular file reached through
        # no link (a link could point at the instructor's solution); else the release's, a stub.
        if rel in student_files and regular_file_in(folder, rel):
            source = os.path.join(folder, rel)
        else:
            source = os.path.join(release, rel)
        os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
        shutil.copyfile(source, os.path.join(dest, rel))
    for dirpath, _, filenames in os.walk(dest):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644)
    return dest


class _Probe:
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
        probe = [sys.executable, "-s", "-E", "-m", "exercise_code.grading.probe"]
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
        if status != "ok" or line.decode(errors="replace") != probe_module().READY:
            raise ProbeNotStarted(
                f"the sandboxed probe did not start within {STARTUP_SECONDS:g} s ({status}); "
                f"is the machine overloaded, or bubblewrap broken?"
            )
        self.started = True

    def ask(self, case, seconds, desk=None):
        """Send ``case``; return (status, reply line): 'ok', 'timeout', 'died' or 'too_large'.

        A line that asks the part's ``desk`` (a stand-in's call, see ``engine.desk_call``) is
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
            call = _desk_request(line)
            asked += call is not None
            if call is None or desk is None or asked > MAX_DESK_CALLS:
                return "ok", line
            status = self._send(_answer(desk, call), deadline)
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
        """Why the probe ended, in words (for a visible case only: see the module docstring)."""
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            if -code == signal.SIGXCPU:
                return "it used up its CPU time"
            if -code == signal.SIGKILL:
                return "it was killed (memory or process limit)"
            return f"it ended with signal {name}"
        return f"it ended (exit status {code}) before answering"


_FRAME = re.compile(r'File "([^"]+)", line (\d+)')


def _desk_request(line):
    """The request of a line that asks a desk (``{"call": ..., "args": [...]}``), else None."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) and "call" in data and "id" not in data else None


def _answer(desk, request):
    """The desk's answer to a request, as plain data; a refusal if anything is amiss."""
    engine = reference().grading.engine
    try:
        name, args = request["call"], request["args"]
        if not isinstance(name, str) or not isinstance(args, list) or len(args) > 4:
            raise engine.PlainDataError("a malformed call")
        result = desk.call(name, [engine.from_plain(a) for a in args])
        return {"result": engine.to_plain(result, depth=1)}
    except Exception:  # whatever the request held: it is refused, never a crash here
        return {"refused": True}


def _location(tree, file, line):
    """(file, line, source) if ``file`` is a file of the package in ``tree`` (not the grading
    code) and ``line`` one of its lines, the source read here; else (None, None, None).

    Read for a visible case that ran too long (the faulthandler's stack is the student's
    code's to forge too): only a real line of a real file of theirs is shown.
    """
    if not (isinstance(file, str) and isinstance(line, int) and not isinstance(line, bool)):
        return None, None, None
    rel = os.path.normpath(file)
    path = os.path.join(tree, rel)
    package = reference().grading.engine.PACKAGE
    if rel.startswith((f"{package}/grading/", "..")) or not rel.startswith(f"{package}/"):
        return None, None, None
    if os.path.islink(path) or not os.path.isfile(path):
        return None, None, None
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    if not 0 < line <= len(lines):
        return None, None, None
    return rel, line, lines[line - 1].strip()[:200]


def _looping_line(stack, tree):
    """(file, line, source) of the innermost student frame in a faulthandler dump."""
    student_files = reference().grading.STUDENT_FILES
    # faulthandler prints the most recent call first.
    for path, line in _FRAME.findall(stack):
        rel = os.path.relpath(path, tree)
        if rel in student_files:
            return _location(tree, rel, int(line))
    return None, None, None


def grade(folder, parts=None):
    """Grade the submission in ``folder``: {part: Verdict} for every part (or ``parts``)."""
    sandbox.check_available()
    engine = reference().grading.engine
    judges = reference().grading.PARTS
    cases = course_cases.every_case(parts)
    verdicts, failed = {}, {}
    with tempfile.TemporaryDirectory(prefix="probe-tree-") as tree:
        os.chmod(tree, 0o755)
        build_tree(folder, tree)
        probe = None
        started = time.monotonic()
        try:
            for case in cases:
                if case.part in failed:
                    continue  # a part fails on its first failing case
                what = judges[case.part].what
                left = SUBMISSION_SECONDS - (time.monotonic() - started)
                if left <= 0:
                    message = f"[{case.part}] {what} {engine.MISTAKES['out_of_time']}"
                else:
                    message, probe = _run(
                        engine, judges, case, min(_seconds(case), left), probe, tree
                    )
                if message is not None:
                    if case.hidden:  # the one text of a failed hidden case: see the docstring
                        message = engine.hidden_failure_text(case, what)
                    failed[case.part] = (message, not case.hidden)
        finally:
            if probe is not None:
                probe.close()
    for part in dict.fromkeys(c.part for c in cases):
        if part in failed:
            text, visible = failed[part]
            verdicts[part] = Verdict(part, False, text, visible)
        else:
            passed = [c for c in cases if c.part == part]
            verdicts[part] = Verdict(part, True, engine.passed_text(part, passed))
    return verdicts


def _seconds(case):
    return TRAINING_SECONDS if case.part == "trained_accuracy" else CASE_SECONDS


def _run(engine, judges, case, seconds, probe, tree):
    """Run ``case`` on ``probe`` (started if None): (None if it passed, else a message; the
    probe to go on with, None once it had to be ended).

    The message is for a visible case; for a hidden one ``grade`` shows none of it, and none
    is made of a stack or an exit status here.
    """
    probe = probe or _Probe(tree)
    desk = judges[case.part].desk
    if desk is not None:  # drawn here at random: see engine.desk_call
        desk = desk(case.inputs, np.random.default_rng(secrets.randbits(128)))
    status, reply = probe.ask(case, seconds, desk)
    if status == "ok":
        return _judge(engine, judges, case, reply, desk), probe
    if case.hidden:
        message = status
    elif status == "too_large":  # the rest of the reply is still in the pipe
        message = f"[{case.part}] {engine.MISTAKES['bad_reply']} (too large)"
    else:
        record = {"error": "crashed", "message": probe.death()}
        if status == "timeout":
            file, line, source = _looping_line(probe.stack(), tree)
            record = {"error": "timeout", "file": file, "line": line, "source": source}
        message = f"[{case.part}] {engine.error_text(case, judges[case.part].what, record)}"
    probe.close()
    return message, None


def _judge(engine, judges, case, reply, desk=None):
    """None if the reply passes the case, else the failure's message.

    A part with a desk is judged on the desk's log (``desk.record()``), never on what the
    probe says it did. Anything malformed fails the case, never crashes the grader.
    """
    try:
        data = json.loads(reply)
        if not isinstance(data, dict) or data.get("id") != case.id:
            raise engine.PlainDataError("a reply for another case")
        outputs = engine.from_plain(data["outputs"])
        if not isinstance(outputs, dict):
            raise engine.PlainDataError("outputs that are not a mapping")
        if "probe" in outputs:
            raise engine.PlainDataError("the probe itself failed")
    except Exception as exc:  # anything malformed is the reply's fault, never a crash here
        return f"[{case.part}] {engine.MISTAKES['bad_reply']} ({exc.__class__.__name__})"
    try:
        expected = oracles.expect(case, outputs)
        if desk is not None:
            expected.update(desk.record())
        judges[case.part].judge(case, outputs, expected)
    except engine.GradingFailure as failure:
        return str(failure)
    except Exception as exc:  # malformed outputs the judge did not foresee: never a pass
        return f"[{case.part}] {engine.MISTAKES['bad_reply']} ({exc.__class__.__name__})"
    return None

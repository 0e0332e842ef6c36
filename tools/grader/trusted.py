"""Grade a submission where its code cannot reach the decision.

``grade(folder)`` builds a tree from the course's release (every file but the student's four)
and the submission's four student files (nothing else it holds: no extra module, no
``numpy.py``), starts ``exercise_code.grading.probe`` there in the sandbox, and sends it the
cases one at a time, visible ones first. For each case it reads back plain data (size-capped,
validated by ``engine.from_plain``), computes the reference's expectation (``oracles``), and
lets the part's judge decide, in this process. A case that runs past its time is stopped (the
sandbox is killed), named with the student's line from the faulthandler's stack, and the probe
restarted for the next part; a probe that dies is restarted the same way.

A part passes when every one of its cases passes. The verdicts say why a part failed in the
student's terms; for a hidden case they say what it tests (``Case.about``) but show neither its
inputs nor its values nor the text of the student's exception.
"""

import contextlib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from tools.course import ASSIGNMENT

from . import cases as course_cases
from . import oracles, sandbox
from .oracles import reference

# Seconds a case may take (the sandbox is loaded at most by the course's workers): the
# reference needs milliseconds, training 0.2 s. The notebook states these limits.
START_SECONDS = 30.0  # Python, numpy and the grading package loading in the probe
CASE_SECONDS = 5.0
TRAINING_SECONDS = 10.0
SUBMISSION_SECONDS = 60.0  # every case of a submission together
MAX_LINE = 8 << 20  # bytes of one reply
PROBE_LIMITS = sandbox.Limits(cpu_seconds=int(SUBMISSION_SECONDS))


class GraderError(RuntimeError):
    """The grading machinery itself failed (not the student's code): grade again later."""


@dataclass(frozen=True)
class Verdict:
    """A part's trusted result: passed or not, and the text a student sees."""

    part: str
    passed: bool
    text: str
    # A visible case failed: then the notebook's own test of this part must have failed too.
    visible_failed: bool = False


def build_tree(folder, dest):
    """The files the probe may import: the course's release, with the student's files from
    ``folder`` (a submission) in place of the stubs. Returns ``dest``."""
    release = os.path.join(oracles.ROOT, "release", ASSIGNMENT)
    student_files = reference().grading.STUDENT_FILES
    for dirpath, dirnames, filenames in os.walk(release):
        dirnames[:] = [d for d in dirnames if d not in ("__pycache__", ".ipynb_checkpoints")]
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), release)
            if name.endswith(".ipynb"):
                continue
            source = os.path.join(folder, rel)
            # A student file from the submission if it is there as a regular file (a link
            # could point at the instructor's solution); else the release's, a stub.
            if rel not in student_files or os.path.islink(source) or not os.path.isfile(source):
                source = os.path.join(dirpath, name)
            os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
            shutil.copyfile(source, os.path.join(dest, rel))
    for dirpath, _, filenames in os.walk(dest):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644)
    return dest


class _Probe:
    """One sandboxed probe process and its pipes."""

    def __init__(self, tree):
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
        self.results, self.stacks = results_r, stacks_r
        self.buffer = b""
        status, line = self._line(START_SECONDS)
        if status != "ok" or json.loads(line) != {"ready": True}:
            # No student code has run yet: this is the grading machine's fault, never a grade.
            self.close()
            raise GraderError(f"the sandboxed probe did not start ({status}); is bwrap working?")

    def _line(self, seconds):
        """The next line the probe writes: ('ok', bytes), or 'timeout' or 'died'."""
        deadline = time.monotonic() + seconds
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
                return "died", None
        line, self.buffer = self.buffer.split(b"\n", 1)
        return "ok", line

    def ask(self, case, seconds):
        """Send ``case``; return (status, reply): 'ok', 'timeout' or 'died'."""
        request = {"case": case.to_plain(), "seconds": seconds}
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return "died", None
        return self._line(seconds)

    def stack(self):
        """What the faulthandler wrote (the stack of a case that ran too long), capped."""
        out = b""
        while len(out) < (1 << 16) and select.select([self.stacks], [], [], 0.6)[0]:
            chunk = os.read(self.stacks, 1 << 14)
            if not chunk:
                break
            out += chunk
        return out.decode("utf-8", "replace")

    def close(self):
        """End the probe and everything it started (its own process group)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        for fd in (self.results, self.stacks):
            os.close(fd)
        if self.proc.stdin:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()

    def death(self):
        """Why the probe ended, in words."""
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


def _looping_line(stack, tree):
    """(file, line, source) of the innermost student frame in a faulthandler dump."""
    student_files = reference().grading.STUDENT_FILES
    # faulthandler prints the most recent call first.
    for path, line in _FRAME.findall(stack):
        rel = os.path.relpath(path, tree)
        if rel in student_files:
            with open(os.path.join(tree, rel), encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
            number = int(line)
            source = lines[number - 1].strip() if 0 < number <= len(lines) else ""
            return rel, number, source[:200]
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
                left = SUBMISSION_SECONDS - (time.monotonic() - started)
                if left <= 0:
                    text = (
                        f"[{case.part}] {judges[case.part].what} {engine.MISTAKES['out_of_time']}"
                    )
                    failed[case.part] = (case, text, False)
                    continue
                seconds = min(
                    TRAINING_SECONDS if case.part == "trained_accuracy" else CASE_SECONDS, left
                )
                probe = probe or _Probe(tree)
                status, reply = probe.ask(case, seconds)
                if status == "ok":
                    message = _judge(engine, judges, case, reply)
                else:
                    record = {"error": "crashed", "message": probe.death()}
                    if status == "timeout":
                        file, line, source = _looping_line(probe.stack(), tree)
                        record = {"error": "timeout", "file": file, "line": line, "source": source}
                    probe.close()
                    probe = None
                    message = engine.error_text(case, judges[case.part].what, record)
                    message = f"[{case.part}] {message}"
                if message is not None:
                    failed[case.part] = (case, message, not case.hidden)
        finally:
            if probe is not None:
                probe.close()
    for part in dict.fromkeys(c.part for c in cases):
        if part in failed:
            _, text, visible = failed[part]
            verdicts[part] = Verdict(part, False, text, visible)
        else:
            passed = [c for c in cases if c.part == part]
            verdicts[part] = Verdict(part, True, engine.passed_text(part, passed))
    return verdicts


def _judge(engine, judges, case, reply):
    """None if the reply passes the case, else the failure's message."""
    try:
        data = json.loads(reply)
        if not isinstance(data, dict) or data.get("id") != case.id:
            raise engine.PlainDataError("a reply for another case")
        outputs = engine.from_plain(data["outputs"])
        if not isinstance(outputs, dict):
            raise engine.PlainDataError("outputs that are not a mapping")
        if "probe" in outputs:
            raise engine.PlainDataError("the probe itself failed")
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        return f"[{case.part}] {engine.MISTAKES['bad_reply']} ({exc.__class__.__name__})"
    try:
        judges[case.part].judge(case, outputs, oracles.expect(case, outputs))
    except engine.GradingFailure as failure:
        return str(failure)
    except Exception as exc:  # malformed outputs the judge did not foresee: never a pass
        return f"[{case.part}] {engine.MISTAKES['bad_reply']} ({exc.__class__.__name__})"
    return None

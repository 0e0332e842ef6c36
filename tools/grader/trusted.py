"""Grade a submission where its code cannot reach the decision: the grading loop.

``grade(folder)`` builds the probe's tree (``tree.build_tree``: the course's release, the
submission's four student files and nothing else of it, the probe's own package), starts the
probe there in the sandbox (``probe_process.Probe``), and sends it the cases one at a time,
visible ones first. For each case it reads back plain data (size-capped, validated by
``protocol.from_plain``), computes the reference's expectation (``oracles``), and lets the
part's judge decide, in this process, with the part's desk (the stand-ins' log) here too. A
case that runs past its time is stopped (the sandbox is killed), named (if visible) with the
student's line from the faulthandler's stack, and the probe restarted for the next part; a
probe that dies is restarted the same way.

A part passes when every one of its cases passes. The verdicts say why a part failed in the
student's terms for a visible case. For a hidden case the student's code has seen the inputs
before it raised, looped, ended or answered, so everything about how it failed is its choice
(an exception's class, a line, an exit status, a value) and could spell out those inputs: a
failed hidden case's text is ``redaction.hidden_failure_text(case, what)``, a function of the
part and the case alone, whatever happened (a wrong answer, a time out, a death, a reply too
large or malformed, the submission's time used up).
"""

import json
import os
import secrets
import tempfile
import time
from dataclasses import dataclass

import numpy as np

from . import cases as course_cases
from . import oracles, protocol, redaction, sandbox
from .oracles import reference
from .probe_process import PROBE_LIMITS, SUBMISSION_SECONDS, GraderError, Probe, ProbeNotStarted
from .tree import build_tree

# Seconds a case may take (the sandbox is loaded at most by the course's workers): the
# reference needs milliseconds, training 0.2 s. The notebook states these limits (a test
# keeps them in step).
CASE_SECONDS = 5.0
TRAINING_SECONDS = 15.0
# SUBMISSION_SECONDS: every case of a submission together (probe_process: the probes' CPU
# time too). PROBE_LIMITS, GraderError and ProbeNotStarted are the probe's (probe_process).
__all__ = [
    "CASE_SECONDS",
    "PROBE_LIMITS",
    "SUBMISSION_SECONDS",
    "TRAINING_SECONDS",
    "GraderError",
    "ProbeNotStarted",
    "Verdict",
    "grade",
]


@dataclass(frozen=True)
class Verdict:
    """A part's trusted result: passed or not, and the text a student sees."""

    part: str
    passed: bool
    text: str
    # A visible case failed: then the notebook's own test of this part must have failed too.
    visible_failed: bool = False
    # The visible failure is one that the notebook's test, run on the same code, shows too,
    # whatever the environment: the student's code answered and the answer was judged wrong,
    # or it raised an error no limit causes (see ``certain``). Only such a failure may flag
    # a submission whose notebook said "passed" (preprocessors.TrustedGrades).
    certain: bool = False


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
                certain = False
                if left <= 0:
                    message = f"[{case.part}] {what} {engine.MISTAKES['out_of_time']}"
                else:
                    message, probe, certain = _run(
                        engine, judges, case, min(_seconds(case), left), probe, tree
                    )
                if message is not None:
                    if case.hidden:  # the one text of a failed hidden case: see the docstring
                        message = redaction.hidden_failure_text(case, what)
                    failed[case.part] = (message, not case.hidden, certain and not case.hidden)
        finally:
            if probe is not None:
                probe.close()
    for part in dict.fromkeys(c.part for c in cases):
        if part in failed:
            text, visible, certain = failed[part]
            verdicts[part] = Verdict(part, False, text, visible, certain)
        else:
            passed = [c for c in cases if c.part == part]
            verdicts[part] = Verdict(part, True, engine.passed_text(part, passed))
    return verdicts


def _seconds(case):
    return TRAINING_SECONDS if case.part == "trained_accuracy" else CASE_SECONDS


def _run(engine, judges, case, seconds, probe, tree):
    """Run ``case`` on ``probe`` (started if None): (None if it passed, else a message; the
    probe to go on with, None once it had to be ended; whether a failure is ``certain``).

    The message is for a visible case; for a hidden one ``grade`` shows none of it, and none
    is made of a stack or an exit status here.
    """
    probe = probe or Probe(tree)
    desk = judges[case.part].desk
    if desk is not None:  # what it hands out is drawn here at random: see solver.Desk
        desk = desk(case.inputs, np.random.default_rng(secrets.randbits(128)))
    status, reply = probe.ask(case, seconds, desk)
    if status == "ok":
        message = _judge(engine, judges, case, reply, desk)
        return message, probe, message is not None and certain(reply)
    if case.hidden:
        message = status
    elif status == "too_large":  # the rest of the reply is still in the pipe
        message = f"[{case.part}] {engine.MISTAKES['bad_reply']} (too large)"
    else:
        record = {"error": "crashed", "message": probe.death()}
        if status == "timeout":
            file, line, source = redaction.looping_line(probe.stack(), tree)
            record = {"error": "timeout", "file": file, "line": line, "source": source}
        message = f"[{case.part}] {engine.error_text(case, judges[case.part].what, record)}"
    probe.close()
    return message, None, False


# Errors that honest code may meet in one process and not in another: a limit of the sandbox
# (memory, processes, time), the file system or an import. A failure that rests on one of
# these is never certain: the notebook's kernel runs under other limits.
_ENVIRONMENT = (MemoryError, OSError, ImportError, RecursionError, KeyboardInterrupt)


def _with_subclasses(cls):
    yield cls
    for sub in cls.__subclasses__():
        yield from _with_subclasses(sub)


ENVIRONMENT_ERRORS = frozenset(
    cls.__name__ for base in _ENVIRONMENT for cls in _with_subclasses(base)
)


def certain(reply):
    """Whether a reply that failed its case shows the same failure in any process: every
    error record in it (the student's code raised) is one no environment causes
    (``ENVIRONMENT_ERRORS``, a time out, a stop, a crash)."""
    try:
        outputs = protocol.from_plain(json.loads(reply)["outputs"])
    except Exception:  # a malformed reply: not the student's code's answer
        return False
    return not any(_environmental(record) for record in _records(outputs))


def _records(value):
    if isinstance(value, dict):
        if "error" in value:
            yield value
            return
        for item in value.values():
            yield from _records(item)
    elif isinstance(value, list):
        for item in value:
            yield from _records(item)


def _environmental(record):
    return record.get("error") in ("interrupted", "timeout", "crashed") or (
        record.get("type") in ENVIRONMENT_ERRORS
    )


def _judge(engine, judges, case, reply, desk=None):
    """None if the reply passes the case, else the failure's message.

    A part with a desk is judged on the desk's log (``desk.record()``), never on what the
    probe says it did. Anything malformed fails the case, never crashes the grader.
    """
    try:
        data = json.loads(reply)
        if not isinstance(data, dict) or data.get("id") != case.id:
            raise protocol.PlainDataError("a reply for another case")
        outputs = protocol.from_plain(data["outputs"])
        if not isinstance(outputs, dict):
            raise protocol.PlainDataError("outputs that are not a mapping")
        if "probe" in outputs:
            raise protocol.PlainDataError("the probe itself failed")
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

"""The engine of the grading checks: one contract for every graded part.

A part (``loss.BCE_FORWARD``, ``classifier.SIGMOID``, ...) is checked on cases. A case is
plain data: its inputs, and a sentence saying what it tests. For each case

    probe(inputs, desk) -> outputs      calls the student's code; outputs are plain data
    judge(case, outputs, expectation)   passes, or raises GradingFailure naming the mistake

``probe`` is the only function that runs student code. ``judge`` never does: it reads plain
data only (numbers, strings, lists, numpy arrays: see ``plain``), so it can run in a process
the student's code cannot reach. ``desk`` is None but for a part whose probe hands the
student's code stand-ins (``Part.desk``): the stand-ins call ``desk.call(name, args)``, and
the desk's log (``desk.record()``) joins the expectation the judge reads.

In the notebook, ``check`` runs both in the student's kernel, with the expectations of the
visible cases stored in ``expected.json`` and the desk in the same process. When a submission
is graded, ``tools/grader`` runs the probe in a sandboxed child process and the judge in the
grader, on the same plain data, against expectations computed from the reference, with the
desk in the grader: the judge is the same function, given the same kinds of data.
"""

import contextlib
import linecache
import os
import re
import textwrap
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

from .messages import MISTAKES

# Every comparison with the reference: a relative 1e-6, or an absolute 1e-6 near zero. Any
# correct formula (floors of the probability included, see loss.py) is far inside; every
# recognised mistake is far outside (the closest, dividing by N twice, is off by a factor N).
RTOL = 1e-6
ATOL = 1e-6
# What a probe reports (see ``plain``): no more than this many numbers in an array, characters
# in a string, items in a list.
MAX_ARRAY = 1_000_000
MAX_TEXT = 300
MAX_ITEMS = 100
PACKAGE = "exercise_code"


class GradingFailure(AssertionError):
    """A check failed; the message says which part and why."""

    def _render_traceback_(self):
        """What IPython shows instead of a traceback: the message alone, wrapped.

        A traceback would show the grading code around the failing call; the message already
        names the part, the mistake and the line of the student's code. Its lines are wrapped
        so that narrow views (nbgrader's Validate dialog) show all of it.
        """
        return [traceback_text(str(self))]


def wrap(text, width=88):
    """``text`` with line breaks at spaces, so that no line is much longer than ``width``."""
    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)


def traceback_text(message):
    """How a failure shows in a cell: 'GradingFailure: message' (the name in red), wrapped."""
    name = GradingFailure.__name__
    return wrap(f"{name}: {message}").replace(name, f"\x1b[0;31m{name}\x1b[0m", 1)


class PlainDataError(ValueError):
    """A result too large or too deeply nested to report (see ``plain``)."""


@dataclass(frozen=True)
class Case:
    """One set of inputs for one part.

    :param part: the part's name, e.g. ``"bce_forward"``.
    :param name: the case's name within the part, e.g. ``"stored"``.
    :param about: what it tests, for messages: ``"at predictions exactly 0 and 1"``.
    :param inputs: plain data, its arrays as stored (see ``stored``).
    :param hidden: a hidden case: its inputs and expected values are never shown to a student.
    """

    part: str
    name: str
    about: str
    inputs: dict = field(default_factory=dict)
    hidden: bool = False

    @property
    def id(self):
        return f"{self.part}/{self.name}"

    def to_plain(self):
        return {
            "part": self.part,
            "name": self.name,
            "about": self.about,
            "inputs": self.inputs,
            "hidden": self.hidden,
        }

    @classmethod
    def from_plain(cls, data):
        return cls(data["part"], data["name"], data["about"], data["inputs"], data["hidden"])


@dataclass(frozen=True)
class Part:
    """A graded part: the student's file, its probe, its judge and what it is called.

    :param what: the method under test, for messages: ``"BCE.forward"``.
    :param file: the student's file it lives in, relative to the assignment folder.
    :param desk: for a part whose probe hands the student's code stand-ins, the class of the
        desk they call: ``desk(inputs)`` hands out fixed values (the notebook), the grader
        makes its own (see ``solver.Desk``); None for the others.
    :param own: for a part whose expectation the grader computes from the student's outputs
        with the reference (``tools/grader/oracles.py``), what the notebook, which has no
        reference, takes instead from the student's own outputs: ``own(outputs) -> dict``.
    """

    name: str
    what: str
    file: str
    probe: object
    judge: object
    desk: object = None
    own: object = None

    def outputs(self, inputs, desk=None):
        """The probe's outputs on ``inputs``; a part with a desk gets ``desk`` too."""
        return self.probe(inputs, desk) if self.desk else self.probe(inputs)


# --------------------------------------------------------------------------- plain data


def plain(value, depth=0):
    """``value`` as a judge reads it: what a probe reports of the student's results.

    None, bool, int, float, str (cut at MAX_TEXT characters), a list (not at the top: a list
    or tuple returned is an object), a dict with str keys, a numpy array (a fresh base-class
    copy, of dtype float64, int64 or bool), or ``{"object": type name}`` for anything else
    (with ``"len"`` for a sized object). In the notebook the judge reads this directly; when a
    submission is graded it crosses from the sandboxed probe to the grader unchanged.
    :raises PlainDataError: too large or too deeply nested.
    """
    if depth > 4:
        raise PlainDataError("nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        if isinstance(value, str) and len(value) > MAX_TEXT:
            return value[:MAX_TEXT] + "..."
        return value
    if isinstance(value, (int, float, np.integer, np.floating, np.bool_)) and not isinstance(
        value, np.ndarray
    ):
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if isinstance(value, (int, np.integer)):
            return int(value)
        return float(value)
    if isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            raise PlainDataError("too many items")
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        array = np.array(value)  # a base-class copy: no subclass, no view of the student's memory
        if array.size > MAX_ARRAY:
            raise PlainDataError(f"an array of {array.size} numbers")
        return array.astype(
            {"b": "bool", "i": "int64", "u": "int64", "f": "float64"}[array.dtype.kind]
        )
    if isinstance(value, (list, tuple)) and depth > 0:
        if len(value) > MAX_ITEMS:
            raise PlainDataError("too many items")
        return [plain(v, depth + 1) for v in value]
    return describe(value)


def describe(value):
    """``{"object": type name}`` (with ``"len"`` for a sized object): an opaque result."""
    out = {"object": type(value).__name__[:60]}
    with contextlib.suppress(Exception):
        out["len"] = len(value)
    return out


def stored(data):
    """Data the course wrote (expected.json, a case's inputs), its arrays as numpy arrays.

    An array is stored as ``{"array": dtype, "shape": [...], "data": [...]}``.
    """
    if isinstance(data, list):
        return [stored(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "array" in data:
        return np.array(data["data"], dtype=data["array"]).reshape(data["shape"])
    return {k: stored(v) for k, v in data.items()}


# --------------------------------------------------------------------------- student code


def _where(exc):
    """(file, line, source) of the innermost frame of ``exc`` in the student's own files, else
    in the student's package; ``source`` is the whole statement (a statement over several
    lines joined into one), never its first line alone.

    The grading package itself is skipped: the student's own line is what to look at. A
    course file that raised (the checks of networks/validation.py) is named only when no
    student file is on the way: the student's line that called it says more.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    if isinstance(exc, SyntaxError) and exc.filename:
        frames.append(traceback.FrameSummary(exc.filename, exc.lineno or 0, "", line=exc.text))
    found = [
        (rel, frame)
        for frame in reversed(frames)
        if (rel := _package_path(frame.filename)) and not rel.startswith(f"{PACKAGE}/grading/")
    ]
    from . import STUDENT_FILES  # the package is loaded by now

    for rel, frame in sorted(found, key=lambda item: item[0] not in STUDENT_FILES):
        return rel, int(frame.lineno or 0), _statement(frame)[:MAX_TEXT]
    return None, None, None


def _statement(frame):
    """The source of ``frame``'s statement, its lines joined (``frame.line`` is the first)."""
    first = (frame.line or "").strip()
    end = getattr(frame, "end_lineno", None)
    if not frame.lineno or not end or end <= frame.lineno:
        return first
    lines = linecache.getlines(frame.filename)[frame.lineno - 1 : end]
    text = " ".join(line.strip() for line in lines)
    text = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", text))
    return text if text.startswith(first) else first


def _package_path(filename):
    """``exercise_code/...`` for a file inside the package, else None."""
    parts = os.path.abspath(filename).split(os.sep)
    if PACKAGE not in parts:
        return None
    return "/".join(parts[len(parts) - 1 - parts[::-1].index(PACKAGE) :])


def error_record(exc):
    """Plain data describing an exception raised by student code."""
    if isinstance(exc, NotImplementedError):
        kind = "not_implemented"
    elif isinstance(exc, KeyboardInterrupt):
        kind = "interrupted"
    elif isinstance(exc, SystemExit):
        kind = "exited"
    elif isinstance(exc, (FloatingPointError, RuntimeWarning)):
        kind = "fp_warning"
    else:
        kind = "exception"
    file, line, source = _where(exc)
    return {
        "error": kind,
        "type": type(exc).__name__[:60],
        "message": str(exc)[:MAX_TEXT],
        "file": file,
        "line": line,
        "source": source,
    }


def call(fn, *args, strict_fp=False, **kwargs):
    """Run ``fn(*args, **kwargs)`` (student code); return its result or an error record.

    :param strict_fp: numpy's overflow, division by zero and invalid values become errors
        (underflow to 0 is correct rounding and stays allowed). The student's own
        ``np.errstate`` or warning filters inside ``fn`` still take precedence.
    :return: ``("ok", result)`` or ``("error", record)``.
    """
    with contextlib.ExitStack() as stack:
        if strict_fp:
            stack.enter_context(np.errstate(over="raise", divide="raise", invalid="raise"))
            stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("error", RuntimeWarning)
        try:
            return "ok", fn(*args, **kwargs)
        except BaseException as exc:  # everything student code may raise, exits included
            return "error", error_record(exc)


def run(fn, *args, strict_fp=False, **kwargs):
    """``call``, with the result turned into plain data (an error record on failure)."""
    status, value = call(fn, *args, strict_fp=strict_fp, **kwargs)
    if status == "error":
        return value
    try:
        return plain(value)
    except PlainDataError as exc:
        return {"error": "exception", "type": "PlainDataError", "message": str(exc)}


def is_error(value):
    return isinstance(value, dict) and "error" in value


def array_input(value):
    """An input of a case (plain data, or already decoded) as a fresh float64 array."""
    return np.array(stored(value), dtype=np.float64)


# --------------------------------------------------------------------------- judging


def fail(case, text):
    raise GradingFailure(f"[{case.part}] {text}")


def error_text(case, what, record, fp_hint=""):
    """The message for an error record: what raised, where, and why."""
    kind = record.get("error")
    where = ""
    if record.get("file"):
        file = record["file"].removeprefix(f"{PACKAGE}/")
        where = f" (in {file}, line {record['line']}: {record.get('source') or ''})"
    if kind == "not_implemented":
        return f"{what}: {MISTAKES['not_implemented']}{where}"
    if kind in ("interrupted", "timeout"):
        return f"{what} {MISTAKES['interrupted']}{where}."
    if kind == "exited":
        return f"{what}: your code {MISTAKES['exited']}."
    if kind == "crashed":
        return f"{what}: {MISTAKES['crashed']} ({record.get('message', '')})."
    detail = f": {record.get('message', '')}"
    if kind == "fp_warning":
        hint = f". {fp_hint}" if fp_hint else ""
        return f"{what}: {MISTAKES['fp_warning']}{detail}{where}{hint}"
    return f"{what}: {MISTAKES['exception']}, {record.get('type')}{detail}{where}"


def value_of(case, what, outputs, key, fp_hint=""):
    """The output ``key`` decoded, or a GradingFailure for the error it holds."""
    value = outputs.get(key)
    if is_error(value):
        fail(case, error_text(case, what, value, fp_hint))
    return value


def as_array(case, what, value):
    """A value as a float64 array, or a failure naming what it is instead."""
    if value is None:
        fail(case, f"{what} {MISTAKES['returned_none']}")
    if isinstance(value, np.ndarray):
        return value.astype(np.float64)
    if isinstance(value, (int, float)):
        return np.array(float(value))
    if isinstance(value, dict) and "object" in value:
        fail(case, f"{what} returned {a(value['object'])}, not an array of numbers")
    fail(case, f"{what} returned {type(value).__name__}, not an array of numbers")


def a(name):
    """'a list', 'an object': a type's name with its article."""
    return f"{'an' if str(name)[:1].lower() in 'aeiou' else 'a'} {name}"


def close(actual, expected, rtol=RTOL, atol=ATOL):
    """Same shape and equal within rtol/atol (NaN never equals anything)."""
    expected = np.asarray(expected, dtype=np.float64)
    return actual.shape == expected.shape and bool(
        np.allclose(actual, expected, rtol=rtol, atol=atol)
    )


def summary(actual, expected):
    """'got [...], expected [...]', with both shapes when they differ."""
    a, b = np.ravel(actual), np.ravel(expected)
    with np.printoptions(precision=6, threshold=12, linewidth=10_000):
        if np.shape(actual) != np.shape(expected):
            # Flattened, a transposed result looks right: the shapes tell the difference.
            return f"got shape {np.shape(actual)} {a}, expected shape {np.shape(expected)} {b}"
        return f"got {a}, expected {b}"


def compare(case, what, actual, expected, mistakes=()):
    """Fail unless ``actual`` equals ``expected`` within RTOL/ATOL; name a known mistake.

    :param actual: the student's value (already a float64 array).
    :param mistakes: (key, value) pairs: what a known mistake gives on the same input.
    """
    expected = np.asarray(expected, dtype=np.float64)
    if close(actual, expected):
        return
    values = f" ({summary(actual, expected)})"
    if not np.all(np.isfinite(actual)):
        fail(case, f"{what} {MISTAKES['not_finite']}{values}")
    name_mistake(case, what, actual, expected, mistakes)
    if actual.shape != expected.shape:
        if actual.size == expected.size and close(actual.reshape(expected.shape), expected):
            hint = f"the values are right; return shape {expected.shape}"
        else:
            hint = f"expected shape {expected.shape}"
        fail(case, f"{what} {MISTAKES['wrong_shape']} {actual.shape}: {hint}.")
    fail(case, f"{what} is wrong{values}")


def name_mistake(case, what, actual, expected, mistakes):
    """Fail naming the first known mistake whose value ``actual`` equals (if any)."""
    for key, wrong in mistakes:
        if wrong is not None and close(actual, np.asarray(wrong, dtype=np.float64)):
            fail(case, f"{what} {MISTAKES[key]} ({summary(actual, expected)})")


def passed_text(part, cases):
    """'[part] passed: <what each case tested>' for the cases a part passed."""
    visible = [c.about for c in cases if not c.hidden]
    hidden = [c.about for c in cases if c.hidden]
    text = f"[{part}] passed: " + "; ".join(visible)
    if hidden:
        text += f"; and {len(hidden)} hidden test{'s' if len(hidden) > 1 else ''}: "
        text += "; ".join(hidden)
    return text

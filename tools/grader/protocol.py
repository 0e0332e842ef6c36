"""The wire between the grader and its sandboxed probe: plain data as JSON, and its lines.

Used on both ends: by the grader (``tools.grader``), and by the probe process
(``tools/grader/probe.py``), which runs it from the copy ``tree.build_tree`` puts into the
probe's tree as the package ``PROBE_PACKAGE`` (``_grader``). It imports numpy only, never the
course's package or a student's.

Plain data (what ``exercise_code.grading.engine.plain`` makes of a result) travels as JSON, an
array as ``{"array": dtype, "shape": [...], "data": [...]}`` with dtype float64, int64 or bool:
``to_plain`` writes it, ``from_plain`` reads it back and validates every byte of it (kinds,
sizes, nesting), since what the probe writes is the student's code's to forge.

The lines, each one JSON object:

    probe -> grader  READY                             started, no student code run yet
    grader -> probe  {"case": ..., "seconds": ...}     run this case (inputs only)
    probe -> grader  {"call": name, "args": [...]}     a stand-in asks the grader's desk
    grader -> probe  {"result": ...} | {"refused": true}
    probe -> grader  {"id": case id, "outputs": ...}   the case's outputs
"""

import json
import math

import numpy as np

READY = '{"ready": true}'
# What a reply may hold (engine.plain keeps a student's results within these): no more than
# this many numbers in an array, characters in a string, items in a list or mapping.
MAX_ARRAY = 1_000_000
MAX_TEXT = 300
MAX_ITEMS = 100
# Arguments of one stand-in's call.
MAX_ARGS = 4
_KINDS = {"b": "bool", "i": "int64", "u": "int64", "f": "float64"}


class PlainDataError(ValueError):
    """Data from a probe is not plain data of the allowed kinds and sizes."""


def to_plain(value):
    """Plain data (numpy arrays and scalars included) as JSON-ready data.

    :raises PlainDataError: something that is not plain data (``engine.plain`` says what a
        result is instead: ``{"object": type name}``).
    """
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _KINDS:
            raise PlainDataError(f"an array of {value.dtype}")
        kind = _KINDS[value.dtype.kind]
        return {
            "array": kind,
            "shape": list(value.shape),
            "data": value.astype(kind).ravel().tolist(),
        }
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if value is None or isinstance(value, str):
        return value
    raise PlainDataError(f"not plain data: {type(value).__name__}")


def from_plain(data, depth=0):
    """Validate plain data and turn its array dicts into numpy arrays (the rest unchanged).

    :raises PlainDataError: anything that is not plain data of the allowed kinds and sizes.
    """
    if depth > 6:
        raise PlainDataError("nested too deeply")
    if data is None or isinstance(data, (bool, int)):
        return data
    if isinstance(data, float):
        return data
    if isinstance(data, str):
        if len(data) > MAX_TEXT + 3:
            raise PlainDataError("a string too long")
        return data
    if isinstance(data, list):
        if len(data) > MAX_ITEMS:
            raise PlainDataError("a list too long")
        return [from_plain(v, depth + 1) for v in data]
    if not isinstance(data, dict):
        raise PlainDataError(f"not plain data: {type(data).__name__}")
    if len(data) > MAX_ITEMS or not all(isinstance(k, str) for k in data):
        raise PlainDataError("a malformed mapping")
    if "array" in data:
        return _array_from_plain(data)
    return {k: from_plain(v, depth + 1) for k, v in data.items()}


def _array_from_plain(data):
    if set(data) != {"array", "shape", "data"}:
        raise PlainDataError("a malformed array")
    kind, shape, values = data["array"], data["shape"], data["data"]
    if kind not in ("float64", "int64", "bool"):
        raise PlainDataError(f"an array of {kind!r}")
    if not (
        isinstance(shape, list)
        and len(shape) <= 8
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
    ):
        raise PlainDataError("a malformed shape")
    size = math.prod(shape)
    if size > MAX_ARRAY or not isinstance(values, list) or len(values) != size:
        raise PlainDataError("an array whose data does not match its shape")
    allowed = (bool,) if kind == "bool" else (int,) if kind == "int64" else (int, float)
    if not all(isinstance(v, allowed) for v in values):
        raise PlainDataError(f"an {kind} array with other values")
    try:
        return np.array(values, dtype=kind).reshape(shape)
    except (OverflowError, ValueError) as exc:  # an integer beyond int64 or float64
        raise PlainDataError(f"an {kind} array with values out of range") from exc


# --------------------------------------------------------------------------- the desk's calls


def desk_request(line):
    """The request of a line that asks a desk (``{"call": ..., "args": [...]}``), else None."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) and "call" in data and "id" not in data else None


def answer(desk, request):
    """The desk's answer to a request, as plain data; a refusal if anything is amiss.

    ``desk`` is the grader's (a part's ``Desk``): it names the arguments and keeps the log.
    """
    try:
        name, args = request["call"], request["args"]
        if not isinstance(name, str) or not isinstance(args, list) or len(args) > MAX_ARGS:
            raise PlainDataError("a malformed call")
        return {"result": to_plain(desk.call(name, [from_plain(a) for a in args]))}
    except Exception:  # whatever the request held: it is refused, never a crash here
        return {"refused": True}

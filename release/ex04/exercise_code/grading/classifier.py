"""Parts 3, 4 and 5: ``Classifier.sigmoid``, ``forward`` and ``backward``
(exercise_code/networks/classifier.py).

Forward and backward run with a stand-in for ``self.sigmoid``, ``stand_in``, so that a bug in
the sigmoid (part 3) costs no points in parts 4 and 5. It is a different squashing function,
0.5 + arctan(s) / pi, so the expected outputs cannot be mistaken for sigmoid values; a forward
pass that computes its own (correct) sigmoid instead is accepted too.

Backward is judged on its own: it passes if it gives the right dW on a fresh model whose
``self.cache`` holds what a correct forward gives (X, [X, 1], the logits, the probabilities),
placed in the layout the student's own forward chose (a tuple of any order, a dict; when
forward raised, or filled the cache some other way, every usual layout is tried), or if it
gives, after the student's own forward, the dW that follows from the probabilities that
forward returned. A mistake in forward never costs the points of backward.
"""

import numpy as np

from .engine import (
    Part,
    array_input,
    as_array,
    call,
    close,
    compare,
    error_text,
    fail,
    is_error,
    name_mistake,
    run,
    summary,
    value_of,
)
from .messages import MISTAKES

FILE = "exercise_code/networks/classifier.py"


def stand_in(s):
    """The stand-in sigmoid of parts 4 and 5: 0.5 + arctan(s) / pi, in (0, 1), increasing."""
    return 0.5 + np.arctan(np.asarray(s, dtype=np.float64)) / np.pi


def stand_in_inverse(z):
    """The logits s with stand_in(s) = z."""
    return np.tan(np.pi * (np.asarray(z, dtype=np.float64) - 0.5))


def _classifier(num_features):
    from exercise_code.networks.classifier import Classifier

    return Classifier(num_features=num_features)


# --------------------------------------------------------------------------- sigmoid


def probe_sigmoid(inputs):
    x = array_input(inputs["x"])
    return {"out": run(lambda: _classifier(2).sigmoid(x.copy()), strict_fp=True)}


def judge_sigmoid(case, outputs, expected):
    shape = np.shape(expected["out"])
    what = f"sigmoid(x) for x of shape {shape}"
    hint = f"Your sigmoid {MISTAKES['sigmoid_overflow']}."
    out = as_array(case, what, value_of(case, what, outputs, "out", hint))
    if out.shape == shape and np.any((out < 0) | (out > 1)):
        fail(case, f"{what} {MISTAKES['sigmoid_range']}")
    compare(case, what, out, expected["out"], [("sigmoid_sign", 1 - np.asarray(expected["out"]))])


SIGMOID = Part("sigmoid", "Classifier.sigmoid", FILE, probe_sigmoid, judge_sigmoid)
# Robustness, graded in a cell of its own: large |x| without a numpy warning.
SIGMOID_ROBUST = Part("sigmoid_robust", "Classifier.sigmoid", FILE, probe_sigmoid, judge_sigmoid)


# --------------------------------------------------------------------------- forward


def _model(inputs):
    X, W = array_input(inputs["X"]), array_input(inputs["W"])
    status = {}

    def build():
        model = _classifier(X.shape[1])
        model.W = W.copy()
        model.sigmoid = stand_in  # an instance attribute: self.sigmoid(s) calls it
        status["model"] = model

    return X, status, run(build)


def probe_forward(inputs):
    X, made, error = _model(inputs)
    if "model" not in made:
        return {"z": error}
    X_in = X.copy()
    out = {"z": run(lambda: made["model"].forward(X_in))}
    out["X_unchanged"] = bool(np.array_equal(X_in, X))
    return out


def judge_forward(case, outputs, expected):
    what = f"model.forward(X) for X of shape {tuple(case.inputs['X']['shape'])}"
    z = as_array(case, what, value_of(case, what, outputs, "z"))
    if not outputs.get("X_unchanged", True):
        fail(case, f"{what} changed X in place: never modify the input data.")
    if close(z, expected["z"]) or close(z, expected["z_sigmoid"]):
        return
    name_mistake(case, what, z, expected["z"], expected["mistakes"])
    if z.shape == np.shape(expected["z"]) and np.all(np.isfinite(z)):
        # The stand-in sigmoid can be undone: show the logits forward gave it.
        fail(
            case,
            f"{what} {MISTAKES['forward_unexpected_logits']}: "
            f"{summary(stand_in_inverse(z), expected['logits'])}",
        )
    compare(case, what, z, expected["z"])


CLASSIFIER_FORWARD = Part(
    "classifier_forward", "Classifier.forward", FILE, probe_forward, judge_forward
)


# --------------------------------------------------------------------------- backward


def probe_backward(inputs):
    X, made, error = _model(inputs)
    if "model" not in made:
        return {"z": error, "dW": error}
    model = made["model"]
    dout = array_input(inputs["dout"])
    X_in = X.copy()
    status, raw = call(lambda: model.forward(X_in))
    out = {"z": run(lambda: raw) if status == "ok" else raw}
    # The layout of the student's own cache, read before their backward runs on it.
    layout = _layout(model.cache, X, raw) if status == "ok" else None
    if status == "ok":
        out["dW"] = run(lambda: model.backward(dout.copy()))
    right = status == "ok" and _is_close(raw, array_input(inputs["z_fallback"]))
    out["dW_planted"] = _backward_on_planted_caches(inputs, X, dout, layout, right)
    return out


# What a slot of a cache may hold: X, [X, 1], the logits s or the probabilities z.
_KEYS = {
    "X": ("X", "x", "inputs", "input", "data", "X_train"),
    "z": ("z", "out", "output", "y", "y_hat", "yhat", "sigmoid", "sig", "a", "probs", "pred"),
    "s": ("s", "logits", "scores", "linear", "affine", "y_lin", "h"),
}


def _layout(cache, X, z):
    """How the student's forward filled ``self.cache``: ``("tuple", [tag, ...])`` or
    ``("dict", {key: tag})``, each slot tagged "X", "X1" ([X, 1]), "z" (what forward
    returned) or "s" (another (N, 1) or (N,) array: the logits), with its shape; None when a
    slot is none of these."""

    def tag(value):
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
            return None
        n, d = X.shape
        if value.shape == X.shape and np.array_equal(value, X):
            return ("X", value.shape)
        if value.shape == (n, d + 1) and np.array_equal(value, np.hstack([X, np.ones((n, 1))])):
            return ("X1", value.shape)
        if isinstance(z, np.ndarray) and value.shape == z.shape and np.array_equal(value, z):
            return ("z", value.shape)
        if value.shape in ((n, 1), (n,)):
            return ("s", value.shape)
        return None

    try:
        if isinstance(cache, (tuple, list)) and 1 <= len(cache) <= 4:
            tags = [tag(v) for v in cache]
            return None if None in tags else ("tuple", tags)
        if isinstance(cache, dict) and 1 <= len(cache) <= 8:
            tags = {k: tag(v) for k, v in cache.items()}
            return None if None in tags.values() else ("dict", tags)
    except Exception:  # an odd cache: no layout, every usual one is tried
        return None
    return None


def _conventions(n, d):
    """The usual layouts, for a forward that raised or filled the cache in no known way:
    (X, z), the slides' ([X, 1], z), (X, s), ([X, 1], s), the 3-tuples of X, s and z, and
    dicts keyed by the usual names."""
    X, X1, col = ("X", (n, d)), ("X1", (n, d + 1)), (n, 1)
    tuples = [[x, (t, col)] for x in (X, X1) for t in ("z", "s")] + [
        [x, (a, col), (b, col)] for x in (X, X1) for a, b in (("s", "z"), ("z", "s"))
    ]
    dicts = [
        {key: slot for name, slot in (("X", x), ("z", ("z", col)), ("s", ("s", col)))
         for key in _KEYS[name]}
        for x in (X, X1)
    ]  # fmt: skip
    return [("tuple", t) for t in tuples] + [("dict", d) for d in dicts]


def _backward_on_planted_caches(inputs, X, dout, layout, right=True):
    """backward on fresh models whose cache holds what a correct forward gives (X, [X, 1],
    the logits s, the probabilities z of the stand-in sigmoid) in the layout of the
    student's own cache (in (N, 1) and in the student's own shapes), or, with no layout, in
    every usual one: a correct backward gets its points whatever forward did. When forward
    did not return the right z (``right`` False), a slot holding what it returned is also
    tried with the logits: such a forward returned its logits."""
    W = array_input(inputs["W"])
    n, d = X.shape
    values = {
        "X": X,
        "X1": np.hstack([X, np.ones((n, 1))]),
        "s": X @ W[:-1] + W[-1],
        "z": array_input(inputs["z_fallback"]),
    }
    if layout is None:
        layouts = _conventions(n, d)
    else:
        layouts = [layout]
        if not right:  # what forward returned is not z: a slot holding it may be the logits
            layouts += _logits_for_z(layout)
        column = [_reshaped(x, lambda tag, shape: (tag, (n, 1) if tag in "sz" else shape))
                  for x in layouts]  # fmt: skip
        layouts = list({repr(x): x for x in column + layouts}.values())
    results = []
    for kind, slots in layouts:
        _, made, error = _model(inputs)
        if "model" not in made:
            results.append(error)
            continue

        def plant(slot):
            tag, shape = slot
            return values[tag].reshape(shape).copy()

        if kind == "tuple":
            made["model"].cache = tuple(plant(slot) for slot in slots)
        else:
            made["model"].cache = {key: plant(slot) for key, slot in slots.items()}
        results.append(run(lambda model=made["model"]: model.backward(dout.copy())))
    return results


def _logits_for_z(layout):
    """``layout`` with its slots tagged "z" tagged "s" instead, one set at a time."""
    kind, slots = layout
    keys = list(range(len(slots))) if kind == "tuple" else list(slots)
    zs = [k for k in keys if slots[k][0] == "z"]
    out = []
    for mask in range(1, 2 ** len(zs)):
        changed = list(slots) if kind == "tuple" else dict(slots)
        for i, k in enumerate(zs):
            if mask >> i & 1:
                changed[k] = ("s", slots[k][1])
        out.append((kind, changed))
    return out


def _reshaped(layout, change):
    kind, slots = layout
    if kind == "tuple":
        return kind, [change(*slot) for slot in slots]
    return kind, {key: change(*slot) for key, slot in slots.items()}


def judge_backward(case, outputs, expected):
    what = "model.backward(dout)"
    planted = expected["planted"]
    if close_to_any(outputs.get("dW_planted"), planted["dW_options"]):
        return  # right on the cache a correct forward fills, in the student's layout
    # The expected dW of the student's own run follows from the probabilities forward
    # returned (z_assumed). When grading, they are computed from the student's own z; in the
    # notebook they are stored for the reference's z only.
    z = outputs.get("z")
    if isinstance(z, np.ndarray) and close(z.astype(np.float64), expected["z_assumed"]):
        dW = as_array(case, what, value_of(case, what, outputs, "dW"))
        if any(close(dW, option) for option in expected["dW_options"]):
            return
        _name_backward_mistake(case, what, dW, expected, expected)
    # Forward gave other probabilities (or raised): backward is judged on the planted cache.
    what = (
        "model.backward(dout), run on self.cache filled as your forward fills it but with "
        "the values a correct forward gives,"
    )
    results = outputs.get("dW_planted") or [None]
    dW = as_array(case, what, _value(case, what, results[0]))
    _name_backward_mistake(case, what, dW, planted, expected)


def _value(case, what, value):
    if is_error(value):
        fail(case, error_text(case, what, value))
    return value


def _name_backward_mistake(case, what, dW, options, expected):
    """Fail naming what ``dW`` got wrong against ``options`` (dW_options and mistakes)."""
    reference = np.asarray(options["dW_options"][0], dtype=np.float64)
    n, d = expected["num_samples"], len(reference) - 1
    if dW.ndim == 2 and dW.shape[0] == n and n != d + 1:
        fail(case, f"{what} {MISTAKES['backward_per_sample']} (got {dW.shape}).")
    if dW.size == d and close(dW.reshape(d, 1), reference[:-1]):
        fail(case, f"{what} {MISTAKES['backward_no_bias']} (got {dW.shape}).")
    if (
        dW.shape == reference.shape
        and close(dW[:-1], reference[:-1])
        and not close(dW[-1:], reference[-1:])
    ):
        fail(case, f"{what} {MISTAKES['backward_no_bias']}.")
    compare(case, what, dW, reference, options["mistakes"])


def _is_close(value, expected):
    """Whether the student's ``value`` is an array equal to ``expected`` (engine tolerances)."""
    try:
        return isinstance(value, np.ndarray) and close(value.astype(np.float64), expected)
    except Exception:  # an odd array: not the right z
        return False


def close_to_any(results, options):
    """Whether one of ``results`` (decoded outputs) is an array equal to one of ``options``."""
    return any(
        isinstance(result, np.ndarray) and close(result.astype(np.float64), option)
        for result in results or ()
        for option in options
    )


CLASSIFIER_BACKWARD = Part(
    "classifier_backward", "Classifier.backward", FILE, probe_backward, judge_backward
)

"""Parts 3, 4 and 5: ``Classifier.sigmoid``, ``forward`` and ``backward``
(exercise_code/networks/classifier.py).

Forward and backward run with a stand-in for ``self.sigmoid``, ``stand_in``, so that a bug in
the sigmoid (part 3) costs no points in parts 4 and 5. It is a different squashing function,
0.5 + arctan(s) / pi, so the expected outputs cannot be mistaken for sigmoid values; a forward
pass that computes its own (correct) sigmoid instead is accepted too. Backward is run after
the student's own forward on the same model, whatever forward keeps in ``self.cache``, and is
judged against the probabilities that forward returned: a mistake in forward does not cost the
points of backward, unless those probabilities are all 0 or 1, where sigma' = 0 and every
backward gives 0. If forward raises, backward runs on the cache a forward would keep, set by
the test in each usual convention: ``(X, z)``, the slides' ``([X, 1], z)`` and ``(X, s)``.
"""

import numpy as np

from .engine import (
    Part,
    array_input,
    as_array,
    close,
    compare,
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
    z = run(lambda: model.forward(X.copy()))
    out = {"z": z}
    if is_error(z):
        planted = _backward_on_planted_caches(inputs, X, dout)
        return {**planted, "z": array_input(inputs["z_fallback"])}
    out["dW"] = run(lambda: model.backward(dout.copy()))
    return out


def _backward_on_planted_caches(inputs, X, dout):
    """forward raised: run backward on fresh models whose cache is what a forward would keep,
    in each usual convention: (X, z), the slides' ([X, 1], z), and (X, s) with the logits s.
    ``dW`` is the first's result, ``dW_other_caches`` the others'."""
    W = array_input(inputs["W"])
    z = array_input(inputs["z_fallback"])
    caches = (
        (X, z),
        (np.hstack([X, np.ones((len(X), 1))]), z),
        (X, X @ W[:-1] + W[-1]),
    )
    results = []
    for cache in caches:
        _, made, error = _model(inputs)
        if "model" not in made:
            results.append(error)
            continue
        made["model"].cache = tuple(a.copy() for a in cache)
        results.append(run(lambda model=made["model"]: model.backward(dout.copy())))
    return {"dW": results[0], "dW_other_caches": results[1:], "forward_failed": True}


def judge_backward(case, outputs, expected):
    what = "model.backward(dout)"
    options = expected["dW_options"]
    if outputs.get("forward_failed") and close_to_any(outputs.get("dW_other_caches"), options):
        return  # right with the cache of another convention
    dW = as_array(case, what, value_of(case, what, outputs, "dW"))
    # The expected dW follows from the probabilities forward returned (z_assumed). When
    # grading, they are computed from the student's own z; in the notebook they are stored
    # for the reference's z only.
    z = outputs.get("z")
    if not (isinstance(z, np.ndarray) and close(z.astype(np.float64), expected["z_assumed"])):
        fail(
            case,
            f"{what} cannot be checked here: your forward pass returned other probabilities "
            f"than expected, so fix part 4 first. (When your submission is graded, backward "
            f"is checked against what your own forward returns.)",
        )
    if any(close(dW, option) for option in options):
        return
    reference = np.asarray(options[0], dtype=np.float64)
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
    compare(case, what, dW, reference, expected["mistakes"])


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

"""Parts 1 and 2: ``BCE.forward`` and ``BCE.backward`` (exercise_code/networks/loss.py).

Each has a core (the formula on ordinary inputs) and a robustness part, graded in cells of
their own (``*_ROBUST``: predictions of exactly 0 and 1), with the same probe and judge.

Inputs of a case: ``y_out`` and ``y_truth`` (arrays of the same shape, (N, 1) or (N,)).
Expectations (computed from the reference): ``mean``, ``individual`` or ``gradient``, the
values known mistakes give (``mistakes``: a list of [key, value]), and for predictions of
exactly 0 or 1 the masks ``certain_right``/``certain_wrong``.

Tolerances the notebook states: values within a relative 1e-6 (absolute 1e-6 near 0); at
predictions of exactly 0 or 1 no nan, no inf and no numpy warning, a certain and right
prediction costs 0 (within 1e-6), a certain and wrong one at least ``MIN_CERTAIN_WRONG``.
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
    run,
    value_of,
)
from .messages import MISTAKES

FILE = "exercise_code/networks/loss.py"
# The smallest loss a certain and wrong prediction may cost. The notebook accepts floors of
# the probability up to 1e-6 (-log: 13.8; clipping y_out into [eps, 1 - eps] also makes a
# certain and right prediction cost about eps, which must stay within the 1e-6 tolerance);
# the usual ones give far more (1e-7: 16.1, machine epsilon: 36.0). A floor as large as 0.01
# (4.6) would bias the loss, and fails.
MIN_CERTAIN_WRONG = 10.0
EDGE_HINT = "Floor the probability before the log (for example np.maximum(p, EPS) in loss.py)."


def _bce():
    from exercise_code.networks.loss import BCE

    return BCE()


# --------------------------------------------------------------------------- forward


def probe_forward(inputs):
    y_out, y_truth = array_input(inputs["y_out"]), array_input(inputs["y_truth"])
    out = {}
    for key, individual in (("mean", False), ("individual", True)):
        out[key] = run(
            lambda individual=individual: _bce().forward(
                y_out.copy(), y_truth.copy(), individual_losses=individual
            ),
            strict_fp=True,
        )
        if is_error(out[key]) and out[key]["error"] == "fp_warning":
            # What it computes despite the warning, to name the mistake behind it.
            out[f"{key}_anyway"] = run(
                lambda individual=individual: _bce().forward(
                    y_out.copy(), y_truth.copy(), individual_losses=individual
                )
            )
    return out


def judge_forward(case, outputs, expected):
    what = "BCE().forward(y_out, y_truth)"
    _name_log_of_labels(case, what, outputs, expected)
    mean = value_of(case, what, outputs, "mean", EDGE_HINT)
    if not (isinstance(mean, (int, float)) or np.ndim(mean) == 0):
        if isinstance(mean, np.ndarray):
            fail(
                case,
                f"{what} must return one number, the mean loss, but returned an array of "
                f"shape {mean.shape}.",
            )
        as_array(case, what, mean)
    mean = as_array(case, what, mean)
    certain = "certain_wrong" in expected
    if certain and not np.all(np.isfinite(mean)):
        fail(case, f"{what} {MISTAKES['bce_forward_edge']}.")
    if not certain:
        compare(case, f"the mean loss {what}", mean, expected["mean"], expected["mistakes"])

    what_i = "BCE().forward(y_out, y_truth, individual_losses=True)"
    individual = value_of(case, what_i, outputs, "individual", EDGE_HINT)
    if isinstance(individual, (int, float)) or np.ndim(individual) == 0:
        fail(case, f"{what_i}: {MISTAKES['bce_forward_individual']}, got one number.")
    individual = as_array(case, what_i, individual)
    if not certain:
        compare(case, f"the per-sample losses {what_i}", individual, expected["individual"])
        return
    _judge_certain(case, what_i, individual, expected)
    # A certain and wrong prediction's loss depends on the floor the student chose, and so
    # does the mean: it is the mean of their own per-sample losses, judged just above.
    if not close(mean, np.mean(individual)):
        fail(
            case,
            f"the mean loss {what} is not the mean of the per-sample losses (got "
            f"{float(mean):.6g}, their mean is {np.mean(individual):.6g}).",
        )


def _name_log_of_labels(case, what, outputs, expected):
    """y and y_out swapped inside the logs: log(y) of a label is -inf, or -log(floor).

    Then every loss is +inf (no floor), or c (1 - p_i) for one constant c = -log(floor),
    where p_i is the probability given to the true label.
    """
    losses = outputs.get("individual")
    if is_error(losses):
        losses = outputs.get("individual_anyway")
    if not isinstance(losses, np.ndarray) or losses.shape != np.shape(expected["one_minus_p"]):
        return
    losses = losses.astype(np.float64)
    one_minus_p = np.asarray(expected["one_minus_p"], dtype=np.float64)
    if np.all(np.isposinf(losses)):
        fail(case, f"{what} {MISTAKES['bce_forward_log_of_labels']}.")
    inside = one_minus_p > 0.05
    if np.all(np.isfinite(losses)) and inside.sum() >= 2:
        ratio = losses[inside] / one_minus_p[inside]
        if ratio.min() > 2 and np.allclose(ratio, ratio[0], rtol=1e-6):
            fail(case, f"{what} {MISTAKES['bce_forward_log_of_labels']}.")


def _judge_certain(case, what, individual, expected):
    """Predictions of exactly 0 or 1: finite; right costs 0, wrong costs at least 10."""
    wrong = np.asarray(expected["certain_wrong"], dtype=bool)
    if individual.shape != wrong.shape:
        fail(case, f"{what} {MISTAKES['wrong_shape']} {individual.shape}, expected {wrong.shape}.")
    if not np.all(np.isfinite(individual)):
        fail(case, f"{what} {MISTAKES['bce_forward_edge']}.")
    if np.any(individual[wrong] < MIN_CERTAIN_WRONG):
        fail(
            case,
            f"{what}: a certain and wrong prediction (y_out = 1 for y = 0, or 0 for y = 1) "
            f"must cost at least {MIN_CERTAIN_WRONG:g}; floor the probability at a small value "
            f"(at most 1e-6), not a large one.",
        )
    # Elsewhere the usual comparison applies: the loss of a certain wrong prediction depends
    # on the floor chosen, the others do not.
    exact = np.where(wrong, np.asarray(expected["individual"]), individual)
    if not close(exact, expected["individual"]):
        fail(
            case,
            f"{what}: a certain and right prediction (y_out = y) must cost 0, and every other "
            f"loss must match the formula.",
        )


BCE_FORWARD = Part("bce_forward", "BCE.forward", FILE, probe_forward, judge_forward)
# Robustness, graded in a cell of its own: predictions of exactly 0 and 1.
BCE_FORWARD_ROBUST = Part("bce_forward_robust", "BCE.forward", FILE, probe_forward, judge_forward)


# --------------------------------------------------------------------------- backward


def probe_backward(inputs):
    y_out, y_truth = array_input(inputs["y_out"]), array_input(inputs["y_truth"])
    out = {"gradient": run(lambda: _bce().backward(y_out.copy(), y_truth.copy()), strict_fp=True)}
    if is_error(out["gradient"]) and out["gradient"]["error"] == "fp_warning":
        out["gradient_anyway"] = run(lambda: _bce().backward(y_out.copy(), y_truth.copy()))
    return out


def judge_backward(case, outputs, expected):
    what = "BCE().backward(y_out, y_truth)"
    hint = "Floor the probability as in forward before dividing by it."
    gradient = as_array(case, what, value_of(case, what, outputs, "gradient", hint))
    if "certain_wrong" in expected:
        # The gradient pushes y_out towards the label: negative for y = 1, positive for y = 0.
        sign = np.asarray(expected["sign"], dtype=np.float64)
        if gradient.shape != sign.shape:
            fail(case, f"{what} {MISTAKES['wrong_shape']} {gradient.shape}, expected {sign.shape}.")
        if not np.all(np.isfinite(gradient)):
            fail(case, f"{what} {MISTAKES['not_finite']} at y_out = 0 or 1. {hint}")
        if np.any(np.sign(gradient) != np.sign(sign)):
            fail(case, f"{what} {MISTAKES['bce_backward_sign']} at y_out = 0 or 1.")
        # Certain and wrong: any large gradient of the right sign (it depends on the floor).
        wrong = np.asarray(expected["certain_wrong"], dtype=bool)
        gradient = np.where(wrong, np.asarray(expected["gradient"]), gradient)
    compare(case, what, gradient, expected["gradient"], expected["mistakes"])


BCE_BACKWARD = Part("bce_backward", "BCE.backward", FILE, probe_backward, judge_backward)
BCE_BACKWARD_ROBUST = Part(
    "bce_backward_robust", "BCE.backward", FILE, probe_backward, judge_backward
)

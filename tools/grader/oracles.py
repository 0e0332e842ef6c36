"""What the reference gives on a case: the expectation a part's judge compares with.

Runs in the grader (and in ``tools/grader/generate_expected.py`` for the visible cases the notebook
stores), never in a student's process: it imports the course's reference solution, and the
formulas of the known mistakes, which would give a solution away, live here rather than in
the student's package. ``expect(case, outputs)`` may use the student's outputs where a part is
judged against the student's own earlier result (backward against the student's forward
output; the test accuracy of the student's trained weights).
"""

import functools
import importlib
import math
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@functools.cache
def reference():
    """The course's ``exercise_code`` package (the reference solution) from this course root.

    :raises RuntimeError: another ``exercise_code`` (a student's) is already imported here.
    """
    package = sys.modules.get("exercise_code")
    if package is None:
        sys.path.insert(0, ROOT)
        try:
            package = importlib.import_module("exercise_code")
        finally:
            sys.path.remove(ROOT)
    where = os.path.dirname(os.path.abspath(package.__file__))
    if where != os.path.join(ROOT, "exercise_code"):
        raise RuntimeError(f"the grader imported exercise_code from {where}, not from {ROOT}")
    for name in ("data", "hyperparameters", "networks", "solver", "grading"):
        importlib.import_module(f"exercise_code.{name}")
    return package


def _sigmoid(x):
    return reference().networks.Classifier().sigmoid(x)


def _array(value):
    """A case's input (plain data) or a student's decoded output, as a float64 array."""
    return reference().grading.engine.array_input(value)


# --------------------------------------------------------------------------- loss


def bce_forward(inputs, outputs):
    y_out, y = _array(inputs["y_out"]), _array(inputs["y_truth"])
    bce = reference().networks.BCE()
    mean = bce.forward(y_out, y)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        logits = bce.forward(np.clip(_sigmoid(y_out), 0, 1), y)
    expected = {
        "mean": mean,
        "individual": bce.forward(y_out, y, individual_losses=True),
        "one_minus_p": 1 - (y * y_out + (1 - y) * (1 - y_out)),
        "mistakes": [
            ["bce_forward_sum", len(y) * mean],
            ["bce_forward_sign", -mean],
            ["bce_forward_log_base", mean / math.log(2)],
            ["bce_forward_log_base", mean / math.log(10)],
            ["bce_forward_logits", logits],
            ["bce_forward_swapped", bce.forward(y_out, 1 - y)],
        ],
    }
    if (certain_wrong := _certain_wrong(y_out, y)) is not None:
        expected["certain_wrong"] = certain_wrong
    return expected


def _certain_wrong(y_out, y):
    """Where a prediction of exactly 0 or 1 is wrong (both BCE parts judge those samples
    alone), or None when no prediction is exactly 0 or 1."""
    if not np.any((y_out == 0) | (y_out == 1)):
        return None
    return ((y_out == 0) & (y == 1)) | ((y_out == 1) & (y == 0))


def bce_backward(inputs, outputs):
    y_out, y = _array(inputs["y_out"]), _array(inputs["y_truth"])
    bce = reference().networks.BCE()
    g, n = bce.backward(y_out, y), len(y)
    expected = {
        "gradient": g,
        "mistakes": [
            ["bce_backward_missing_n", n * g],
            ["bce_backward_double_n", g / n],
            ["bce_backward_sign", -g],
            ["bce_backward_missing_n", -n * g],
            # dL/ds = (sigma(s) - y) / N: the gradient of BCE and sigmoid together, right for
            # the logits, wrong for the probabilities backward receives.
            ["bce_backward_logits", (y_out - y) / n],
            ["bce_backward_logits", (_sigmoid(y_out) - y) / n],
            ["bce_backward_swapped", bce.backward(y_out, 1 - y)],
        ],
    }
    if (certain_wrong := _certain_wrong(y_out, y)) is not None:
        expected["certain_wrong"] = certain_wrong
        expected["sign"] = np.where(y == 1, -1.0, 1.0)
    return expected


# --------------------------------------------------------------------------- classifier


def sigmoid(inputs, outputs):
    return {"out": _sigmoid(_array(inputs["x"]))}


def _model(W, stand_in=True):
    model = reference().networks.Classifier(num_features=len(W) - 1)
    model.initialize_weights(W)
    if stand_in:
        model.sigmoid = reference().grading.classifier.stand_in
    return model


def classifier_forward(inputs, outputs):
    X, W = _array(inputs["X"]), _array(inputs["W"])
    stand_in = reference().grading.classifier.stand_in
    logits = X @ W[:-1] + W[-1]
    no_bias, bias_first = X @ W[:-1], X @ W[1:] + W[0]
    return {
        "z": _model(W).forward(X),
        "z_sigmoid": _model(W, stand_in=False).forward(X),
        "logits": logits,
        "mistakes": [
            ["forward_logits", logits],
            ["forward_no_bias", stand_in(no_bias)],
            ["forward_no_bias", _sigmoid(no_bias)],
            ["forward_bias_first", stand_in(bias_first)],
            ["forward_bias_first", _sigmoid(bias_first)],
        ],
    }


def _dW(X, W, z, dout):
    """What the reference's backward returns with (X, z) in its cache."""
    model = _model(W)
    model.cache = (X, z)
    return model.backward(dout)


def _is_probability_column(z, n):
    return isinstance(z, np.ndarray) and z.shape == (n, 1) and np.all((z >= 0) & (z <= 1))


def _judges_backward(X, W, z, dout):
    """Whether ``z`` can judge a backward pass: with it, the right dW is not (within the
    tolerance) zero. Probabilities of 0 or 1 have sigma' = z (1 - z) = 0, and a backward
    returning zeros, whatever it computes, would match the dW that follows from them."""
    atol = reference().grading.engine.ATOL
    return not np.allclose(_dW(X, W, z, dout), 0.0, rtol=0.0, atol=atol)


def classifier_backward(inputs, outputs):
    X, W, dout = _array(inputs["X"]), _array(inputs["W"]), _array(inputs["dout"])
    n = len(X)
    z = outputs.get("z") if outputs is not None else None
    if not (_is_probability_column(z, n) and _judges_backward(X, W, _array(z), dout)):
        z = inputs["z_fallback"]  # then the student's backward is judged on planted caches
    expected = _backward_expectation(X, W, _array(z), dout)
    # What the reference's forward gives, planted in the student's cache (see
    # grading.classifier): the same expectation with the reference's probabilities.
    planted = _backward_expectation(X, W, _array(inputs["z_fallback"]), dout)
    return {
        **expected,
        "num_samples": n,
        "planted": {"dW_options": planted["dW_options"], "mistakes": planted["mistakes"]},
    }


def _backward_expectation(X, W, z, dout):
    """dW (and what a backward recomputing the sigmoid gives) and the known mistakes, for
    the probabilities ``z``."""
    n = len(X)
    z_sigmoid = _sigmoid(X @ W[:-1] + W[-1])
    dW = _dW(X, W, z, dout)
    twice = _sigmoid(z)

    def mistake(ds):  # dL/dW from dL/ds: [X^T ds; sum(ds)]
        return np.vstack([X.T @ ds, ds.sum(keepdims=True)])

    return {
        "z_assumed": z,
        # A backward that recomputes the sigmoid itself from cached logits gets the second.
        "dW_options": [dW, _dW(X, W, z_sigmoid, dout)],
        "mistakes": [
            ["backward_sigma", mistake(dout * z)],  # sigma where sigma' belongs
            ["backward_sigmoid_twice", mistake(dout * twice * (1 - twice))],
            ["backward_no_derivative", mistake(dout)],
            ["backward_transpose", dW.T],
            ["backward_sign", -dW],
            ["backward_double_n", dW / n],
        ],
    }


# --------------------------------------------------------------------------- optimizer


def optimizer_step(inputs, outputs):
    W, dw, lr = _array(inputs["W"]), _array(inputs["dw"]), float(inputs["lr"])

    class Model:
        pass

    model = Model()
    model.W = W.copy()
    return {
        "W": W,
        "W_new": reference().networks.Optimizer(model, lr).step(dw),
        "mistakes": [
            ["optimizer_plus", W + lr * dw],
            ["optimizer_no_lr", W - dw],
            ["optimizer_plus", W + dw],
            ["optimizer_lr_squared", W - lr * lr * dw],
        ],
    }


# --------------------------------------------------------------------------- solver


def solver_step(inputs, outputs):
    return {"loss_value": float(inputs["loss_value"])}


@functools.cache
def _trained(seed=0):
    """(final training loss, data) of the reference trained as the probe trains."""
    ref = reference()
    data = ref.data.load_breast_cancer_splits(seed=seed)
    model = ref.networks.Classifier(num_features=2)
    solver = ref.solver.Solver(
        model, data, ref.networks.BCE(), ref.hyperparameters.LEARNING_RATE, verbose=False
    )
    solver.train(ref.hyperparameters.NUM_EPOCHS)
    return float(solver.train_loss_history[-1]), data


def training(inputs, outputs):
    final_loss, data = _trained(int(inputs.get("seed", 0)))
    expected = {"final_loss": final_loss}
    W = (outputs or {}).get("W")
    if isinstance(W, np.ndarray) and W.shape == (3, 1) and np.all(np.isfinite(W)):
        W = W.astype(np.float64)
        # sigmoid(s) >= 1/2 exactly when s >= 0: no sigmoid needed for the predicted labels.
        s = data.X_test @ W[:-1] + W[-1]
        expected["test_accuracy"] = float(np.mean((s >= 0) == (data.y_test == 1)))
        # The training loss of the student's weights, computed here: the loss history the
        # probe reports is the student's code's to write.
        z = _sigmoid(data.X_train @ W[:-1] + W[-1])
        expected["loss_of_W"] = reference().networks.BCE().forward(z, data.y_train)
    return expected


EXPECT = {
    "bce_forward": bce_forward,
    "bce_forward_robust": bce_forward,
    "bce_backward": bce_backward,
    "bce_backward_robust": bce_backward,
    "sigmoid": sigmoid,
    "sigmoid_robust": sigmoid,
    "classifier_forward": classifier_forward,
    "classifier_backward": classifier_backward,
    "optimizer_step": optimizer_step,
    "solver_step": solver_step,
    "trained_accuracy": training,
}


def expect(case, outputs=None):
    """The expectation for ``case`` (an engine.Case), given the student's decoded outputs."""
    with np.errstate(all="ignore"):  # mistake formulas may divide by z (1 - z) = 0
        return EXPECT[case.part](case.inputs, outputs)

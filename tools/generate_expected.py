"""Write exercise_code/grading/expected.py: the stored inputs and expected outputs of the checks.

Run once, by an instructor, with the reference solution in place:

    .venv/bin/python -m tools.generate_expected

The grading checks compare a student's results with these literal numbers; nothing is
computed from the reference at grading time (in a student's copy the reference is a stub).
The "mistake" arrays are what a common wrong implementation returns on the same inputs; the
checks use them to name the mistake. They are written out here, from the formulas of the
mistakes, so that the shipped package holds values only, never code of a solution.

The output is deterministic: the same file on every run (tests/tools checks this).
"""

import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "exercise_code", "grading", "expected.py")

# Stored and recomputed values are compared with a relative tolerance, never bit for bit:
# numpy's exp, log and reductions take different SIMD paths on different CPUs, so the same
# reference on another machine differs in the last bits (seen: up to 4 units in the last
# place, a relative 9.2e-16). 1e-12 leaves a factor 1000 above that, and is far below what a
# real change of the reference, the data or the hyperparameters moves (1e-6 and more).
STORED_RTOL = 1e-12


def _sigmoid_textbook(x):
    # Only on moderate inputs (|x| < 10), where the textbook form is exact enough.
    return 1.0 / (1.0 + np.exp(-x))


def compute():
    """Return an ordered dict name -> value (numpy arrays or floats) from the reference."""
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    from exercise_code.data import load_breast_cancer_splits
    from exercise_code.hyperparameters import LEARNING_RATE, NUM_EPOCHS
    from exercise_code.networks import BCE, Classifier, Optimizer
    from exercise_code.solver import Solver

    rng = np.random.default_rng(2024)
    v = {}

    # --- BCE: probabilities away from 0, 1/2 and 1, both labels.
    y_out = np.round(rng.uniform(0.05, 0.95, (8, 1)), 2)
    y_truth = np.array([[1], [0], [1], [1], [0], [0], [1], [0]], dtype=np.int64)
    n = len(y_out)
    bce = BCE()
    v["BCE_Y_OUT"] = y_out
    v["BCE_Y_TRUTH"] = y_truth
    v["BCE_FORWARD_INDIVIDUAL"] = bce.forward(y_out, y_truth, individual_losses=True)
    v["BCE_FORWARD_MEAN"] = bce.forward(y_out, y_truth)
    v["BCE_BACKWARD"] = bce.backward(y_out, y_truth)
    # Mistakes: y_out taken for logits; labels swapped (y and 1 - y exchanged).
    p_logit = _sigmoid_textbook(y_out)
    v["BCE_MISTAKE_LOGITS_MEAN"] = float(
        np.mean(-(y_truth * np.log(p_logit) + (1 - y_truth) * np.log(1 - p_logit)))
    )
    v["BCE_MISTAKE_SWAPPED_MEAN"] = float(
        np.mean(-((1 - y_truth) * np.log(y_out) + y_truth * np.log(1 - y_out)))
    )
    v["BCE_MISTAKE_SWAPPED_BACKWARD"] = (-((1 - y_truth) / y_out) + y_truth / (1 - y_out)) / n
    v["BCE_MISTAKE_LOGITS_BACKWARD"] = (p_logit - y_truth) / n  # dL/ds, not dL/dy_out

    # --- Sigmoid: a (3, 4) array away from 0, in the range where sigma' is not 1/4.
    x = np.round(rng.uniform(-6, 6, (3, 4)), 2)
    model = Classifier(num_features=2)
    v["SIGMOID_X"] = x
    v["SIGMOID_OUT"] = model.sigmoid(x)

    # --- Classifier: weights far from zero, so that sigma'(s) varies between samples.
    X = np.round(rng.normal(0, 1.2, (6, 2)), 2)
    W = np.array([[1.5], [-2.0], [0.75]])
    model.initialize_weights(W)
    z = model.forward(X)
    s = X @ W[:-1] + W[-1]
    v["CLF_X"] = X
    v["CLF_W"] = W
    v["CLF_LOGITS"] = s
    v["CLF_Z"] = z
    v["CLF_MISTAKE_NO_BIAS_LOGITS"] = X @ W[:-1]
    v["CLF_MISTAKE_BIAS_FIRST_LOGITS"] = X @ W[1:] + W[0]
    dout = np.round(rng.normal(0, 1, (6, 1)) / 6, 3)
    v["CLF_DOUT"] = dout
    v["CLF_DW"] = model.backward(dout)
    ds_sigma = dout * z  # sigma where sigma' belongs
    v["CLF_MISTAKE_SIGMA_DW"] = np.vstack([X.T @ ds_sigma, ds_sigma.sum(keepdims=True)])
    ds_twice = dout * _sigmoid_textbook(z) * (1 - _sigmoid_textbook(z))  # sigmoid of z again
    v["CLF_MISTAKE_SIGMOID_TWICE_DW"] = np.vstack([X.T @ ds_twice, ds_twice.sum(keepdims=True)])
    ds_no_deriv = dout  # the sigmoid's derivative left out
    v["CLF_MISTAKE_NO_DERIV_DW"] = np.vstack([X.T @ ds_no_deriv, ds_no_deriv.sum(keepdims=True)])

    # --- Optimizer: one step.
    W0 = np.array([[0.8], [-1.25], [0.3]])
    dw = np.array([[0.2], [-0.45], [0.05]])
    lr = 0.1
    model.initialize_weights(W0)
    v["OPT_W"] = W0
    v["OPT_DW"] = dw
    v["OPT_LR"] = lr
    v["OPT_W_NEW"] = Optimizer(model, lr).step(dw)

    # --- Training: the optimum train loss and the test accuracy the reference reaches.
    data = load_breast_cancer_splits()
    model = Classifier(num_features=2)
    solver = Solver(model, data, BCE(), LEARNING_RATE, verbose=False)
    solver.train(NUM_EPOCHS)
    v["TRAIN_FINAL_LOSS"] = float(solver.train_loss_history[-1])
    v["TRAIN_TEST_ACCURACY"] = float(
        np.mean(((data.X_test @ model.W[:-1] + model.W[-1]) >= 0) == (data.y_test == 1))
    )
    v["TRAIN_W"] = model.W
    return v


def stale_names(stored, fresh, rtol=STORED_RTOL):
    """Names of ``fresh`` whose value in ``stored`` is missing or differs by more than ``rtol``.

    :param stored: a mapping name -> value (the stored module's values).
    :param fresh: a mapping name -> value, as ``compute()`` returns it.
    Integer arrays (labels) must match exactly, floats within ``rtol`` (relative, elementwise).
    """
    stale = []
    for name, value in fresh.items():
        old = np.asarray(stored.get(name, np.nan))
        new = np.asarray(value)
        same = old.shape == new.shape and old.dtype.kind == new.dtype.kind
        if same and new.dtype.kind in "iub":
            same = bool(np.array_equal(old, new))
        elif same:
            same = bool(np.allclose(old, new, rtol=rtol, atol=0.0))
        if not same:
            stale.append(name)
    return stale


def _literal(value):
    if isinstance(value, np.ndarray):
        kind = "np.int64" if value.dtype.kind == "i" else "np.float64"
        return f"np.array({value.tolist()!r}, dtype={kind})"
    return repr(float(value))


def render(values):
    lines = [
        '"""Stored inputs and expected outputs of the grading checks (generated: do not edit).',
        "",
        "Written by tools/generate_expected.py from the reference solution; the checks compare",
        "with these numbers and never compute an expected value at grading time.",
        '"""',
        "",
        "import numpy as np",
        "",
    ]
    for name, value in values.items():
        lines.append(f"{name} = {_literal(value)}")
    return "\n".join(lines) + "\n"


def main():
    text = render(compute())
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    # ruff's formatter wraps the long literals; the result is still deterministic.
    ruff = os.path.join(os.path.dirname(sys.executable), "ruff")
    subprocess.run([ruff, "format", "--quiet", OUT], check=True)
    print(f"wrote {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()

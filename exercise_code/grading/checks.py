"""The checks the notebook's test cells call (public and hidden tests alike).

Each check calls one part of the student's code on stored inputs and compares the result
with stored expected values (``expected.py``). Each part is checked on its own: the
classifier's forward pass runs with a stand-in sigmoid, the solver with stand-in model, loss
and optimizer, so that a bug in one part costs the points of that part only.

A failed check raises ``GradingFailure`` (an ``AssertionError``) whose message starts with
the part in brackets, e.g. ``[bce_backward]``, and names the mistake when it recognises one.
An exception in the student's code becomes such a failure too, never a crashed cell.
"""

import contextlib
import math
import os
import traceback
import warnings

import numpy as np

from . import expected as E
from .messages import MISTAKES

RTOL = 1e-6  # the stored values are float64 results; 1e-6 tolerates any correct formula
ATOL = 1e-10


class GradingFailure(AssertionError):
    """A check failed; the message says which part and why."""

    def _render_traceback_(self):
        """What IPython shows instead of a traceback: the message alone.

        A traceback would print the lines of the test cell around the failing call, and in
        the feedback of a hidden test those lines are the hidden test itself. The message
        already names the part, the mistake and the line of the student's code.
        """
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


def _fail(part, text):
    raise GradingFailure(f"[{part}] {text}")


def _where(exc):
    """'file.py, line 12' of the innermost frame of ``exc`` that is not in this package."""
    here = os.path.dirname(os.path.abspath(__file__))
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if not os.path.abspath(f.filename).startswith(here)
    ]
    if not frames:
        return ""
    f = frames[-1]
    return f" (in {os.path.basename(f.filename)}, line {f.lineno}: {f.line})"


@contextlib.contextmanager
def student_code(part, what, strict_fp=False, fp_hint=""):
    """Run the student's code: turn any exception into a ``GradingFailure`` for ``part``.

    :param what: the call, for the message, e.g. ``"BCE().forward(y_out, y_truth)"``.
    :param strict_fp: also fail on numpy overflow, division by zero and invalid values
        (underflow to 0 is correct rounding and stays allowed).
    :param fp_hint: appended to the message of such a failure: what to do about it.
    """
    with contextlib.ExitStack() as stack:
        if strict_fp:
            stack.enter_context(np.errstate(over="raise", divide="raise", invalid="raise"))
            stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("error", RuntimeWarning)
        try:
            yield
        except GradingFailure:
            raise
        except NotImplementedError as exc:
            raise GradingFailure(
                f"[{part}] {what}: {MISTAKES['not_implemented']} ({exc})"
            ) from None
        except KeyboardInterrupt as exc:
            # nbgrader interrupts a cell that runs past its time limit. Left alone, the
            # interrupt would print a traceback, which shows the lines of hidden tests.
            raise GradingFailure(
                f"[{part}] {what} {MISTAKES['interrupted']}{_where(exc)}."
            ) from None
        except SystemExit:
            raise GradingFailure(f"[{part}] {what}: your code {MISTAKES['exited']}.") from None
        except (FloatingPointError, RuntimeWarning) as exc:
            raise GradingFailure(
                f"[{part}] {what}: {MISTAKES['fp_warning']}: {exc}{_where(exc)}"
                + (f". {fp_hint}" if fp_hint else "")
            ) from None
        except Exception as exc:
            raise GradingFailure(
                f"[{part}] {what}: {MISTAKES['exception']}, "
                f"{type(exc).__name__}: {exc}{_where(exc)}"
            ) from None


def _array(part, name, value):
    """``value`` as a float64 array, or a failure naming ``name``."""
    if value is None:
        _fail(part, f"{name} {MISTAKES['returned_none']}")
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        _fail(part, f"{name} is not an array of numbers ({type(value).__name__}): {exc}")


def _close(a, b):
    return a.shape == np.shape(b) and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def _summary(actual, expected):
    a, b = np.ravel(actual), np.ravel(expected)
    with np.printoptions(precision=6, threshold=12, linewidth=10_000):
        if np.shape(actual) != np.shape(expected):
            # Flattened, a transposed result looks right: the shapes tell the difference.
            return f"got shape {np.shape(actual)} {a}, expected shape {np.shape(expected)} {b}"
        return f"got {a}, expected {b}"


def compare(part, name, actual, expected, mistakes=()):
    """Fail unless ``actual`` equals ``expected`` (stored values) within RTOL/ATOL.

    :param mistakes: (key, array) pairs: what a known mistake returns on the same input.
        The first that matches ``actual`` names the mistake in the message.
    """
    actual = _array(part, name, actual)
    expected = np.asarray(expected, dtype=np.float64)
    if _close(actual, expected):
        return
    if not np.all(np.isfinite(actual)):
        _fail(part, f"{name} {MISTAKES['not_finite']}: {_summary(actual, expected)}")
    for key, wrong in mistakes:
        if _close(actual, np.asarray(wrong, dtype=np.float64)):
            _fail(part, f"{name} {MISTAKES[key]} ({_summary(actual, expected)})")
    if actual.shape != expected.shape:
        if actual.size == expected.size and _close(actual.reshape(expected.shape), expected):
            hint = f"the values are right; return shape {expected.shape}"
        else:
            hint = f"expected shape {expected.shape}"
        _fail(part, f"{name} {MISTAKES['wrong_shape']} {actual.shape}: {hint}.")
    _fail(part, f"{name} is wrong: {_summary(actual, expected)}")


def _passed(part, what):
    print(f"[{part}] passed: {what}")


# --------------------------------------------------------------------------- BCE


def _bce():
    from exercise_code.networks.loss import BCE

    return BCE()


def check_bce_forward(y_out=None, y_truth=None, expected_mean=None, expected_individual=None):
    """BCE.forward: the mean loss and the per-sample losses.

    Without arguments it uses the stored inputs; hidden tests pass their own (inputs and
    expected values as literal numbers). y_out, y_truth: (N, 1) or (N,).
    """
    part = "bce_forward"
    stored = y_out is None
    if stored:
        y_out, y_truth = E.BCE_Y_OUT, E.BCE_Y_TRUTH
        expected_mean, expected_individual = E.BCE_FORWARD_MEAN, E.BCE_FORWARD_INDIVIDUAL
    y_out, y_truth = np.array(y_out, dtype=np.float64), np.array(y_truth)
    n = len(y_out)
    with student_code(part, "BCE().forward(y_out, y_truth)", strict_fp=True):
        mean = _bce().forward(y_out.copy(), y_truth.copy())
    mistakes = [
        ("bce_forward_sum", n * expected_mean),
        ("bce_forward_sign", -expected_mean),
        ("bce_forward_log_base", expected_mean / math.log(2)),
        ("bce_forward_log_base", expected_mean / math.log(10)),
    ]
    if stored:
        mistakes += [
            ("bce_forward_logits", E.BCE_MISTAKE_LOGITS_MEAN),
            ("bce_forward_swapped", E.BCE_MISTAKE_SWAPPED_MEAN),
        ]
    if not np.isscalar(mean) and np.ndim(mean) != 0:
        mean_arr = _array(part, "BCE().forward(y_out, y_truth)", mean)
        _fail(
            part,
            f"BCE().forward(y_out, y_truth) must return one number, the mean loss, "
            f"but returned an array of shape {mean_arr.shape}.",
        )
    compare(part, "the mean loss BCE().forward(y_out, y_truth)", mean, expected_mean, mistakes)
    if expected_individual is not None:
        what = "BCE().forward(y_out, y_truth, individual_losses=True)"
        with student_code(part, what, strict_fp=True):
            individual = _bce().forward(y_out.copy(), y_truth.copy(), individual_losses=True)
        if individual is not None and np.ndim(individual) == 0:
            _fail(part, f"{what}: {MISTAKES['bce_forward_individual']}, got one number.")
        compare(part, f"the per-sample losses {what}", individual, expected_individual)
    _passed(part, f"BCE.forward on {n} samples")


def check_bce_backward(y_out=None, y_truth=None, expected=None):
    """BCE.backward: dL/dy_out of the mean loss, (N, 1)."""
    part = "bce_backward"
    stored = y_out is None
    if stored:
        y_out, y_truth, expected = E.BCE_Y_OUT, E.BCE_Y_TRUTH, E.BCE_BACKWARD
    y_out, y_truth = np.array(y_out, dtype=np.float64), np.array(y_truth)
    expected = np.asarray(expected, dtype=np.float64)
    n = len(y_out)
    with student_code(part, "BCE().backward(y_out, y_truth)", strict_fp=True):
        grad = _bce().backward(y_out.copy(), y_truth.copy())
    mistakes = [
        ("bce_backward_missing_n", n * expected),
        ("bce_backward_double_n", expected / n),
        ("bce_backward_sign", -expected),
        ("bce_backward_missing_n", -n * expected),
        # dL/ds = (z - y) / N, the gradient the sigmoid and the BCE give together: right
        # for the logits s, but backward receives the probabilities y_out.
        ("bce_backward_logits", (y_out - y_truth) / n),
    ]
    if stored:
        mistakes += [
            ("bce_backward_swapped", E.BCE_MISTAKE_SWAPPED_BACKWARD),
            ("bce_backward_logits", E.BCE_MISTAKE_LOGITS_BACKWARD),
        ]
    compare(part, "BCE().backward(y_out, y_truth)", grad, expected, mistakes)
    _passed(part, f"BCE.backward on {n} samples")


def check_bce_forward_edge_values(y_out, y_truth, expected_individual, min_confident_loss=20.0):
    """BCE.forward at predictions exactly 0 or 1: finite per-sample losses, no numpy warning.

    Where the prediction is certain and right the loss must be ``expected_individual``
    (0); where it is certain and wrong the loss must be at least ``min_confident_loss``
    (any floor of the probability between 1e-300 and 1e-9 passes). Elsewhere exact.
    """
    part = "bce_forward"
    y_out, y_truth = np.array(y_out, dtype=np.float64), np.array(y_truth)
    expected_individual = np.asarray(expected_individual, dtype=np.float64)
    what = "BCE().forward(y_out, y_truth, individual_losses=True) at y_out = 0 or 1"
    hint = f"BCE.forward {MISTAKES['bce_forward_edge']} (np.maximum(p, EPS))."
    with student_code(part, what, strict_fp=True, fp_hint=hint):
        individual = _bce().forward(y_out.copy(), y_truth.copy(), individual_losses=True)
    individual = _array(part, what, individual)
    if individual.shape != y_out.shape:
        _fail(part, f"{what} {MISTAKES['wrong_shape']} {individual.shape}, expected {y_out.shape}.")
    if not np.all(np.isfinite(individual)):
        _fail(part, f"{what} {MISTAKES['bce_forward_edge']}: got {individual.ravel()}.")
    certain_wrong = ((y_out == 0) & (y_truth == 1)) | ((y_out == 1) & (y_truth == 0))
    if np.any(individual[certain_wrong] < min_confident_loss):
        _fail(
            part,
            f"{what}: a certain and wrong prediction must cost a large loss (at least "
            f"{min_confident_loss}), got {individual[certain_wrong].ravel()}.",
        )
    ok = ~certain_wrong
    compare(part, what, individual[ok], expected_individual[ok])
    _passed(part, "BCE.forward at predictions exactly 0 and 1")


def check_bce_backward_edge_values(y_out, y_truth):
    """BCE.backward at predictions exactly 0 or 1: finite, no numpy warning, right signs."""
    part = "bce_backward"
    y_out, y_truth = np.array(y_out, dtype=np.float64), np.array(y_truth)
    what = "BCE().backward(y_out, y_truth) at y_out = 0 or 1"
    hint = "Floor the probability as in forward (np.maximum(p, EPS)) before dividing by it."
    with student_code(part, what, strict_fp=True, fp_hint=hint):
        grad = _bce().backward(y_out.copy(), y_truth.copy())
    grad = _array(part, what, grad)
    if grad.shape != y_out.shape or not np.all(np.isfinite(grad)):
        _fail(part, f"{what} must be finite with shape {y_out.shape}, got {grad.ravel()}.")
    # The gradient pushes y_out towards the label: negative for y = 1, positive for y = 0.
    if np.any(np.sign(grad) != np.where(y_truth == 1, -1.0, 1.0)):
        _fail(part, f"{what} {MISTAKES['bce_backward_sign']}: got {grad.ravel()}.")
    _passed(part, "BCE.backward at predictions exactly 0 and 1")


# --------------------------------------------------------------------------- sigmoid


def _classifier(num_features=2, W=None):
    from exercise_code.networks.classifier import Classifier

    model = Classifier(num_features=num_features)
    if W is not None:
        model.W = np.array(W, dtype=np.float64)
    return model


def check_sigmoid(x=None, expected=None, strict_fp=True):
    """Classifier.sigmoid: elementwise, same shape as x, no numpy warning."""
    part = "sigmoid"
    if x is None:
        x, expected = E.SIGMOID_X, E.SIGMOID_OUT
    x = np.array(x, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    with student_code(part, "Classifier().sigmoid(x)"):
        model = _classifier()
    with student_code(part, f"Classifier().sigmoid(x) for x of shape {x.shape}", strict_fp):
        out = model.sigmoid(x.copy())
    out = _array(part, "sigmoid(x)", out)
    if out.shape == x.shape and np.any((out < 0) | (out > 1)):
        _fail(part, f"sigmoid(x) {MISTAKES['sigmoid_range']}: {_summary(out, expected)}")
    compare(part, "sigmoid(x)", out, expected, [("sigmoid_sign", 1 - expected)])
    _passed(part, f"sigmoid on an array of shape {x.shape}")


def check_sigmoid_extremes(x, expected):
    """Classifier.sigmoid at large |x|: no overflow warning, values in [0, 1]."""
    part = "sigmoid"
    x = np.array(x, dtype=np.float64)
    with student_code(part, "Classifier().sigmoid(x)"):
        model = _classifier()
    what = f"sigmoid(x) at x = {x.ravel().tolist()}"
    hint = f"Your sigmoid {MISTAKES['sigmoid_overflow']}."
    with student_code(part, what, strict_fp=True, fp_hint=hint):
        out = model.sigmoid(x.copy())
    out = _array(part, what, out)
    if out.shape == x.shape and not np.all(np.isfinite(out)):
        _fail(part, f"{what} {MISTAKES['sigmoid_overflow']}: got {out.ravel()}.")
    compare(part, what, out, expected)
    _passed(part, "sigmoid at extreme inputs, without warnings")


# --------------------------------------------------------------------------- forward


class _StandInSigmoid:
    """Replaces the student's sigmoid while their forward pass is checked.

    It knows the sigmoid only at the stored logits (and at the logits of known mistakes),
    so the forward check depends neither on the student's sigmoid nor on a solution.
    """

    def __init__(self, cases):
        self.cases = cases  # (key or None, logits, probabilities)
        self.seen = []

    def __call__(self, x):
        x = np.asarray(x, dtype=np.float64)
        self.seen.append(x)
        for key, logits, probs in self.cases:
            logits = np.asarray(logits, dtype=np.float64)
            for shape in (logits.shape, logits.ravel().shape):
                if x.shape == shape and np.allclose(x, logits.reshape(shape), rtol=RTOL):
                    if key is not None:
                        raise GradingFailure(f"[classifier_forward] forward {MISTAKES[key]}.")
                    return np.asarray(probs, dtype=np.float64).reshape(shape)
        expected = np.asarray(self.cases[0][1], dtype=np.float64)
        raise GradingFailure(
            f"[classifier_forward] forward {MISTAKES['forward_unexpected_logits']}, "
            f"{_summary(x, expected)}"
        )


def _sigmoid_values(s):
    # Only for the stand-in's table of known mistakes: the stored logits are moderate.
    return 1.0 / (1.0 + np.exp(-np.asarray(s, dtype=np.float64)))


def check_classifier_forward(X=None, W=None, logits=None, expected=None):
    """Classifier.forward: probabilities (N, 1) and the cache (X, z).

    Runs with a stand-in sigmoid that knows the stored logits, so only forward is tested.
    """
    part = "classifier_forward"
    stored = X is None
    if stored:
        X, W, logits, expected = E.CLF_X, E.CLF_W, E.CLF_LOGITS, E.CLF_Z
    X = np.array(X, dtype=np.float64)
    W = np.array(W, dtype=np.float64)
    cases = [(None, logits, expected)]
    if stored:
        cases += [
            ("forward_no_bias", E.CLF_MISTAKE_NO_BIAS_LOGITS, None),
            ("forward_bias_first", E.CLF_MISTAKE_BIAS_FIRST_LOGITS, None),
        ]
    with student_code(part, "Classifier(num_features)"):
        model = _classifier(X.shape[1], W)
    model.sigmoid = _StandInSigmoid(cases)
    X_in = X.copy()
    with student_code(part, f"model.forward(X) for X of shape {X.shape}"):
        z = model.forward(X_in)
    mistakes = [("forward_logits", logits), ("forward_logits", np.ravel(logits))]
    if stored:  # forward computed its own sigmoid (not self.sigmoid) on the wrong logits
        mistakes += [
            ("forward_no_bias", _sigmoid_values(E.CLF_MISTAKE_NO_BIAS_LOGITS)),
            ("forward_bias_first", _sigmoid_values(E.CLF_MISTAKE_BIAS_FIRST_LOGITS)),
        ]
    compare(part, "model.forward(X)", z, expected, mistakes)
    if not np.array_equal(X_in, X):
        _fail(part, "model.forward(X) changed X in place: never modify the input data.")
    cache = model.cache
    if not (
        isinstance(cache, tuple)
        and len(cache) == 2
        and np.shape(cache[0]) == X.shape
        and np.allclose(cache[0], X)
        and _close(np.asarray(cache[1], dtype=np.float64), np.asarray(expected))
    ):
        held = type(cache).__name__
        if isinstance(cache, (tuple, list)):
            held += f" of {len(cache)} items"
        _fail(part, f"forward {MISTAKES['forward_cache']}; it holds a {held}.")
    _passed(part, f"forward on X of shape {X.shape}")


# --------------------------------------------------------------------------- backward


def check_classifier_backward(X=None, W=None, z=None, dout=None, expected=None):
    """Classifier.backward: dW (D + 1, 1) from the cache (X, z) and dout (N, 1).

    The cache is filled with stored values, so only backward is tested.
    """
    part = "classifier_backward"
    stored = X is None
    if stored:
        X, W, z, dout, expected = E.CLF_X, E.CLF_W, E.CLF_Z, E.CLF_DOUT, E.CLF_DW
    X, W, z, dout = (np.array(a, dtype=np.float64) for a in (X, W, z, dout))
    expected = np.asarray(expected, dtype=np.float64)
    n = len(X)
    with student_code(part, "Classifier(num_features)"):
        model = _classifier(X.shape[1], W)
    model.cache = (X.copy(), z.copy())
    with student_code(part, "model.backward(dout)"):
        dW = model.backward(dout.copy())
    dW_arr = _array(part, "model.backward(dout)", dW)
    mistakes = [
        ("backward_sign", -expected),
        ("backward_double_n", expected / n),
        ("backward_transpose", expected.T),
    ]
    if stored:
        mistakes += [
            ("backward_sigma", E.CLF_MISTAKE_SIGMA_DW),
            ("backward_sigmoid_twice", E.CLF_MISTAKE_SIGMOID_TWICE_DW),
            ("backward_no_derivative", E.CLF_MISTAKE_NO_DERIV_DW),
        ]
    d = len(expected) - 1
    if dW_arr.ndim == 2 and dW_arr.shape[0] == n and n != d + 1:
        _fail(part, f"model.backward(dout) {MISTAKES['backward_per_sample']} (got {dW_arr.shape}).")
    if dW_arr.size == d and _close(dW_arr.reshape(d, 1), expected[:-1]):
        _fail(part, f"model.backward(dout) {MISTAKES['backward_no_bias']} (got {dW_arr.shape}).")
    if (
        dW_arr.shape == expected.shape
        and _close(dW_arr[:-1], expected[:-1])
        and not _close(dW_arr[-1:], expected[-1:])
    ):
        _fail(part, f"model.backward(dout) {MISTAKES['backward_no_bias']}.")
    compare(part, "model.backward(dout)", dW_arr, expected, mistakes)
    _passed(part, f"backward with X of shape {X.shape}")


# --------------------------------------------------------------------------- optimizer


def check_optimizer_step(W=None, dw=None, lr=None, expected=None):
    """Optimizer.step: W <- W - lr * dw, stored in model.W and returned."""
    part = "optimizer_step"
    if W is None:
        W, dw, lr, expected = E.OPT_W, E.OPT_DW, E.OPT_LR, E.OPT_W_NEW
    W, dw = np.array(W, dtype=np.float64), np.array(dw, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    from exercise_code.networks.optimizer import Optimizer

    class _Model:  # the optimizer needs only the weights
        pass

    model = _Model()
    model.W = W.copy()
    with student_code(part, f"Optimizer(model, learning_rate={lr}).step(dw)"):
        new = Optimizer(model, lr).step(dw.copy())
    mistakes = [
        ("optimizer_plus", W + lr * dw),
        ("optimizer_no_lr", W - dw),
        ("optimizer_plus", W + dw),
        ("optimizer_lr_squared", W - lr * lr * dw),
    ]
    compare(part, "Optimizer.step(dw)", new, expected, mistakes)
    compare(part, "model.W after Optimizer.step(dw)", model.W, expected, mistakes)
    _passed(part, f"one gradient step at learning rate {lr}")


# --------------------------------------------------------------------------- solver


class _Log:
    def __init__(self):
        self.calls = []


class _StandInModel:
    """Records calls; returns fixed arrays (not a classifier: only Solver._step is tested)."""

    def __init__(self, log, z, dW):
        self.log, self.z, self.dW = log, z, dW
        self.W = np.zeros_like(dW)
        self.cache = None

    def forward(self, X):
        self.log.calls.append(("forward", X))
        return self.z.copy()

    __call__ = forward

    def backward(self, dout):
        self.log.calls.append(("backward", dout))
        return self.dW.copy()


class _StandInLoss:
    def __init__(self, log, value, grad):
        self.log, self.value, self.grad = log, value, grad

    def __call__(self, y_out, y_truth, individual_losses=False):
        self.log.calls.append(("loss", y_out, y_truth))
        return self.value, self.grad.copy()

    def forward(self, y_out, y_truth, individual_losses=False):
        self.log.calls.append(("loss.forward", y_out, y_truth))
        return self.value

    def backward(self, y_out, y_truth):
        self.log.calls.append(("loss.backward", y_out, y_truth))
        return self.grad.copy()


def _standin_optimizer(log):
    class _StandInOptimizer:
        def __init__(self, model, learning_rate):
            self.model, self.lr = model, learning_rate

        def step(self, dw):
            log.calls.append(("step", dw))
            return self.model.W

    return _StandInOptimizer


def _same(a, b):
    return a is b or (np.shape(a) == np.shape(b) and np.array_equal(np.asarray(a), b))


def check_solver_step(num_samples=5, num_features=2, loss_value=0.6931):
    """Solver._step: forward on X_train, loss, backward with dL/dz, opt.step(dW); returns loss.

    Runs with stand-in model, loss and optimizer that record their calls, so only _step is
    tested (the stand-ins return fixed arrays; no part of a solution is needed).
    """
    part = "solver_step"
    from exercise_code.solver import Solver

    n, d = num_samples, num_features
    grid = np.arange(n * d, dtype=np.float64).reshape(n, d)
    data = {
        "X_train": grid / 10,
        "y_train": (np.arange(n) % 2).reshape(n, 1),
        "X_val": -grid / 10,
        "y_val": (np.arange(n) % 2 == 0).astype(np.int64).reshape(n, 1),
    }
    z = np.linspace(0.2, 0.8, n).reshape(n, 1)
    grad = np.linspace(-0.3, 0.4, n).reshape(n, 1)
    dW = np.linspace(0.5, -0.5, d + 1).reshape(d + 1, 1)
    log = _Log()
    model = _StandInModel(log, z, dW)
    loss = _StandInLoss(log, loss_value, grad)
    with student_code(part, "Solver(...)"):
        solver = Solver(model, data, loss, 0.1, optimizer=_standin_optimizer(log), verbose=False)
    with student_code(part, "solver._step()"):
        returned = solver._step()
    names = [c[0] for c in log.calls]
    if "forward" not in names:
        _fail(part, f"_step {MISTAKES['solver_no_forward']} (calls: {names}).")
    if "backward" not in names:
        _fail(part, f"_step {MISTAKES['solver_no_backward']} (calls: {names}).")
    if "step" not in names:
        _fail(part, f"_step {MISTAKES['solver_no_step']} (calls: {names}).")
    for name in ("forward", "backward", "step"):
        if names.count(name) > 1:
            _fail(
                part,
                f"_step {MISTAKES['solver_twice']}: {name} was called {names.count(name)} times.",
            )
    loss_calls = [c for c in log.calls if c[0].startswith("loss")]
    if not loss_calls:
        _fail(part, f"_step never called the loss function loss_func (calls: {names}).")
    first_loss = names.index(loss_calls[0][0])
    grad_pos = max(i for i, c in enumerate(names) if c in ("loss", "loss.backward"))
    if (
        not names.index("forward")
        < first_loss
        <= grad_pos
        < names.index("backward")
        < names.index("step")
    ):
        _fail(part, f"_step {MISTAKES['solver_order']} (calls: {names}).")
    forward_X = log.calls[names.index("forward")][1]
    if not _same(forward_X, data["X_train"]):
        _fail(part, f"_step {MISTAKES['solver_wrong_data']}: forward got other data than X_train.")
    for call in loss_calls:
        _, y_out, y_truth = call
        if _same(y_out, data["y_train"]) and _same(y_truth, z):
            _fail(part, f"_step {MISTAKES['solver_loss_args']}.")
        if not (_same(y_out, z) and _same(y_truth, data["y_train"])):
            _fail(
                part,
                f"_step must call the loss on the forward output and y_train; "
                f"{MISTAKES['solver_wrong_data']}.",
            )
    if not _same(log.calls[names.index("backward")][1], grad):
        _fail(part, f"_step {MISTAKES['solver_backward_arg']}.")
    if not _same(log.calls[names.index("step")][1], dW):
        _fail(part, f"_step {MISTAKES['solver_step_arg']}.")
    try:
        ok = returned is not None and float(returned) == loss_value
    except (TypeError, ValueError):
        ok = False
    if not ok:
        got = f"an array of shape {np.shape(returned)}" if np.ndim(returned) else repr(returned)
        _fail(part, f"_step {MISTAKES['solver_return']}: got {got}, expected {loss_value}.")
    _passed(part, "one training step calls forward, loss, backward and step in order")


# --------------------------------------------------------------------------- training


def _test_accuracy(W):
    """Test accuracy of weights W: (3, 1) on the breast-cancer test split.

    sigmoid(s) >= 1/2 exactly when s >= 0, so no sigmoid (and no student code) is needed.
    """
    from exercise_code.data import load_breast_cancer_splits

    data = load_breast_cancer_splits()
    s = data.X_test @ W[:-1] + W[-1]
    return float(np.mean((s >= 0) == (data.y_test == 1)))


def check_trained_accuracy(model, target=0.92):
    """The trained model in the notebook reaches ``target`` accuracy on the test split."""
    part = "trained_accuracy"
    W = _array(part, "model.W", getattr(model, "W", None))
    if W.shape != E.TRAIN_W.shape:
        _fail(part, f"model.W {MISTAKES['wrong_shape']} {W.shape}, expected {E.TRAIN_W.shape}.")
    if not np.all(np.isfinite(W)):
        _fail(part, f"{MISTAKES['training_diverged']}.")
    acc = _test_accuracy(W)
    if acc < target:
        _fail(
            part,
            f"{MISTAKES['accuracy_low']}: test accuracy {100 * acc:.2f}% is below "
            f"{100 * target:.0f}% (the reference reaches {100 * E.TRAIN_TEST_ACCURACY:.2f}%). "
            f"Check the parts above, and train with LEARNING_RATE and NUM_EPOCHS from "
            f"exercise_code.hyperparameters.",
        )
    _passed(part, f"test accuracy {100 * acc:.2f}% >= {100 * target:.0f}%")


def check_training_from_scratch(target=0.92, loss_rtol=0.01):
    """Train a fresh Classifier with the student's Solver and the stored hyperparameters.

    The final training loss must be within ``loss_rtol`` of the stored reference value.
    """
    part = "trained_accuracy"
    from exercise_code.data import load_breast_cancer_splits
    from exercise_code.hyperparameters import LEARNING_RATE, NUM_EPOCHS

    with student_code(part, "training a new Classifier with your Solver"):
        from exercise_code.networks import BCE, Classifier
        from exercise_code.solver import Solver

        model = Classifier(num_features=2)
        solver = Solver(model, load_breast_cancer_splits(), BCE(), LEARNING_RATE, verbose=False)
        solver.train(NUM_EPOCHS)
    final = _array(part, "the training loss", solver.train_loss_history[-1:])
    if (
        final.size != 1
        or not abs(float(final[0]) - E.TRAIN_FINAL_LOSS) <= loss_rtol * E.TRAIN_FINAL_LOSS
    ):
        _fail(
            part,
            f"{MISTAKES['training_loss']}: final training loss {final.ravel()}, expected "
            f"{E.TRAIN_FINAL_LOSS:.6f} after {NUM_EPOCHS} epochs.",
        )
    check_trained_accuracy(model, target)

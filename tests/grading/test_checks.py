"""The grading checks, in-process: the reference passes, and each common mistake is named.

A "student" here is the reference package with one method replaced by a mistaken version
(monkeypatched for one test). The real checks then run against that real, wrong code, as
they do in the notebook, and the message must contain the mistake's phrase from
``messages.MISTAKES``. tests/nbgrader repeats a few of these end to end, with real nbgrader
and real kernels; here every recognised mistake is covered in milliseconds.
"""

import re

import numpy as np
import pytest

from exercise_code import grading
from exercise_code.grading.checks import GradingFailure
from exercise_code.grading.messages import MISTAKES
from exercise_code.networks import BCE, Classifier, Optimizer
from exercise_code.networks.loss import EPS
from exercise_code.solver import Solver

# --------------------------------------------------------------------------- BCE


def _p(y_out, y):
    """The probability the prediction gives to the true label."""
    return y * y_out + (1 - y) * (1 - y_out)


def _bce_forward(per_sample, reduce=np.mean):
    def forward(self, y_out, y_truth, individual_losses=False):
        y_out, y_truth = self._check(y_out, y_truth)
        result = per_sample(y_out, y_truth)
        return result if individual_losses else float(reduce(result))

    return forward


def _bce_backward(gradient):
    def backward(self, y_out, y_truth):
        y_out, y_truth = self._check(y_out, y_truth)
        return gradient(y_out, y_truth)

    return backward


def _correct_loss(y_out, y):
    return -np.log(np.maximum(_p(y_out, y), EPS))


def _correct_grad(y_out, y):
    return (1 - 2 * y) / np.maximum(_p(y_out, y), EPS)  # without the 1/N


BCE_MISTAKES = [
    ("forward", _bce_forward(_correct_loss, reduce=np.sum), "bce_forward_sum"),
    ("forward", _bce_forward(lambda o, y: np.log(np.maximum(_p(o, y), EPS))), "bce_forward_sign"),
    (
        "forward",
        _bce_forward(lambda o, y: -np.log2(np.maximum(_p(o, y), EPS))),
        "bce_forward_log_base",
    ),
    (
        "forward",
        _bce_forward(lambda o, y: _correct_loss(1 / (1 + np.exp(-o)), y)),
        "bce_forward_logits",
    ),
    ("forward", _bce_forward(lambda o, y: _correct_loss(o, 1 - y)), "bce_forward_swapped"),
    ("backward", _bce_backward(_correct_grad), "bce_backward_missing_n"),
    (
        "backward",
        _bce_backward(lambda o, y: _correct_grad(o, y) / len(y) ** 2),
        "bce_backward_double_n",
    ),
    ("backward", _bce_backward(lambda o, y: -_correct_grad(o, y) / len(y)), "bce_backward_sign"),
    (
        "backward",
        _bce_backward(lambda o, y: _correct_grad(o, 1 - y) / len(y)),
        "bce_backward_swapped",
    ),
    ("backward", _bce_backward(lambda o, y: (o - y) / len(y)), "bce_backward_logits"),
]


@pytest.mark.parametrize(
    ("method", "wrong", "mistake"), BCE_MISTAKES, ids=[m for *_, m in BCE_MISTAKES]
)
def test_bce_mistakes_are_named(monkeypatch, method, wrong, mistake):
    monkeypatch.setattr(BCE, method, wrong)
    check = grading.check_bce_forward if method == "forward" else grading.check_bce_backward
    with pytest.raises(GradingFailure, match=_phrase(mistake)):
        check()


def _phrase(mistake):
    """A regex for the message of ``mistake``: its exact phrase from MISTAKES."""
    return re.escape(MISTAKES[mistake])


# --------------------------------------------------------------------------- classifier


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def _forward(logits, cache=lambda X, z: (X, z), output=lambda s, z: z):
    def forward(self, X):
        X = np.asarray(X, dtype=np.float64)
        s = logits(X, self.W)
        z = self.sigmoid(s)
        self.cache = cache(X, z)
        return output(s, z)

    return forward


def _backward(gradient):
    def backward(self, dout):
        X, z = self.cache
        return gradient(X, z, np.asarray(dout, dtype=np.float64))

    return backward


def _dW(X, ds):
    return np.vstack([X.T @ ds, ds.sum(keepdims=True)])


CLASSIFIER_MISTAKES = [
    ("sigmoid", lambda self, x: 1 / (1 + np.exp(np.asarray(x, float))), "sigmoid", "sigmoid_sign"),
    ("sigmoid", lambda self, x: np.tanh(np.asarray(x, float)), "sigmoid", "sigmoid_range"),
    (
        "forward",
        _forward(lambda X, W: X @ W[:-1] + W[-1], output=lambda s, z: s),
        "classifier_forward",
        "forward_logits",
    ),
    ("forward", _forward(lambda X, W: X @ W[:-1]), "classifier_forward", "forward_no_bias"),
    (
        "forward",
        _forward(lambda X, W: X @ W[1:] + W[0]),
        "classifier_forward",
        "forward_bias_first",
    ),
    (
        "forward",
        _forward(lambda X, W: X @ W[:-1] + W[-1], cache=lambda X, z: z),
        "classifier_forward",
        "forward_cache",
    ),
    ("backward", _backward(lambda X, z, d: _dW(X, d * z)), "classifier_backward", "backward_sigma"),
    (
        "backward",
        _backward(lambda X, z, d: _dW(X, d * _sigmoid(z) * (1 - _sigmoid(z)))),
        "classifier_backward",
        "backward_sigmoid_twice",
    ),
    (
        "backward",
        _backward(lambda X, z, d: _dW(X, d)),
        "classifier_backward",
        "backward_no_derivative",
    ),
    (
        "backward",
        _backward(lambda X, z, d: _dW(X, d * z * (1 - z)).T),
        "classifier_backward",
        "backward_transpose",
    ),
    (
        "backward",
        _backward(lambda X, z, d: np.hstack([X, np.ones((len(X), 1))]) * (d * z * (1 - z))),
        "classifier_backward",
        "backward_per_sample",
    ),
    (
        "backward",
        _backward(lambda X, z, d: X.T @ (d * z * (1 - z))),
        "classifier_backward",
        "backward_no_bias",
    ),
    (
        "backward",
        _backward(lambda X, z, d: -_dW(X, d * z * (1 - z))),
        "classifier_backward",
        "backward_sign",
    ),
    (
        "backward",
        _backward(lambda X, z, d: _dW(X, d * z * (1 - z)) / len(X)),
        "classifier_backward",
        "backward_double_n",
    ),
]
CHECKS = {
    "sigmoid": grading.check_sigmoid,
    "classifier_forward": grading.check_classifier_forward,
    "classifier_backward": grading.check_classifier_backward,
}


@pytest.mark.parametrize(
    ("method", "wrong", "part", "mistake"),
    CLASSIFIER_MISTAKES,
    ids=[m[-1] for m in CLASSIFIER_MISTAKES],
)
def test_classifier_mistakes_are_named(monkeypatch, method, wrong, part, mistake):
    monkeypatch.setattr(Classifier, method, wrong)
    with pytest.raises(GradingFailure, match=rf"^\[{part}\] .*{_phrase(mistake)}"):
        CHECKS[part]()


def test_a_sigmoid_that_overflows_is_named(monkeypatch):
    monkeypatch.setattr(
        Classifier, "sigmoid", lambda self, x: 1 / (1 + np.exp(-np.asarray(x, float)))
    )
    with pytest.raises(GradingFailure, match=_phrase("sigmoid_overflow")):
        grading.check_sigmoid_extremes(x=[-1000.0, 0.0, 1000.0], expected=[0.0, 0.5, 1.0])


# --------------------------------------------------------------------------- optimizer


def _step(update):
    def step(self, dw):
        self.model.W = update(self.model.W, np.asarray(dw, dtype=np.float64), self.lr)
        return self.model.W

    return step


OPTIMIZER_MISTAKES = [
    (_step(lambda W, dw, lr: W + lr * dw), "optimizer_plus"),
    (_step(lambda W, dw, lr: W - dw), "optimizer_no_lr"),
    (_step(lambda W, dw, lr: W - lr * lr * dw), "optimizer_lr_squared"),
]


@pytest.mark.parametrize(
    ("wrong", "mistake"), OPTIMIZER_MISTAKES, ids=[m for _, m in OPTIMIZER_MISTAKES]
)
def test_optimizer_mistakes_are_named(monkeypatch, wrong, mistake):
    monkeypatch.setattr(Optimizer, "step", wrong)
    with pytest.raises(GradingFailure, match=_phrase(mistake)):
        grading.check_optimizer_step()


# --------------------------------------------------------------------------- solver


def _solver_step(body):
    """A Solver._step whose body is ``body(model, loss_func, X, y, opt)``."""

    def _step(self):
        return body(self.model, self.loss_func, self.X_train, self.y_train, self.opt)

    return _step


def _backward_before_loss(model, loss_func, X, y, opt):
    z = model.forward(X)
    dW = model.backward(z)
    loss, _ = loss_func(z, y)
    opt.step(dW)
    return loss


def _twice(model, loss_func, X, y, opt):
    z = model.forward(X)
    loss, grad = loss_func(z, y)
    opt.step(model.backward(grad))
    opt.step(model.backward(grad))
    return loss


def _chain(*, X=None, args=None, backward_arg=None, step_arg=None, ret=None, skip=()):
    """The reference step, with one thing changed."""

    def body(model, loss_func, X_train, y_train, opt):
        z = model.forward(X_train if X is None else X)
        loss, grad = loss_func(*(args(z, y_train) if args else (z, y_train)))
        dW = (
            None
            if "backward" in skip
            else model.backward(backward_arg(z, grad) if backward_arg else grad)
        )
        if "step" not in skip:
            opt.step(step_arg(dW, grad) if step_arg else dW)
        return ret(loss) if ret else loss

    return body


SOLVER_MISTAKES = [
    (_backward_before_loss, "solver_order"),
    (_twice, "solver_twice"),
    (_chain(skip=("step",)), "solver_no_step"),
    (_chain(skip=("backward", "step")), "solver_no_backward"),
    (
        lambda model, loss_func, X, y, opt: loss_func(np.full(y.shape, 0.5), y)[0],
        "solver_no_forward",
    ),
    (_chain(args=lambda z, y: (y, z)), "solver_loss_args"),
    (_chain(backward_arg=lambda z, grad: z), "solver_backward_arg"),
    (_chain(step_arg=lambda dW, grad: grad), "solver_step_arg"),
    (_chain(ret=lambda loss: None), "solver_return"),
]


@pytest.mark.parametrize(("body", "mistake"), SOLVER_MISTAKES, ids=[m for _, m in SOLVER_MISTAKES])
def test_solver_mistakes_are_named(monkeypatch, body, mistake):
    monkeypatch.setattr(Solver, "_step", _solver_step(body))
    with pytest.raises(GradingFailure, match=rf"^\[solver_step\] .*{_phrase(mistake)}"):
        grading.check_solver_step()


def test_solver_on_the_wrong_data_is_named(monkeypatch):
    def on_validation(self):
        return _chain(X=self.X_val)(
            self.model, self.loss_func, self.X_train, self.y_train, self.opt
        )

    monkeypatch.setattr(Solver, "_step", on_validation)
    with pytest.raises(GradingFailure, match=_phrase("solver_wrong_data")):
        grading.check_solver_step()


# --------------------------------------------------------------------------- everything


def test_the_reference_passes_every_check(capsys):
    grading.check_bce_forward()
    grading.check_bce_backward()
    grading.check_sigmoid()
    grading.check_sigmoid_extremes(x=[-1000.0, 0.0, 1000.0], expected=[0.0, 0.5, 1.0])
    grading.check_classifier_forward()
    grading.check_classifier_backward()
    grading.check_optimizer_step()
    grading.check_solver_step()
    grading.check_training_from_scratch()
    out = capsys.readouterr().out
    assert out.count("passed") == 9, out


def _raises(escape):
    def forward(self, y_out, y_truth, individual_losses=False):
        raise escape

    return forward


@pytest.mark.parametrize(
    ("wrong", "mistake"),
    [
        (lambda self, y_out, y_truth, individual_losses=False: None, "returned_none"),
        (lambda self, y_out, y_truth, individual_losses=False: 1 / 0, "exception"),
        (_raises(NotImplementedError("BCE.forward is not implemented yet.")), "not_implemented"),
        # nbgrader interrupts an endless loop; its traceback would print hidden test lines.
        (_raises(KeyboardInterrupt()), "interrupted"),
        (_raises(SystemExit()), "exited"),
    ],
    ids=["returned_none", "exception", "not_implemented", "interrupted", "exited"],
)
def test_broken_code_is_a_failed_check_without_traceback(monkeypatch, wrong, mistake):
    monkeypatch.setattr(BCE, "forward", wrong)
    with pytest.raises(GradingFailure, match=_phrase(mistake)) as info:
        grading.check_bce_forward()
    assert info.value._render_traceback_() == [f"\x1b[0;31mGradingFailure\x1b[0m: {info.value}"]


def test_an_exception_names_the_students_line(monkeypatch):
    def forward(self, y_out, y_truth, individual_losses=False):
        return np.log(y_out) @ y_truth  # (N, 1) @ (N, 1): a shape error on this line

    monkeypatch.setattr(BCE, "forward", forward)
    with pytest.raises(
        GradingFailure, match=r"ValueError: .*test_checks\.py, line \d+: return np\.log"
    ):
        grading.check_bce_forward()


def test_a_diverged_training_is_named():
    model = Classifier(num_features=2)
    model.W = np.full((3, 1), np.nan)
    with pytest.raises(GradingFailure, match=_phrase("training_diverged")):
        grading.check_trained_accuracy(model)


def test_an_untrained_model_is_below_the_target():
    model = Classifier(num_features=2)
    model.initialize_weights(np.array([[-1.0], [-1.0], [0.0]]))  # predicts the wrong class
    with pytest.raises(GradingFailure, match=_phrase("accuracy_low")):
        grading.check_trained_accuracy(model)


# --------------------------------------------------------------------------- generic mistakes


def _unfloored_loss(y_out, y):
    return -(y * np.log(y_out) + (1 - y) * np.log(1 - y_out))


EDGE = {
    "y_out": [[0.0], [1.0], [1.0], [0.0], [0.5]],
    "y_truth": [[0], [1], [0], [1], [1]],
    "expected_individual": [[0.0], [0.0], [36.04365338911715], [36.04365338911715], [0.69314718]],
}


GENERIC_MISTAKES = [
    (
        BCE,
        "forward",
        lambda self, y_out, y_truth, individual_losses=False: float(
            np.mean(_correct_loss(*self._check(y_out, y_truth)))
        ),
        grading.check_bce_forward,
        "bce_forward_individual",
    ),
    (
        BCE,
        "forward",
        _bce_forward(_unfloored_loss),
        lambda: grading.check_bce_forward_edge_values(**EDGE),
        "bce_forward_edge",
    ),
    (
        BCE,
        "backward",
        _bce_backward(lambda o, y: (1 - 2 * y) / _p(o, y) / len(y)),
        lambda: grading.check_bce_backward_edge_values(EDGE["y_out"], EDGE["y_truth"]),
        "fp_warning",
    ),
    (
        Classifier,
        "sigmoid",
        lambda self, x: np.full(np.shape(x), np.nan),
        grading.check_sigmoid,
        "not_finite",
    ),
    (
        Classifier,
        "sigmoid",
        lambda self, x: _sigmoid(np.asarray(x, float)).ravel(),
        grading.check_sigmoid,
        "wrong_shape",
    ),
    (
        Classifier,
        "forward",
        _forward(lambda X, W: 2 * (X @ W[:-1]) + W[-1]),
        grading.check_classifier_forward,
        "forward_unexpected_logits",
    ),
    (
        Optimizer,
        "step",
        _step(lambda W, dw, lr: W - 0.1 * lr * dw),
        grading.check_training_from_scratch,
        "training_loss",
    ),
]


@pytest.mark.parametrize(
    ("cls", "method", "wrong", "check", "mistake"),
    GENERIC_MISTAKES,
    ids=[m[-1] for m in GENERIC_MISTAKES],
)
def test_generic_mistakes_are_named(monkeypatch, cls, method, wrong, check, mistake):
    monkeypatch.setattr(cls, method, wrong)
    with pytest.raises(GradingFailure, match=_phrase(mistake)):
        check()


def test_every_recognised_mistake_is_tested_here():
    """A new entry in messages.MISTAKES needs a test in this file."""
    with open(__file__, encoding="utf-8") as f:
        text = f.read()
    untested = [k for k in MISTAKES if f'"{k}"' not in text]
    assert not untested, untested


def test_the_package_docstring_lists_every_mistake_with_its_phrase():
    for key, phrase in MISTAKES.items():
        assert f"    {key}:\n        {phrase}\n" in grading.__doc__, key

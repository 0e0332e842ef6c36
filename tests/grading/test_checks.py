"""The notebook's checks, in-process, as a student's kernel runs them (``grading.check``).

A "student" here is the reference package with one method replaced by a mistaken version
(monkeypatched for one test). The checks run against it with the expectations stored in
``expected.json``, as they do in the notebook. Every recognised mistake is covered through
the real grader (sandboxed probe, trusted judge) in tests/grader/test_mistakes.py; here the
notebook's side: what a student sees while working.
"""

import re

import numpy as np
import pytest

from exercise_code import grading
from exercise_code.grading import GradingFailure
from exercise_code.grading.messages import MISTAKES
from exercise_code.networks import BCE, Classifier, Optimizer
from exercise_code.networks.loss import EPS
from exercise_code.solver import Solver


def _phrase(mistake):
    return re.escape(MISTAKES[mistake])


def test_the_reference_passes_every_check(capsys):
    for part in grading.PARTS:
        grading.check(part)
    out = capsys.readouterr().out
    assert [line.split("]")[0][1:] for line in out.splitlines() if line.startswith("[")] == list(
        grading.PARTS
    )
    assert out.count("] passed: ") == len(grading.PARTS)


def test_an_unknown_part_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown part 'bce'; the parts are"):
        grading.check("bce")


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
        (_raises(KeyboardInterrupt()), "interrupted"),
        (_raises(SystemExit()), "exited"),
    ],
    ids=["returned_none", "exception", "not_implemented", "interrupted", "exited"],
)
def test_broken_code_is_a_failed_check_without_traceback(monkeypatch, wrong, mistake):
    monkeypatch.setattr(BCE, "forward", wrong)
    with pytest.raises(GradingFailure, match=_phrase(mistake)) as info:
        grading.check("bce_forward")
    assert str(info.value).startswith("[bce_forward] ")
    rendered = info.value._render_traceback_()
    assert len(rendered) == 1 and rendered[0].startswith("\x1b[0;31mGradingFailure\x1b[0m: [bce_")
    assert " ".join(rendered[0].split()[1:]) == " ".join(str(info.value).split())


def test_an_exception_names_the_students_line(monkeypatch, tmp_path):
    """The line shown is the student's own, in their package (here a file named like one)."""
    student = tmp_path / "exercise_code" / "networks" / "loss.py"
    student.parent.mkdir(parents=True)
    student.write_text(
        "import numpy as np\n\n"
        "def forward(self, y_out, y_truth, individual_losses=False):\n"
        "    return np.log(y_out) @ y_truth  # (N, 1) @ (N, 1): a shape error\n",
        encoding="utf-8",
    )
    namespace = {}
    exec(compile(student.read_text(), str(student), "exec"), namespace)
    monkeypatch.setattr(BCE, "forward", namespace["forward"])
    with pytest.raises(
        GradingFailure, match=r"ValueError: .*\(in networks/loss\.py, line 4: return np\.log"
    ):
        grading.check("bce_forward")


# A few mistakes, as the notebook names them (on the stored, visible cases).


def _p(y_out, y):
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


def _loss(y_out, y):
    return -np.log(np.maximum(_p(y_out, y), EPS))


def _grad(y_out, y):
    return (1 - 2 * y) / np.maximum(_p(y_out, y), EPS)  # without the 1/N


def _forward(logits):
    def forward(self, X):
        X = np.asarray(X, dtype=np.float64)
        z = self.sigmoid(logits(X, self.W))
        self.cache = (X, z)
        return z

    return forward


def _backward(gradient):
    def backward(self, dout):
        X, z = self.cache
        return gradient(X, z, np.asarray(dout, dtype=np.float64))

    return backward


def _dW(X, ds):
    return np.vstack([X.T @ ds, ds.sum(keepdims=True)])


def _backward_before_loss(self):
    z = self.model.forward(self.X_train)
    dW = self.model.backward(z)
    loss, _ = self.loss_func(z, self.y_train)
    self.opt.step(dW)
    return loss


MISTAKEN = [
    (BCE, "forward", _bce_forward(_loss, reduce=np.sum), "bce_forward", "bce_forward_sum"),
    (BCE, "backward", _bce_backward(_grad), "bce_backward", "bce_backward_missing_n"),
    (Classifier, "sigmoid", lambda self, x: 1 / (1 + np.exp(np.asarray(x))), "sigmoid",
     "sigmoid_sign"),
    (Classifier, "forward", _forward(lambda X, W: X @ W[:-1]), "classifier_forward",
     "forward_no_bias"),
    (Classifier, "backward", _backward(lambda X, z, d: _dW(X, d * z * (1 - z)).T),
     "classifier_backward", "backward_transpose"),
    (Optimizer, "step", lambda self, dw: self.model.W + self.lr * dw, "optimizer_step",
     "optimizer_plus"),
    (Solver, "_step", _backward_before_loss, "solver_step", "solver_order"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("cls", "method", "wrong", "part", "mistake"), MISTAKEN, ids=[m[-1] for m in MISTAKEN]
)
def test_the_notebook_names_common_mistakes(monkeypatch, cls, method, wrong, part, mistake):
    monkeypatch.setattr(cls, method, wrong)
    with pytest.raises(GradingFailure, match=rf"^\[{part}\] .*{_phrase(mistake)}"):
        grading.check(part)


def test_backward_is_judged_on_its_own_after_a_wrong_forward_in_the_notebook(monkeypatch):
    """A forward that forgets the bias fails part 4 only: the correct backward is run on the
    cache as that forward fills it, with the values a correct forward gives, and passes."""
    monkeypatch.setattr(Classifier, "forward", _forward(lambda X, W: X @ W[:-1]))
    with pytest.raises(GradingFailure, match=_phrase("forward_no_bias")):
        grading.check("classifier_forward")
    grading.check("classifier_backward")


def test_a_wrong_backward_after_a_wrong_forward_is_named_in_the_notebook(monkeypatch):
    monkeypatch.setattr(Classifier, "forward", _forward(lambda X, W: X @ W[:-1]))
    monkeypatch.setattr(Classifier, "backward", _backward(lambda X, z, d: -_dW(X, d * z * (1 - z))))
    with pytest.raises(GradingFailure, match=_phrase("backward_sign")):
        grading.check("classifier_backward")


def test_the_slides_cache_convention_passes(monkeypatch):
    """The course slides cache [X, 1] and compute dW = X.T @ ds: correct, so it passes."""

    def forward(self, X):
        X = np.concatenate((X, np.ones((X.shape[0], 1))), axis=1)
        z = self.sigmoid(X.dot(self.W))
        self.cache = (X, z)
        return z

    def backward(self, dout):
        X, z = self.cache
        return X.T.dot(dout * z * (1 - z))

    monkeypatch.setattr(Classifier, "forward", forward)
    monkeypatch.setattr(Classifier, "backward", backward)
    grading.check("classifier_forward")
    grading.check("classifier_backward")

# ruff: noqa: E501  (a table: one mutation per line reads best)
"""Every recognised mistake is named by the real grader, in the student's own terms.

Each case is a submission: the reference's student files with one exact piece changed, as a
student would write it. It is graded by ``tools.grader.trusted.grade`` (the probe in the real
sandbox, the judge in this process), for the part the mistake belongs to, and the verdict must
fail that part with the phrase of ``messages.MISTAKES`` (or, for a mistake that only a hidden
case shows, with that case's text, the judge naming the mistake to the grader alone). A
meta-test fails when a phrase is added without a case here.
"""

import re

import pytest

from exercise_code.grading import PARTS
from exercise_code.grading.messages import MISTAKES
from tests.submissions import (
    CLASSIFIER,
    LOSS,
    OPTIMIZER,
    SOLVER,
    changed,
    everything,
    make_submission,
)
from tools.grader import trusted
from tools.grader.redaction import hidden_failure_text

FORWARD_LOSS = "result = -np.log(np.maximum(p, EPS))"
FORWARD_P = "p = y_truth * y_out + (1 - y_truth) * (1 - y_out)\n        result"
BACKWARD_P = "p = y_truth * y_out + (1 - y_truth) * (1 - y_out)\n        gradient"
GRADIENT = "gradient = (1 - 2 * y_truth) / np.maximum(p, EPS) / len(y_truth)"
SIGMOID = "e = np.exp(-np.abs(x))\n        out = np.where(x >= 0, 1.0, e) / (1.0 + e)"
LOGITS = "s = X @ self.W[:-1] + self.W[-1]"
DS = "ds = dout * z * (1 - z)\n        dW = np.empty_like"
DW = "dW[:-1] = X.T @ ds\n        dW[-1] = ds.sum()"
STEP = "weight = weight - self.lr * dw"
FORWARD = "model_forward = model.forward(X_train)"
LOSS_CALL = "loss, loss_grad = loss_func(model_forward, y_train)"

# key: (part, file, old, new)
MISTAKEN = {
    # BCE.forward
    "bce_forward_sum": (
        "bce_forward", LOSS, "return float(np.mean(result))", "return float(np.sum(result))"
    ),
    "bce_forward_sign": ("bce_forward", LOSS, FORWARD_LOSS, "result = np.log(np.maximum(p, EPS))"),
    "bce_forward_log_base": (
        "bce_forward", LOSS, FORWARD_LOSS, "result = -np.log2(np.maximum(p, EPS))"
    ),
    "bce_forward_logits": (
        "bce_forward", LOSS, FORWARD_P, "y_out = 1 / (1 + np.exp(-y_out))\n        " + FORWARD_P
    ),
    "bce_forward_swapped": (
        "bce_forward", LOSS, FORWARD_P,
        "p = (1 - y_truth) * y_out + y_truth * (1 - y_out)\n        result",
    ),
    "bce_forward_individual": (
        "bce_forward", LOSS, "            return result\n", "            return float(np.mean(result))\n"
    ),
    "bce_forward_edge": (
        "bce_forward_robust", LOSS, FORWARD_LOSS,
        "with np.errstate(divide='ignore'):\n            result = -np.log(p)",
    ),
    "bce_forward_log_of_labels": (
        "bce_forward", LOSS, FORWARD_LOSS,
        "result = -(y_out * np.log(np.maximum(y_truth, 1e-12))"
        " + (1 - y_out) * np.log(np.maximum(1 - y_truth, 1e-12)))",
    ),
    # A warning on the visible test (log of a negative number); -np.log(p) warns on a hidden
    # test only, whose message says nothing of it.
    "fp_warning": ("bce_forward", LOSS, FORWARD_LOSS, "result = -np.log(2 * p - 1)"),
    "returned_none": ("bce_forward", LOSS, "return float(np.mean(result))", "return None"),
    # BCE.backward
    "bce_backward_missing_n": (
        "bce_backward", LOSS, GRADIENT, GRADIENT.replace(" / len(y_truth)", "")
    ),
    "bce_backward_double_n": ("bce_backward", LOSS, GRADIENT, GRADIENT + " / len(y_truth)"),
    "bce_backward_sign": ("bce_backward", LOSS, GRADIENT, GRADIENT.replace("= (1", "= -(1")),
    "bce_backward_swapped": (
        "bce_backward", LOSS, BACKWARD_P, "y_truth = 1 - y_truth\n        " + BACKWARD_P
    ),
    "bce_backward_logits": ("bce_backward", LOSS, GRADIENT, "gradient = (y_out - y_truth) / len(y_truth)"),
    "wrong_shape": ("bce_backward", LOSS, GRADIENT, f"gradient = ({GRADIENT[11:]}).ravel()"),
    # Classifier.sigmoid
    "sigmoid_sign": ("sigmoid", CLASSIFIER, SIGMOID, "out = 1 / (1 + np.exp(x))"),
    "sigmoid_overflow": ("sigmoid_robust", CLASSIFIER, SIGMOID, "out = 1 / (1 + np.exp(-x))"),
    "sigmoid_range": ("sigmoid", CLASSIFIER, SIGMOID, "out = np.tanh(x)"),
    "not_finite": ("sigmoid", CLASSIFIER, SIGMOID, "out = np.full(x.shape, np.nan)"),
    # Classifier.forward
    "forward_logits": ("classifier_forward", CLASSIFIER, "z = self.sigmoid(s)", "z = s"),
    "forward_no_bias": ("classifier_forward", CLASSIFIER, LOGITS, "s = X @ self.W[:-1]"),
    "forward_bias_first": ("classifier_forward", CLASSIFIER, LOGITS, "s = X @ self.W[1:] + self.W[0]"),
    "forward_unexpected_logits": (
        "classifier_forward", CLASSIFIER, LOGITS, "s = 2 * (X @ self.W[:-1]) + self.W[-1]"
    ),
    "exception": ("classifier_forward", CLASSIFIER, LOGITS, "s = X @ self.W + self.W[-1]"),
    # Classifier.backward
    "backward_sigma": ("classifier_backward", CLASSIFIER, DS, "ds = dout * z\n        dW = np.empty_like"),
    "backward_sigmoid_twice": (
        "classifier_backward", CLASSIFIER, DS,
        "sz = 1 / (1 + np.exp(-z))\n        ds = dout * sz * (1 - sz)\n        dW = np.empty_like",
    ),
    "backward_no_derivative": ("classifier_backward", CLASSIFIER, DS, "ds = dout\n        dW = np.empty_like"),
    "backward_transpose": (
        "classifier_backward", CLASSIFIER, DW,
        "dW = np.vstack([X.T @ ds, ds.sum(keepdims=True)]).T",
    ),
    "backward_per_sample": (
        "classifier_backward", CLASSIFIER, DW, "dW = np.hstack([X, np.ones((len(X), 1))]) * ds"
    ),
    "backward_no_bias": ("classifier_backward", CLASSIFIER, DW, "dW = X.T @ ds"),
    "backward_sign": (
        "classifier_backward", CLASSIFIER, DW,
        "dW[:-1] = -(X.T @ ds)\n        dW[-1] = -ds.sum()",
    ),
    "backward_double_n": (
        "classifier_backward", CLASSIFIER, DW,
        "dW[:-1] = X.T @ ds / len(X)\n        dW[-1] = ds.sum() / len(X)",
    ),
    # Optimizer.step
    "optimizer_plus": ("optimizer_step", OPTIMIZER, STEP, "weight = weight + self.lr * dw"),
    "optimizer_no_lr": ("optimizer_step", OPTIMIZER, STEP, "weight = weight - dw"),
    "optimizer_lr_squared": (
        "optimizer_step", OPTIMIZER, STEP, "weight = weight - self.lr * self.lr * dw"
    ),
    "optimizer_returned_old": (
        "optimizer_step", OPTIMIZER, STEP, "self.model.W = weight - self.lr * dw"
    ),
    "optimizer_not_stored": ("optimizer_step", OPTIMIZER, STEP, "return weight - self.lr * dw"),
    # Solver._step
    "solver_order": (
        "solver_step", SOLVER, LOSS_CALL + "  # dL/dz: (N, 1)\n        dW = model.backward(loss_grad)",
        "dW = model.backward(model_forward)\n        " + LOSS_CALL,
    ),
    "solver_no_step": ("solver_step", SOLVER, "        opt.step(dW)\n", ""),
    "solver_no_backward": (
        "solver_step", SOLVER,
        "        dW = model.backward(loss_grad)  # dL/dW: (D + 1, 1), the shape of W\n"
        "        opt.step(dW)\n",
        "",
    ),
    "solver_no_forward": ("solver_step", SOLVER, FORWARD, "model_forward = np.full(y_train.shape, 0.5)"),
    "solver_wrong_data": ("solver_step", SOLVER, FORWARD, "model_forward = model.forward(self.X_val)"),
    "solver_loss_args": (
        "solver_step", SOLVER, LOSS_CALL, "loss, loss_grad = loss_func(y_train, model_forward)"
    ),
    "solver_backward_arg": (
        "solver_step", SOLVER, "model.backward(loss_grad)", "model.backward(model_forward)"
    ),
    "solver_step_arg": ("solver_step", SOLVER, "opt.step(dW)", "opt.step(loss_grad)"),
    "solver_step_scaled": (
        "solver_step", SOLVER, "opt.step(dW)", "dW /= X_train.shape[0]\n        opt.step(dW)"
    ),
    "solver_backward_scaled": (
        "solver_step", SOLVER, "dW = model.backward(loss_grad)",
        "loss_grad /= len(y_train)\n        dW = model.backward(loss_grad)",
    ),
    "solver_return": ("solver_step", SOLVER, "        return loss\n", "        return [loss]\n"),
    "solver_return_tuple": (
        "solver_step", SOLVER, "        return loss\n", "        return loss_grad, loss\n"
    ),
    "solver_twice": ("solver_step", SOLVER, "opt.step(dW)", "opt.step(dW)\n        opt.step(dW)"),
    # Training
    "accuracy_low": ("trained_accuracy", OPTIMIZER, STEP, "weight = weight + self.lr * dw"),
    "training_diverged": (
        "trained_accuracy", OPTIMIZER, STEP, "weight = weight - self.lr * dw * float('inf')"
    ),
    "training_loss": ("trained_accuracy", OPTIMIZER, STEP, "weight = weight - 0.1 * self.lr * dw"),
    # The process running the student's code
    "exited": ("bce_forward", LOSS, FORWARD_LOSS, "raise SystemExit(0)"),
    "crashed": ("bce_forward", LOSS, FORWARD_LOSS, "import os\n        os._exit(3)"),
    "bad_reply": (
        "bce_forward", LOSS, FORWARD_LOSS,
        "import os, sys\n        os.write(int(sys.argv[1]), b'not json\\n')\n        " + FORWARD_LOSS,
    ),
}  # fmt: skip
# Covered elsewhere, because they need more than one changed line or a long run:
# not_implemented (the untouched release), interrupted (an endless loop), out_of_time
# (tests/grader/test_trusted.py).
ELSEWHERE = {"not_implemented", "interrupted", "out_of_time"}
# Mistakes that only a hidden case shows (its name here): the student reads that case's text,
# which names no mistake (redaction.hidden_failure_text); the judge still tells them apart, in a
# message the grader keeps to itself.
ON_HIDDEN_CASES_ONLY = {}


@pytest.mark.parametrize("mistake", sorted(MISTAKEN))
def test_the_grader_names_the_mistake(tmp_path, mistake, monkeypatch):
    judged = []
    judge = trusted._judge

    def recorded(engine, judges, case, reply, desk=None):
        message = judge(engine, judges, case, reply, desk)
        judged.append((case, message))
        return message

    monkeypatch.setattr(trusted, "_judge", recorded)
    part, rel, old, new = MISTAKEN[mistake]
    files = {**everything(), rel: changed(rel, old, new)}
    folder = make_submission(tmp_path / "submission", files)
    verdict = trusted.grade(folder, parts=[part])[part]
    assert not verdict.passed
    assert verdict.text.startswith(f"[{part}] ")
    if mistake not in ON_HIDDEN_CASES_ONLY:
        assert verdict.visible_failed
        assert re.search(re.escape(MISTAKES[mistake]), verdict.text), verdict.text
        return
    case, message = judged[-1]
    assert (case.hidden, case.name) == (True, ON_HIDDEN_CASES_ONLY[mistake])
    assert verdict.text == hidden_failure_text(case, PARTS[part].what)
    assert MISTAKES[mistake] in message and MISTAKES[mistake] not in verdict.text


def test_every_recognised_mistake_has_a_case():
    assert sorted(set(MISTAKES) - set(MISTAKEN) - ELSEWHERE) == []

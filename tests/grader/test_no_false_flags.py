"""A flag is an accusation: honest code never gets one.

A submission is flagged when the notebook's own test of a part printed "passed" and the
trusted grader failed that visible test with a failure it calls certain. Each submission here
does in-place arithmetic on an array a test hands over, in every part (and its robustness
cell), as real solutions do
(some of them right, some wrong): the notebook's test, run in a kernel of its own on the
submission's folder, and the trusted grader must agree on the visible test, so that no flag
can fire. The stand-ins of the training step hand out copies and recognise arrays by value,
on both sides.
"""

import os
import subprocess
import sys

import pytest

from exercise_code.grading import PARTS
from exercise_code.grading.messages import MISTAKES
from tests.submissions import CLASSIFIER, LOSS, OPTIMIZER, SOLVER, everything, make_submission
from tests.variants import written
from tools.course import ROBUSTNESS_SUFFIX
from tools.grader import trusted

# name: (part, file, {method: body}, whether the visible test passes)
IN_PLACE = {
    "bce_forward_clip_out": (
        "bce_forward", LOSS,
        {"BCE.forward": """
            np.clip(y_out, 1e-12, 1 - 1e-12, out=y_out)
            result = -(y_truth * np.log(y_out) + (1 - y_truth) * np.log(1 - y_out))
        """},
        True,
    ),
    "bce_backward_clip_out_divide": (
        "bce_backward", LOSS,
        {"BCE.backward": """
            np.clip(y_out, 1e-12, 1 - 1e-12, out=y_out)
            gradient = -(y_truth / y_out) + (1 - y_truth) / (1 - y_out)
            gradient /= len(y_truth)
        """},
        True,
    ),
    "sigmoid_on_x": (
        "sigmoid", CLASSIFIER,
        {"Classifier.sigmoid": """
            np.negative(x, out=x)
            np.exp(x, out=x)
            x += 1
            out = 1 / x
        """},
        True,
    ),
    "forward_logits_plus_bias": (
        "classifier_forward", CLASSIFIER,
        {"Classifier.forward": """
            s = X @ self.W[:-1]
            s += self.W[-1]
            z = self.sigmoid(s)
            self.cache = (X, z)
        """},
        True,
    ),
    "forward_changes_X": (
        "classifier_forward", CLASSIFIER,
        {"Classifier.forward": """
            X *= 1.0
            X += 0.0
            X[0] = 0.0
            s = X @ self.W[:-1] + self.W[-1]
            z = self.sigmoid(s)
            self.cache = (X, z)
        """},
        False,
    ),
    "backward_dout_times": (
        "classifier_backward", CLASSIFIER,
        {"Classifier.backward": """
            X, z = self.cache
            dout *= z * (1 - z)
            dW = np.vstack([X.T @ dout, dout.sum(keepdims=True)])
        """},
        True,
    ),
    "optimizer_dw_times_lr": (
        "optimizer_step", OPTIMIZER,
        {"Optimizer.step": """
            dw *= self.lr
            weight -= dw
        """},
        True,
    ),
    "optimizer_model_W_in_place": (
        "optimizer_step", OPTIMIZER,
        {"Optimizer.step": "self.model.W -= self.lr * dw"},
        True,
    ),
    # The case: the gradient divided in place before it is passed on.
    "solver_divides_dW_in_place": (
        "solver_step", SOLVER,
        {"Solver._step": """
            model_forward = model.forward(X_train)
            loss, loss_grad = loss_func(model_forward, y_train)
            weight_gradient = model.backward(loss_grad)
            weight_gradient /= X_train.shape[0]
            opt.step(weight_gradient)
        """},
        False,
    ),
    "solver_divides_grad_in_place": (
        "solver_step", SOLVER,
        {"Solver._step": """
            model_forward = model.forward(X_train)
            loss, loss_grad = loss_func(model_forward, y_train)
            loss_grad /= len(y_train)
            opt.step(model.backward(loss_grad))
        """},
        False,
    ),
    "solver_changes_z_after_the_loss": (
        "solver_step", SOLVER,
        {"Solver._step": """
            model_forward = model.forward(X_train)
            loss, loss_grad = loss_func(model_forward, y_train)
            model_forward -= y_train
            dW = model.backward(loss_grad)
            opt.step(dW)
            dW *= 0
        """},
        True,
    ),
}  # fmt: skip
# What the message of a failed visible test names, in the notebook and when graded.
NAMED = {
    "solver_divides_dW_in_place": "solver_step_scaled",
    "solver_divides_grad_in_place": "solver_backward_scaled",
}


def notebook_passes(folder, part):
    """Whether the notebook's test of ``part`` passes, run in a process of its own in the
    submission's folder (its own package, as in the student's kernel)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", f"from exercise_code import grading; grading.check({part!r})"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_arithmetic_never_flags(name, tmp_path):
    part, rel, methods, passes = IN_PLACE[name]
    folder = make_submission(tmp_path / "s", {**everything(), rel: written(rel, methods)})
    in_kernel, said = notebook_passes(folder, part)
    verdict = trusted.grade(folder, parts=[part])[part]
    assert in_kernel == passes, said
    assert verdict.passed == passes or (passes and not verdict.visible_failed), verdict.text
    # Never "passed" in the notebook and a certain visible failure when graded.
    assert not (in_kernel and verdict.visible_failed), (said, verdict.text)
    if not passes:
        assert verdict.visible_failed and verdict.certain, verdict.text
    if name in NAMED:
        assert MISTAKES[NAMED[name]] in verdict.text
        assert MISTAKES[NAMED[name]] in " ".join(said.split())
    # The part's robustness cell, on the same code: the same agreement.
    robust = f"{part}{ROBUSTNESS_SUFFIX}"
    if robust in PARTS:
        in_kernel, said = notebook_passes(folder, robust)
        verdict = trusted.grade(folder, parts=[robust])[robust]
        assert in_kernel == (not verdict.visible_failed), (said, verdict.text)


def test_a_time_out_or_an_environment_error_is_never_certain():
    reply = '{"id": "x", "outputs": {"out": {"error": "exception", "type": "MemoryError"}}}'
    assert not trusted.certain(reply)
    reply = '{"id": "x", "outputs": {"out": {"error": "exception", "type": "ValueError"}}}'
    assert trusted.certain(reply)
    assert not trusted.certain("not json")

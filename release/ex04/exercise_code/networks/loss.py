"""Losses: L1, MSE and binary cross-entropy (BCE).

Shapes: ``y_out`` and ``y_truth`` are both (N, 1) (what the classifier returns) or both
(N,). They must have the same shape: we never broadcast one against the other.
"""

import numpy as np

from .base import Loss
from .validation import (
    as_real_array,
    check_binary_labels,
    check_column,
    check_probabilities,
    check_same_shape,
)

# The floor under the probability of the true label before BCE takes its log: the machine
# epsilon of float64, 2**-52 = 2.2e-16 (the gap between 1 and the next larger float). It
# caps the loss of one sample at -log(EPS) = 36.04: a true-label probability below EPS is
# reported with that loss, although its true loss is larger. Such probabilities exist: for
# label 0 and y_hat = nextafter(1, 0) = 1 - 2**-53, the probability 1 - y_hat is 2**-53 and
# the true loss 36.74. Probabilities of EPS and above are left alone.
# (tests/networks/test_loss.py checks these numbers.)
EPS = np.finfo(np.float64).eps


def _check_pair(y_out, y_truth):
    """Validate a (prediction, target) pair; return both as arrays."""
    y_out = as_real_array("y_out", y_out)
    y_truth = as_real_array("y_truth", y_truth)
    check_column("y_out", y_out)
    check_same_shape("y_out", y_out, "y_truth", y_truth)
    return y_out, y_truth


class L1(Loss):
    """Mean absolute error: L = mean(|y_out - y_truth|)."""

    def forward(self, y_out, y_truth, individual_losses=False):
        """y_out, y_truth: (N, 1) or (N,). Returns a float, or (like y_out) per sample."""
        y_out, y_truth = _check_pair(y_out, y_truth)
        result = np.abs(y_out - y_truth)
        return result if individual_losses else float(np.mean(result))

    def backward(self, y_out, y_truth):
        """Returns dL/dy_out = sign(y_out - y_truth) / N, shaped like y_out."""
        y_out, y_truth = _check_pair(y_out, y_truth)
        return np.sign(y_out - y_truth) / len(y_out)


class MSE(Loss):
    """Mean squared error: L = mean((y_out - y_truth)^2)."""

    def forward(self, y_out, y_truth, individual_losses=False):
        """y_out, y_truth: (N, 1) or (N,). Returns a float, or (like y_out) per sample."""
        y_out, y_truth = _check_pair(y_out, y_truth)
        result = (y_out - y_truth) ** 2
        return result if individual_losses else float(np.mean(result))

    def backward(self, y_out, y_truth):
        """Returns dL/dy_out = 2 (y_out - y_truth) / N, shaped like y_out."""
        y_out, y_truth = _check_pair(y_out, y_truth)
        return 2 * (y_out - y_truth) / len(y_out)


class BCE(Loss):
    """Binary cross-entropy of predicted probabilities.

    For one sample with label y in {0, 1} and predicted probability y_hat = P(y = 1):

        L_i = -(y log(y_hat) + (1 - y) log(1 - y_hat)) = -log(p_i),

    where p_i is the probability the model gives to the true label (y_hat if y = 1,
    1 - y_hat if y = 0). The loss is the mean over the N samples.

    Numerics: ``y_out`` is a probability (the sigmoid's output), not a logit. At y_hat = 0
    or 1 the log is -inf, and the textbook formula even gives 0 * log(0) = nan. We take the
    log only of p_i, floored at ``EPS``, so every loss is finite and a perfect prediction
    costs exactly 0. The floor caps the loss of one sample at -log(EPS) = 36.04: any true
    loss above that (p_i below EPS) is reported as 36.04. (For y = 0, 1 - y_hat rounds to 1
    when y_hat <= 2**-54 = 5.6e-17, so such a loss, truly that small, comes out as 0.)
    """

    def _check(self, y_out, y_truth):
        y_out, y_truth = _check_pair(y_out, y_truth)
        check_probabilities("y_out", y_out)
        check_binary_labels("y_truth", y_truth)
        return y_out, y_truth

    def forward(self, y_out, y_truth, individual_losses=False):
        """Performs the forward pass of the binary cross-entropy loss.

        :param y_out: (N, 1) or (N,) array, predicted probabilities y_hat in [0, 1]
            (the output of the sigmoid, not the logits).
        :param y_truth: array of the same shape as y_out, labels in {0, 1}.
        :param individual_losses: return the per-sample losses instead of their mean.
        :return: the mean loss (a float) if individual_losses is False, otherwise an array
            of the same shape as y_out with each sample's loss.
        :raises ValueError: shapes differ, y_out outside [0, 1] or NaN, labels not in {0, 1}.
        :raises TypeError: an input is not an array of real numbers.
        """
        y_out, y_truth = self._check(y_out, y_truth)
        result = None
        # YOUR CODE HERE (BCE.forward): replace the raise below.
        raise NotImplementedError("BCE.forward is not implemented yet: write it here (see the docstring above).")
        if individual_losses:
            return result
        return float(np.mean(result))

    def backward(self, y_out, y_truth):
        """Performs the backward pass of the binary cross-entropy loss.

        :param y_out: (N, 1) or (N,) array, predicted probabilities in [0, 1].
        :param y_truth: array of the same shape as y_out, labels in {0, 1}.
        :return: dL/dy_out, the gradient of the *mean* loss, same shape as y_out:
            (-(y / y_hat) + (1 - y) / (1 - y_hat)) / N.
        :raises ValueError, TypeError: as for forward.
        """
        y_out, y_truth = self._check(y_out, y_truth)
        gradient = None
        # YOUR CODE HERE (BCE.backward): replace the raise below.
        raise NotImplementedError("BCE.backward is not implemented yet: write it here (see the docstring above).")
        return gradient

"""Vanilla gradient descent."""

import numpy as np  # noqa: F401  (for your step: the slides' code uses it)

from .validation import as_real_array


class Optimizer:
    """Gradient descent on ``model.W``: W <- W - learning_rate * dW."""

    def __init__(self, model, learning_rate=5e-5):
        """:param model: a Network with weights ``model.W``.
        :param learning_rate: the step size, a positive float."""
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {learning_rate}.")
        self.model = model
        self.lr = learning_rate

    def step(self, dw):
        """A vanilla gradient descent step.

        :param dw: (D + 1, 1) array, the gradient of the loss w.r.t. the weights, the
            shape of ``model.W`` (what Classifier.backward returns).
        :return: the updated weights, (D + 1, 1); they are also stored in ``model.W`` (by
            your step itself, or by the line after it).
        :raises ValueError: dw does not have the shape of W (for example (1, D + 1),
            which would otherwise broadcast into a (D + 1, D + 1) matrix).
        """
        dw = as_real_array("dw", dw)
        if dw.shape != self.model.W.shape:
            raise ValueError(
                f"dw must have the shape of the weights W, {self.model.W.shape}, got {dw.shape}."
            )
        weight = self.model.W
        before = weight  # the array model.W holds now: your step may store new weights itself
        # YOUR CODE HERE (Optimizer.step): replace the raise below.
        raise NotImplementedError("Optimizer.step is not implemented yet: write it here (see the docstring above).")
        if self.model.W is before:  # your step did not store new weights in model.W itself
            self.model.W = weight
        return weight

"""The two contracts of this exercise: a ``Network`` maps data to predictions, a ``Loss``
scores predictions against labels. The ``Solver`` needs nothing else from them.
"""

from abc import ABC, abstractmethod


class Network(ABC):
    """A model with a forward and a backward pass.

    ``forward(X)`` returns the predictions and stores in ``self.cache`` exactly what
    ``backward`` needs; ``backward(dout)`` returns the gradient of the loss with respect to
    the weights, given ``dout``, the gradient of the loss with respect to the predictions.
    """

    def __init__(self, model_name="network"):
        self.model_name = model_name
        self.cache = None

    @abstractmethod
    def forward(self, X):
        """Return the predictions for the data ``X`` and fill ``self.cache``."""

    @abstractmethod
    def backward(self, dout):
        """Return the gradient of the loss with respect to the weights."""

    def __call__(self, X):
        """``model(X)`` is ``model.forward(X)``."""
        return self.forward(X)

    def __repr__(self):
        return f"{type(self).__name__}({self.model_name!r})"


class Loss(ABC):
    """A loss: ``forward`` gives its value, ``backward`` its gradient w.r.t. ``y_out``."""

    @abstractmethod
    def forward(self, y_out, y_truth, individual_losses=False):
        """Return the mean loss (a float), or the per-sample losses if ``individual_losses``."""

    @abstractmethod
    def backward(self, y_out, y_truth):
        """Return d(mean loss)/d(y_out), an array of the same shape as ``y_out``."""

    def __call__(self, y_out, y_truth, individual_losses=False):
        """Return ``(forward, backward)``: the loss and its gradient, in one call."""
        loss = self.forward(y_out, y_truth, individual_losses)
        grad = self.backward(y_out, y_truth)
        return loss, grad

    def __repr__(self):
        return f"{type(self).__name__}()"

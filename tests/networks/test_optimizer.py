"""Vanilla gradient descent: the update rule, its shape contract, and that a step descends."""

import numpy as np
import pytest
from hypothesis import given

from exercise_code.networks import BCE, Classifier, Optimizer
from tests.strategies import problems

pytestmark = pytest.mark.optimizer


def test_step_subtracts_the_scaled_gradient_and_stores_it():
    model = Classifier(num_features=2)
    model.initialize_weights(np.array([[1.0], [-2.0], [0.5]]))
    dw = np.array([[0.1], [0.2], [-0.4]])
    new = Optimizer(model, learning_rate=0.5).step(dw)
    expected = np.array([[0.95], [-2.1], [0.7]])
    np.testing.assert_allclose(new, expected, rtol=1e-15)
    np.testing.assert_array_equal(model.W, new)


def test_step_does_not_alias_weights_that_were_saved_before():
    model = Classifier(num_features=2)
    saved = model.W
    Optimizer(model, learning_rate=1.0).step(np.ones((3, 1)))
    assert saved is not model.W and not np.array_equal(saved, model.W)


@pytest.mark.parametrize("shape", [(1, 3), (3,), (2, 1), (3, 3)])
def test_gradient_of_the_wrong_shape_is_refused(shape):
    """(1, D + 1) against (D + 1, 1) would broadcast into a (D + 1, D + 1) matrix."""
    model = Classifier(num_features=2)
    with pytest.raises(ValueError, match=r"shape of the weights W, \(3, 1\)"):
        Optimizer(model, 1.0).step(np.ones(shape))


@pytest.mark.parametrize("lr", [0.0, -1.0, float("nan")])
def test_learning_rate_must_be_positive(lr):
    with pytest.raises(ValueError, match="positive"):
        Optimizer(Classifier(), lr)


@given(problems())
def test_a_small_step_lowers_the_loss(problem):
    """A first-order step of size lr changes L by -lr |dW|^2 + O(lr^2): it descends."""
    X, y, W = problem
    model, loss = Classifier(num_features=X.shape[1]), BCE()
    model.initialize_weights(W)
    z = model.forward(X)
    before = loss.forward(z, y)
    dW = model.backward(loss.backward(z, y))
    if np.sum(dW**2) < 1e-10:  # already at a stationary point: nothing to show
        return
    Optimizer(model, learning_rate=1e-3).step(dW)
    assert loss.forward(model.forward(X), y) < before

"""BCE (and L1, MSE): values, gradients, numerics and input checks.

Tolerances:
- Against the slide formulas: rtol 1e-12. Both evaluate the same expression in a different
  order, so they agree to a few ulps (about 1e-15); 1e-12 leaves room and still catches any
  real difference.
- Against centred finite differences: relative error below 1e-7 in float64 with h = 1e-6.
  The truncation error is O(h^2) ~ 1e-12 and the rounding error O(eps / h) ~ 1e-10 of the
  scale, on probabilities kept in [0.05, 0.95] so that 1 / p stays smooth over +-h.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exercise_code.gradient_check import numerical_gradient, relative_error
from exercise_code.networks import BCE, L1, MSE
from exercise_code.networks.loss import EPS
from tests.strategies import probabilities_and_labels

pytestmark = pytest.mark.bce


def slide_forward(y_out, y_truth):
    """The seed slides' formula, valid for 0 < y_out < 1."""
    return -(y_truth * np.log(y_out) + (1 - y_truth) * np.log(1 - y_out))


def slide_backward(y_out, y_truth):
    """The seed slides' gradient, valid for 0 < y_out < 1."""
    return (-(y_truth / y_out) + (1 - y_truth) / (1 - y_out)) / len(y_truth)


@given(probabilities_and_labels(0.01, 0.99))
def test_forward_matches_slide_formula(pair):
    y_out, y_truth = pair
    per_sample = BCE().forward(y_out, y_truth, individual_losses=True)
    assert per_sample.shape == y_out.shape
    np.testing.assert_allclose(per_sample, slide_forward(y_out, y_truth), rtol=1e-12)
    mean = BCE().forward(y_out, y_truth)
    assert isinstance(mean, float)
    np.testing.assert_allclose(mean, slide_forward(y_out, y_truth).mean(), rtol=1e-12)


@given(probabilities_and_labels(0.01, 0.99))
def test_backward_matches_slide_formula(pair):
    y_out, y_truth = pair
    grad = BCE().backward(y_out, y_truth)
    assert grad.shape == y_out.shape
    np.testing.assert_allclose(grad, slide_backward(y_out, y_truth), rtol=1e-12)


@given(probabilities_and_labels(0.05, 0.95))
def test_backward_matches_finite_differences(pair):
    y_out, y_truth = pair
    loss = BCE()
    numeric = numerical_gradient(lambda: loss.forward(y_out, y_truth), y_out)
    assert relative_error(loss.backward(y_out, y_truth), numeric) < 1e-7


@given(probabilities_and_labels())
def test_loss_is_nonnegative_and_finite(pair):
    y_out, y_truth = pair
    per_sample = BCE().forward(y_out, y_truth, individual_losses=True)
    assert np.all(per_sample >= 0)
    assert np.all(per_sample <= -np.log(EPS))


@given(probabilities_and_labels())
def test_loss_is_zero_exactly_at_perfect_predictions(pair):
    """Zero at y_out == y; positive once y_out is more than one rounding step (eps) away.

    Within eps of the label, 1 - y_out rounds to 1 and the true loss (below 1.1e-16) is
    correctly rounded to 0.
    """
    y_out, y_truth = pair
    per_sample = BCE().forward(y_out, y_truth, individual_losses=True)
    assert np.all(per_sample[y_out == y_truth] == 0)
    assert np.all(per_sample[np.abs(y_out - y_truth) > EPS] > 0)


def test_extreme_predictions_are_finite_without_warnings(strict_fp):
    y_truth = np.array([[0], [1], [0], [1]])
    y_out = np.array([[0.0], [1.0], [1.0], [0.0]])  # two perfect, two maximally wrong
    loss = BCE()
    per_sample = loss.forward(y_out, y_truth, individual_losses=True)
    np.testing.assert_array_equal(per_sample[:2], 0.0)
    np.testing.assert_allclose(per_sample[2:], -np.log(EPS))
    grad = loss.backward(y_out, y_truth)
    assert np.all(np.isfinite(grad))
    # The gradient always points towards the true label.
    assert np.all(np.sign(grad) == np.where(y_truth == 1, -1, 1))


def test_the_floor_caps_the_loss_as_loss_py_says():
    """loss.py: the cap is -log(EPS) = 36.04; 1 - 2**-53 for label 0 (true loss 36.74) hits it.

    Also the BCE docstring: for y = 0 a y_hat up to 2**-54 = 5.6e-17 rounds 1 - y_hat to 1
    (loss 0); a little above, it does not.
    """
    assert EPS == 2.0**-52 and f"{EPS:.1e}" == "2.2e-16" and round(-np.log(EPS), 2) == 36.04
    y_hat = np.nextafter(1.0, 0.0)
    assert 1 - y_hat == 2.0**-53 < EPS  # a true-label probability below the floor
    true_loss = -np.log(2.0**-53)
    assert round(true_loss, 2) == 36.74
    reported = BCE().forward(np.array([[y_hat]]), np.array([[0]]))
    assert reported == -np.log(EPS) < true_loss
    assert round(2.0**-54, 18) == 5.6e-17
    label_0 = np.array([[0]])
    assert BCE().forward(np.array([[2.0**-54]]), label_0) == 0.0
    assert BCE().forward(np.array([[1e-16]]), label_0) > 0.0


def test_backward_is_the_gradient_of_the_mean():
    """Doubling N with the same samples halves each entry of the gradient."""
    y_out = np.array([[0.2], [0.7]])
    y_truth = np.array([[0], [1]])
    once = BCE().backward(y_out, y_truth)
    twice = BCE().backward(np.vstack([y_out, y_out]), np.vstack([y_truth, y_truth]))
    np.testing.assert_allclose(twice[:2], once / 2, rtol=1e-15)


def test_call_returns_forward_and_backward():
    y_out, y_truth = np.array([[0.3], [0.9]]), np.array([[0], [1]])
    loss, grad = BCE()(y_out, y_truth)
    assert loss == BCE().forward(y_out, y_truth)
    np.testing.assert_array_equal(grad, BCE().backward(y_out, y_truth))


def test_accepts_flat_arrays_of_the_same_shape():
    assert BCE().forward(np.array([0.5, 0.5]), np.array([0, 1])) == pytest.approx(np.log(2))


@pytest.mark.parametrize("method", ["forward", "backward"])
def test_column_against_flat_labels_is_refused(method):
    n = 50
    with pytest.raises(ValueError, match=r"\(50, 1\).*\(50,\).*reshape"):
        getattr(BCE(), method)(np.full((n, 1), 0.5), np.zeros(n))


@pytest.mark.parametrize(
    ("y_out", "y_truth", "message"),
    [
        (np.full((3, 1), 0.5), np.zeros((4, 1)), r"\(3, 1\).*\(4, 1\)"),
        (np.full((3, 1), 0.5), np.array([[0], [1], [2]]), r"only the labels 0 and 1.*2"),
        (np.full((3, 1), 0.5), np.array([[0], [1], [-1]]), r"only the labels 0 and 1"),
        (np.full((3, 1), 0.5), np.array([[0.0], [1.0], [np.nan]]), r"only the labels 0 and 1"),
        (np.array([[0.5], [np.nan]]), np.array([[0], [1]]), r"y_out contains NaN"),
        (np.array([[2.5], [-3.0]]), np.array([[0], [1]]), r"probabilities.*logits"),
        (np.full((3, 2), 0.5), np.zeros((3, 2)), r"\(N, 1\) or \(N,\)"),
        (np.empty((0, 1)), np.empty((0, 1)), r"N >= 1"),
    ],
)
def test_bad_values_and_shapes_are_refused(y_out, y_truth, message):
    for method in (BCE().forward, BCE().backward):
        with pytest.raises(ValueError, match=message):
            method(y_out, y_truth)


@pytest.mark.parametrize(
    "y_out",
    [np.array([["0.5"]]), np.array([[0.5 + 0j]]), np.array([[True]]), np.array([[None]])],
)
def test_wrong_dtypes_are_refused(y_out):
    with pytest.raises(TypeError, match="real numbers"):
        BCE().forward(y_out, np.array([[1]]))


@pytest.mark.parametrize("loss_class", [L1, MSE])
@given(st.integers(0, 2**32 - 1))
def test_l1_and_mse_gradients_match_finite_differences(loss_class, seed):
    rng = np.random.default_rng(seed)
    y_out = rng.standard_normal((7, 1))
    y_truth = y_out + rng.choice([-1.0, 1.0], size=(7, 1)) * rng.uniform(0.1, 2, size=(7, 1))
    loss = loss_class()
    numeric = numerical_gradient(lambda: loss.forward(y_out, y_truth), y_out)
    assert relative_error(loss.backward(y_out, y_truth), numeric) < 1e-7


def test_l1_and_mse_refuse_broadcasting():
    for loss in (L1(), MSE()):
        with pytest.raises(ValueError, match="same shape"):
            loss.forward(np.zeros((5, 1)), np.zeros(5))

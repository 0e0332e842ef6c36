"""The sigmoid classifier: sigmoid numerics, forward, backward, memory and input checks.

Tolerances: finite-difference checks use float64, h = 1e-6, weights drawn from N(0, 1)
(away from W = 0, where sigmoid' = 1/4 everywhere and a missing factor can hide) and
standard-normal data (no saturated sigmoids, where the check loses precision). A correct
gradient is then off by about 1e-10 of its largest entry; we require the largest difference
below 1e-7 of the largest |a| + |b| (``close_to_largest``). Random problems can have a
gradient entry near 0, and there the per-element ``relative_error`` would compare the
rounding noise of the numerical gradient (about 1e-10 absolute) with almost nothing; it is
meant for checks at chosen points.
"""

import re
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from exercise_code.gradient_check import (
    numerical_gradient,
    numerical_gradient_array,
    relative_error,
)
from exercise_code.networks import BCE, Classifier
from tests.strategies import problems

EPS = np.finfo(np.float64).eps


def close_to_largest(a, b, tol=1e-7):
    """max |a - b| <= tol * max(|a| + |b|): every entry measured on the scale of the largest."""
    return np.max(np.abs(a - b)) <= tol * np.max(np.abs(a) + np.abs(b))


def model_with(W):
    model = Classifier(num_features=W.shape[0] - 1)
    model.initialize_weights(W)
    return model


# --- sigmoid -----------------------------------------------------------------------------


@pytest.mark.sigmoid
@given(
    hnp.arrays(
        np.float64, hnp.array_shapes(min_dims=0, max_dims=3), elements=st.floats(-1e300, 1e300)
    )
)
def test_sigmoid_keeps_shape_and_range(x):
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        out = Classifier().sigmoid(x)
    assert out.shape == x.shape
    assert np.all((out >= 0) & (out <= 1))
    moderate = np.abs(x) < 36  # beyond, 1 - sigmoid(x) < eps and rounds to 0 or 1
    assert np.all((out[moderate] > 0) & (out[moderate] < 1))


@pytest.mark.sigmoid
@given(hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e300, 1e300)))
def test_sigmoid_is_symmetric(x):
    """sigmoid(-x) = 1 - sigmoid(x), up to the rounding of 1 - sigmoid(x) (2 eps)."""
    model = Classifier()
    np.testing.assert_allclose(model.sigmoid(-x), 1 - model.sigmoid(x), rtol=0, atol=2 * EPS)


@pytest.mark.sigmoid
def test_sigmoid_matches_textbook_form_where_that_is_safe():
    x = np.linspace(-30, 30, 1001)
    np.testing.assert_allclose(Classifier().sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-15)


@pytest.mark.sigmoid
def test_sigmoid_of_extreme_values_without_warnings(strict_fp):
    x = np.array([-np.inf, -1000.0, -745.0, 0.0, 745.0, 1000.0, np.inf])
    out = Classifier().sigmoid(x)
    np.testing.assert_array_equal(out[[0, 1, 3, 5, 6]], [0.0, 0.0, 0.5, 1.0, 1.0])
    assert 0 < out[2] < 1e-300  # exp(-745) is still a (subnormal) positive number


@pytest.mark.sigmoid
def test_sigmoid_derivative_trick_matches_finite_differences():
    x = np.linspace(-8, 8, 41)
    model = Classifier()
    z = model.sigmoid(x)
    numeric = numerical_gradient_array(lambda: model.sigmoid(x), x, np.ones_like(x))
    # Per element, the worst point is |x| = 8: sigma' = 3.4e-4 against a rounding error of
    # the difference of about 1e-10, a relative 1e-6 (the book's gradient-check chapter).
    assert relative_error(z * (1 - z), numeric) < 1e-5
    assert relative_error(z[15:26] * (1 - z[15:26]), numeric[15:26]) < 1e-7  # |x| <= 2


# --- forward -------------------------------------------------------------------------------


@pytest.mark.classifier
@given(problems())
def test_forward_equals_bias_trick_of_the_slides(problem):
    X, _, W = problem
    z = model_with(W).forward(X)
    X_with_ones = np.concatenate((X, np.ones((X.shape[0], 1))), axis=1)
    assert z.shape == (X.shape[0], 1)
    np.testing.assert_allclose(z, 1 / (1 + np.exp(-X_with_ones @ W)), rtol=1e-12)


@pytest.mark.classifier
def test_forward_does_not_copy_the_data_matrix():
    """Peak extra memory of a forward pass is O(N), far below the (N, D) data itself."""
    X = np.random.default_rng(0).standard_normal((200_000, 30))
    model = Classifier(num_features=30)
    model.forward(X)  # first call also runs the one-off NaN scan, which works in blocks
    tracemalloc.start()
    model.forward(X)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < X.nbytes / 5, f"forward allocated {peak} bytes for {X.nbytes} bytes of data"


@pytest.mark.classifier
def test_initial_weights_are_small_seeded_and_the_right_shape():
    a, b = Classifier(num_features=4), Classifier(num_features=4)
    assert a.W.shape == (5, 1)
    np.testing.assert_array_equal(a.W, b.W)
    assert a.W[-1, 0] == 0 and 0 < np.abs(a.W[:-1]).max() < 0.1


@pytest.mark.classifier
def test_initialize_weights_copies_its_argument():
    W = np.ones((3, 1))
    model = model_with(W)
    W[0, 0] = 5.0
    assert model.W[0, 0] == 1.0


# --- backward ------------------------------------------------------------------------------


@pytest.mark.classifier
@given(problems())
def test_backward_matches_finite_differences(problem):
    X, _, W = problem
    model = model_with(W)
    dout = np.random.default_rng(1).standard_normal((X.shape[0], 1))
    model.forward(X)
    dW = model.backward(dout)
    assert dW.shape == W.shape
    numeric = numerical_gradient_array(lambda: model.forward(X), model.W, dout)
    assert close_to_largest(dW, numeric)


@pytest.mark.classifier
@given(problems())
def test_full_chain_matches_finite_differences_and_the_logit_form(problem):
    """dW of the mean BCE through the sigmoid equals [X, 1]^T (z - y) / N."""
    X, y, W = problem
    model, loss = model_with(W), BCE()
    z = model.forward(X)
    dW = model.backward(loss.backward(z, y))
    numeric = numerical_gradient(lambda: loss.forward(model.forward(X), y), model.W)
    # 1e-6, not 1e-7: random problems reach logits near 10, where the loss -log(1 - z) of a
    # sample with y = 0 carries the rounding error eps / (1 - z) ~ 5e-12 of 1 - z, which the
    # difference quotient (a division by 2h = 2e-6) turns into about 2e-7 of the gradient.
    assert close_to_largest(dW, numeric, tol=1e-6)
    X_with_ones = np.concatenate((X, np.ones((X.shape[0], 1))), axis=1)
    np.testing.assert_allclose(dW, X_with_ones.T @ (z - y) / len(y), rtol=1e-9, atol=1e-15)


@pytest.mark.classifier
@given(problems())
def test_backward_equals_the_slide_formula(problem):
    """The slides: dW = [X, 1]^T (dout * z * (1 - z)), with the bias column appended."""
    X, _, W = problem
    model = model_with(W)
    z = model.forward(X)
    dout = np.random.default_rng(2).standard_normal(z.shape)
    X_with_ones = np.concatenate((X, np.ones((X.shape[0], 1))), axis=1)
    expected = X_with_ones.T.dot(dout * z * (1 - z))
    np.testing.assert_allclose(model.backward(dout), expected, rtol=1e-12, atol=1e-15)


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.classifier
@pytest.mark.parametrize(
    ("X", "error", "message"),
    [
        (np.ones((4, 3)), ValueError, r"\(N, 2\).*got \(4, 3\).*bias"),
        (np.ones(4), ValueError, r"2-D array of shape \(N, 2\), got \(4,\)"),
        (np.ones((0, 2)), ValueError, r"got \(0, 2\)"),
        (np.array([[1.0, np.nan]]), ValueError, r"X contains NaN or inf"),
        (np.array([[1.0, np.inf]]), ValueError, r"X contains NaN or inf"),
        (np.array([["1", "2"]]), TypeError, r"real numbers"),
    ],
)
def test_forward_refuses_bad_data(X, error, message):
    with pytest.raises(error, match=message):
        Classifier(num_features=2).forward(X)


@pytest.mark.classifier
def test_nan_written_into_checked_data_is_still_caught():
    X = np.ones((3, 2))
    model = Classifier(num_features=2)
    model.forward(X)
    X[1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.forward(X)


@pytest.mark.classifier
def test_backward_before_forward_is_refused():
    with pytest.raises(RuntimeError, match="forward pass before the backward pass"):
        Classifier(num_features=2).backward(np.ones((3, 1)))


@pytest.mark.classifier
@pytest.mark.parametrize("shape", [(5,), (1, 5), (4, 1), (5, 2)])
def test_backward_refuses_dout_of_the_wrong_shape(shape):
    model = Classifier(num_features=2)
    model.forward(np.ones((5, 2)))
    with pytest.raises(ValueError, match=re.escape(f"(5, 1), got {shape}")):
        model.backward(np.ones(shape))


@pytest.mark.classifier
@pytest.mark.parametrize("shape", [(2, 1), (3,), (1, 3), (4, 1)])
def test_weights_of_the_wrong_shape_are_refused(shape):
    with pytest.raises(ValueError, match=r"\(D \+ 1, 1\) = \(3, 1\)"):
        Classifier(num_features=2).initialize_weights(np.zeros(shape))


@pytest.mark.classifier
def test_non_finite_weights_are_refused_and_divergence_is_explained():
    model = Classifier(num_features=2)
    with pytest.raises(ValueError, match="NaN or inf"):
        model.initialize_weights(np.array([[np.nan], [0.0], [0.0]]))
    model.W = np.array([[np.inf], [-np.inf], [0.0]])  # what a diverged optimizer leaves
    with pytest.raises(ValueError, match="learning rate is too large"):
        model.forward(np.ones((2, 2)))

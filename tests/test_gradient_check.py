"""The gradient checker itself: exact on quadratics, restores its input, honest errors.

The module docstring of exercise_code.gradient_check states what the check achieves in float64
and why float32 is refused; the last tests here measure exactly those claims.
"""

import numpy as np
import pytest

from exercise_code.gradient_check import (
    numerical_gradient,
    numerical_gradient_array,
    relative_error,
)


def test_centred_difference_is_exact_on_a_quadratic():
    """Centred differences have no truncation error on a quadratic: only rounding (~1e-10)."""
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    x = np.array([[0.7], [-1.3]])
    grad = numerical_gradient(lambda: float((0.5 * x.T @ A @ x)[0, 0]), x)
    np.testing.assert_allclose(grad, A @ x, rtol=1e-8)


def test_input_is_restored_bit_for_bit():
    x = np.random.default_rng(0).standard_normal((3, 4))
    before = x.copy()
    numerical_gradient(lambda: float(np.sum(np.sin(x))), x)
    np.testing.assert_array_equal(x, before)


def test_vector_jacobian_product():
    x = np.array([0.1, -0.7, 2.0])
    dout = np.array([1.0, -2.0, 0.5])
    grad = numerical_gradient_array(lambda: np.tanh(x), x, dout)
    assert relative_error(grad, dout * (1 - np.tanh(x) ** 2)) < 1e-8


def test_float32_is_refused():
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda: 0.0, np.zeros(2, dtype=np.float32))


def test_relative_error():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0], [-1.0]) == 2.0  # the wrong sign
    assert relative_error(3.0, 3.0) == 0.0  # plain numbers work too
    with pytest.raises(ValueError, match="shapes differ"):
        relative_error(np.zeros((2, 1)), np.zeros(2))


def test_relative_error_is_per_element():
    """Each entry against its own size (CS231n): a small entry's bug is not diluted."""
    # The small entry is off by 0.1 %; a ratio of maxima would report 0.001 / 200 = 5e-6.
    assert relative_error([100.0, 1.0], [100.0, 1.001]) == pytest.approx(0.001 / 1.001)
    # A bias-like entry with the wrong sign, 1000 times smaller than the others.
    analytic = np.array([[0.4], [-0.3], [-1e-3]])
    numeric = np.array([[0.4], [-0.3], [1e-3]])
    assert relative_error(analytic, numeric) == 2.0


def test_relative_error_zero_entries_and_nan():
    """0 against 0 agrees; 0 against anything else is wholly wrong; NaN never passes."""
    assert relative_error([0.0, 1.0], [0.0, 1.0]) == 0.0  # no 0 / 0 warning, no NaN
    assert relative_error([0.0, 1.0], [1e-12, 1.0]) == 1.0
    assert np.isnan(relative_error([np.nan, 1.0], [1.0, 1.0]))
    assert not relative_error([np.inf], [np.inf]) < 1e-7


def test_a_gradient_missing_its_one_over_n_is_caught():
    """The check flags the most common BCE bug: a gradient N times too large."""
    x = np.random.default_rng(1).uniform(-1, 1, size=(10, 1))
    numeric = numerical_gradient(lambda: float(np.mean(x**2)), x)
    assert relative_error(2 * x / 10, numeric) < 1e-8
    assert relative_error(2 * x, numeric) > 0.5


def _sigmoid_derivative_errors(dtype, h=1e-6):
    """Per-point relative errors of centred differences of the sigmoid, computed in dtype.

    The points are those of the book's figure (41 points in [0.5, 2]); every evaluation of the
    sigmoid is rounded to ``dtype``, which is what computing in that type does.
    """
    x = np.linspace(0.5, 2.0, 41)

    def f(t):
        t = t.astype(dtype)
        return (1 / (1 + np.exp(-t))).astype(dtype).astype(np.float64)

    s = 1 / (1 + np.exp(-x))
    exact = s * (1 - s)  # in float64
    numeric = (f(x + h) - f(x - h)) / (2 * h)
    return np.abs(numeric - exact) / exact


def test_docstring_claim_float64_is_accurate():
    """The module docstring: at h = 1e-6 a correct float64 gradient is off by less than 1e-8."""
    assert f"{np.finfo(np.float64).eps:.1e}" == "2.2e-16"  # the epsilons it quotes
    assert f"{np.finfo(np.float32).eps:.1e}" == "1.2e-07"
    assert np.max(_sigmoid_derivative_errors(np.float64)) < 1e-8
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5, 1))
    numeric = numerical_gradient(lambda: float(np.sum(np.log1p(np.exp(x)))), x)
    assert relative_error(1 / (1 + np.exp(-x)), numeric) < 1e-8


def test_docstring_claim_float32_is_useless_at_h_1e_6():
    """The module docstring: in float32 the error at h = 1e-6 is of the order of the derivative.

    Measured on the book's 41 points: the median relative error is several percent and the
    worst is tens of percent (the book prints the exact numbers), so no threshold can tell a
    correct float32 gradient from a wrong one.
    """
    errors = _sigmoid_derivative_errors(np.float32)
    assert np.median(errors) > 0.01
    assert np.max(errors) > 0.1

"""The gradient checker itself: exact on quadratics, restores its input, honest errors."""

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
    assert relative_error([1.0], [-1.0]) == 1.0
    assert relative_error([100.0, 1.0], [100.0, 1.001]) == pytest.approx(0.001 / 200)
    with pytest.raises(ValueError, match="shapes differ"):
        relative_error(np.zeros((2, 1)), np.zeros(2))


def test_a_gradient_missing_its_one_over_n_is_caught():
    """The check flags the most common BCE bug: a gradient N times too large."""
    x = np.random.default_rng(1).uniform(-1, 1, size=(10, 1))
    numeric = numerical_gradient(lambda: float(np.mean(x**2)), x)
    assert relative_error(2 * x / 10, numeric) < 1e-8
    assert relative_error(2 * x, numeric) > 0.5

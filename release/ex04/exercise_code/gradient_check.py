"""Numerical gradients by centred finite differences, and the per-element relative error.

Use them in float64. The centred difference (f(x + h) - f(x - h)) / (2 h) has a truncation
error of order h^2 and a rounding error of order eps * |f| / h (eps = 2.2e-16 in float64);
at h = 1e-6 both are tiny, and on a smooth, well-scaled function the relative error of a
correct gradient stays below 1e-8, far under the 1e-7 that the checks demand. In float32
(eps = 1.2e-7) the rounding error at h = 1e-6 is of the order of the derivative itself, so
the check says nothing: ``numerical_gradient`` refuses anything but float64.
(tests/test_gradient_check.py measures these claims.)
"""

import numpy as np


def numerical_gradient(f, x, h=1e-6):
    """Centred-difference gradient of a scalar function.

    :param f: a function of no arguments returning a float; it must read ``x``.
    :param x: float64 array of any shape; each entry is nudged by +-h in place and
        restored, so f sees the change.
    :param h: the step.
    :return: array shaped like x, df/dx.
    :raises TypeError: x is not float64.
    """
    if x.dtype != np.float64:
        raise TypeError(f"x must be float64 for a meaningful check, got {x.dtype}.")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def numerical_gradient_array(f, x, dout, h=1e-6):
    """Centred-difference gradient of sum(f() * dout) w.r.t. x, for an array-valued f.

    This is the vector-Jacobian product that a backward pass computes: for a layer
    z = f(x) with upstream gradient dout = dL/dz (shaped like f()), it returns dL/dx,
    shaped like x.
    """
    return numerical_gradient(lambda: float(np.sum(f() * dout)), x, h)


def relative_error(a, b):
    """The largest per-element relative error, max_i |a_i - b_i| / max(|a_i|, |b_i|).

    This is the relative error of the CS231n notes on gradient checking, whose thresholds
    the book uses: for a float64 gradient of a smooth function, below 1e-7 is right and
    1e-2 or more is wrong. Every entry is measured against its own size, so a bug confined
    to one small entry (the bias row, say) shows in full; a ratio of maxima,
    max |a - b| / max(|a| + |b|), would divide it by the largest entry instead.

    Two entries that are both exactly 0 agree (error 0). An entry that is 0 in truth is
    compared with the rounding noise of a numerical gradient, which gives an error near 1:
    check at a point where no entry of the gradient is (nearly) 0. NaN gives NaN, which no
    threshold accepts.

    :param a: array (or number), e.g. the analytic gradient.
    :param b: array (or number) of the same shape, e.g. the numerical gradient.
    :return: a float between 0 and 2 (2 when an entry has the wrong sign); 0.0 for
        identical arrays.
    :raises ValueError: the shapes differ.
    """
    a = np.atleast_1d(np.asarray(a, dtype=np.float64))
    b = np.atleast_1d(np.asarray(b, dtype=np.float64))
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} and {b.shape}.")
    if a.size == 0:
        return 0.0
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 and inf - inf give NaN
        diff = np.abs(a - b)
        scale = np.maximum(np.abs(a), np.abs(b))
        errors = diff / scale
    errors[(diff == 0) & (scale == 0)] = 0.0  # both exactly 0: they agree
    return float(np.max(errors))

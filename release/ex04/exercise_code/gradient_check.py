"""Numerical gradients by centred finite differences, and the relative error.

Use them in float64. The centred difference (f(x + h) - f(x - h)) / (2 h) has a truncation
error of order h^2 and a rounding error of order eps * |f| / h (eps = 2.2e-16); h = 1e-6
balances the two, so on a smooth, well-scaled function the relative error of a correct
gradient is about 1e-9 to 1e-10. In float32 (eps = 1.2e-7) the same check cannot go below
about 1e-3 and hides bugs.
"""

import numpy as np


def numerical_gradient(f, x, h=1e-6):
    """Centred-difference gradient of a scalar function.

    :param f: a function of no arguments returning a float; it must read ``x``.
    :param x: float64 array of any shape; each entry is nudged by +-h in place and
        restored, so f sees the change.
    :param h: the step.
    :return: array shaped like x, df/dx.
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
    z = f(x) with upstream gradient dout = dL/dz, it returns dL/dx.
    """
    return numerical_gradient(lambda: float(np.sum(f() * dout)), x, h)


def relative_error(a, b):
    """max |a - b| / max(|a| + |b|), a scale-free error that is 0 for identical arrays.

    Below 1e-7 a float64 gradient is almost surely right; around 1e-2 or more it is wrong.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} and {b.shape}.")
    scale = np.max(np.abs(a) + np.abs(b))
    if scale == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / scale)

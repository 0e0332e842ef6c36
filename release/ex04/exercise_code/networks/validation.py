"""Input checks shared by the losses, the classifier and the optimizer.

Every check raises a ``TypeError`` (wrong kind of array) or ``ValueError`` (wrong shape or
values) whose message names what was expected and what arrived, so that a student sees at
once which array is wrong. None of them copies its input: each costs at most a pass over an
(N, 1) array, never over the (N, D) data matrix.
"""

import numpy as np


def as_real_array(name, a):
    """Return ``a`` as a numpy array of real numbers (no copy if it already is one).

    Raises TypeError for booleans, complex numbers, strings and objects: none of them is a
    valid input for a loss or a layer, and numpy would otherwise accept some silently.
    """
    a = np.asarray(a)
    if a.dtype == bool or not (
        np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)
    ):
        raise TypeError(
            f"{name} must be an array of real numbers (float or int), got dtype {a.dtype}."
        )
    return a


def check_same_shape(name_a, a, name_b, b):
    """Raise ValueError unless ``a.shape == b.shape``.

    Broadcasting an (N, 1) array against an (N,) one gives an (N, N) matrix and a loss that
    is silently wrong; we refuse it instead.
    """
    if a.shape != b.shape:
        hint = ""
        if a.size == b.size:
            hint = (
                f" They hold the same number of values: reshape one, "
                f"e.g. {name_b}.reshape({a.shape})."
            )
        raise ValueError(
            f"{name_a} has shape {a.shape} but {name_b} has shape {b.shape}; "
            f"they must have the same shape.{hint}"
        )


def check_column(name, a):
    """Raise ValueError unless ``a`` has shape (N, 1) or (N,) with N >= 1."""
    if a.ndim not in (1, 2) or (a.ndim == 2 and a.shape[1] != 1) or a.shape[0] == 0:
        raise ValueError(f"{name} must have shape (N, 1) or (N,) with N >= 1, got {a.shape}.")


def check_binary_labels(name, y):
    """Raise ValueError unless every entry of ``y`` is exactly 0 or 1."""
    if not np.all((y == 0) | (y == 1)):
        bad = y[(y != 0) & (y != 1)]
        raise ValueError(
            f"{name} must contain only the labels 0 and 1, but it contains "
            f"{np.unique(bad)[:5].tolist()}."
        )


def check_probabilities(name, p):
    """Raise ValueError unless every entry of ``p`` lies in [0, 1] (NaN is refused)."""
    if not np.all((p >= 0) & (p <= 1)):
        if np.isnan(p).any():
            raise ValueError(f"{name} contains NaN.")
        raise ValueError(
            f"{name} must hold probabilities in [0, 1], but its values range from "
            f"{p.min():.4g} to {p.max():.4g}. Did you pass logits instead of the "
            f"sigmoid's output?"
        )


def check_finite(name, a):
    """Raise ValueError if ``a`` contains NaN or +-inf."""
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf.")


def check_features(X, num_features):
    """Check a data matrix X: (N, D) with D == num_features; return it as an array."""
    X = as_real_array("X", X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a 2-D array of shape (N, {num_features}), got {X.shape}.")
    if X.shape[1] != num_features:
        raise ValueError(
            f"X must have shape (N, {num_features}) for this classifier, got {X.shape}: "
            f"{X.shape[1]} features instead of {num_features}. Do not add the bias column "
            f"yourself; the classifier handles the bias."
        )
    return X

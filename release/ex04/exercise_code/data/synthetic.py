"""A seeded synthetic 2-D data set: two overlapping Gaussian clouds."""

import numpy as np

from .splits import split_and_standardize


def make_two_clouds(n_samples=400, distance=2.5, seed=0):
    """Two classes of equal size, each a unit Gaussian in 2-D, centres ``distance`` apart.

    The clouds overlap (for distance < about 6), so the data are not linearly separable and
    logistic regression has a finite optimum.
    :return: X: (n_samples, 2) float64, y: (n_samples,) int64 in {0, 1}.
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n_samples) % 2
    centres = np.array([[-distance / 2, 0.0], [distance / 2, 0.0]])
    X = centres[y] + rng.standard_normal((n_samples, 2))
    return X, y


def load_synthetic_splits(n_samples=400, distance=2.5, seed=0):
    """DataSplits of ``make_two_clouds``, standardised on the training part."""
    X, y = make_two_clouds(n_samples, distance, seed)
    return split_and_standardize(X, y, seed=seed, feature_names=["x1", "x2"])

"""Standardisation: shift and scale each feature to mean 0 and standard deviation 1."""

import numpy as np


class Standardizer:
    """x -> (x - mean) / std per feature, with mean and std fitted on training data only.

    Fitting on the validation or test data too would leak information about them into the
    model; the same transform, fitted once, is then applied to every split.
    """

    def __init__(self):
        self.mean = None
        self.std = None

    def fit(self, X):
        """X: (N, D). Stores mean: (D,) and std: (D,) (a constant feature gets std 1)."""
        self.mean = X.mean(axis=0)
        std = X.std(axis=0)
        self.std = np.where(std > 0, std, 1.0)
        return self

    def transform(self, X):
        """X: (M, D) -> standardised (M, D), a new array."""
        if self.mean is None:
            raise RuntimeError("Call fit before transform.")
        return (X - self.mean) / self.std

    def inverse_transform(self, X):
        """Undo ``transform``: standardised (M, D) -> original units (M, D)."""
        return X * self.std + self.mean

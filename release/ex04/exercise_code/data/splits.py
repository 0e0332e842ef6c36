"""A labelled data set split into training, validation and test parts."""

from dataclasses import dataclass, field

import numpy as np

from .standardize import Standardizer


@dataclass
class DataSplits:
    """Standardised splits: X_*: (N_*, D) float64, y_*: (N_*, 1) int64 labels in {0, 1}.

    ``data["X_train"]`` works as well as ``data.X_train``, so a DataSplits can be handed
    to the Solver directly.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: list = field(default_factory=list)
    class_names: tuple = ("0", "1")
    standardizer: Standardizer = None

    def __getitem__(self, name):
        return getattr(self, name)


def stratified_split_indices(y, fractions, seed=0):
    """Split the row indices of y: (N,) into len(fractions) + 1 disjoint, sorted parts.

    Stratified: in each class, a seeded random ``round(fraction * class size)`` rows go to
    each of the first parts and the remaining rows to the last part, so every part keeps the
    class proportions of the whole set (to within one row per class).
    """
    y = np.asarray(y).ravel()
    rng = np.random.default_rng(seed)
    parts = [[] for _ in range(len(fractions) + 1)]
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        start = 0
        for k, fraction in enumerate(fractions):
            stop = start + round(fraction * len(rows))
            parts[k].append(rows[start:stop])
            start = stop
        parts[-1].append(rows[start:])
    return [np.sort(np.concatenate(p)) for p in parts]


def split_and_standardize(
    X, y, *, val_fraction=0.2, test_fraction=0.2, seed=0, feature_names=(), class_names=("0", "1")
):
    """Split (X: (N, D), y: (N,)) into stratified train/val/test parts and standardise.

    Stratified: each part keeps the class proportions of the whole set. The Standardizer is
    fitted on the training part only and applied to all three.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64).reshape(-1, 1)
    if not (val_fraction > 0 and test_fraction > 0 and val_fraction + test_fraction < 1):
        raise ValueError(
            f"need 0 < val_fraction, 0 < test_fraction and a sum below 1, got {val_fraction} "
            f"and {test_fraction}"
        )
    val, test, train = stratified_split_indices(y, (val_fraction, test_fraction), seed)
    X_train = X[train]
    scaler = Standardizer().fit(X_train)
    return DataSplits(
        X_train=scaler.transform(X_train),
        y_train=y[train],
        X_val=scaler.transform(X[val]),
        y_val=y[val],
        X_test=scaler.transform(X[test]),
        y_test=y[test],
        feature_names=list(feature_names),
        class_names=tuple(class_names),
        standardizer=scaler,
    )

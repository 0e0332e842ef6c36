"""A labelled data set split into training, validation and test parts."""

from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import train_test_split

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


def split_and_standardize(
    X, y, *, val_fraction=0.2, test_fraction=0.2, seed=0, feature_names=(), class_names=("0", "1")
):
    """Split (X: (N, D), y: (N,)) into stratified train/val/test parts and standardise.

    Stratified: each part keeps the class proportions of the whole set. The Standardizer is
    fitted on the training part only and applied to all three.
    """
    y = np.asarray(y, dtype=np.int64).reshape(-1, 1)
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test_fraction, stratify=y, random_state=seed
    )
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest,
        y_rest,
        test_size=val_fraction / (1 - test_fraction),
        stratify=y_rest,
        random_state=seed,
    )
    scaler = Standardizer().fit(X_train)
    return DataSplits(
        X_train=scaler.transform(X_train),
        y_train=y_train,
        X_val=scaler.transform(X_val),
        y_val=y_val,
        X_test=scaler.transform(X_test),
        y_test=y_test,
        feature_names=list(feature_names),
        class_names=tuple(class_names),
        standardizer=scaler,
    )

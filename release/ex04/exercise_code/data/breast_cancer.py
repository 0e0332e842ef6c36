"""The Wisconsin diagnostic breast-cancer data set, which scikit-learn ships (no download).

569 tumours, 30 features measured on a cell-nucleus image. We predict y = 1 for malignant,
y = 0 for benign (scikit-learn codes them the other way round; we flip its labels so that
"positive" means what a doctor means by it).

Why two features by default: on all 30 features the training set is linearly separable, so
the unregularised logistic-regression loss has no minimum (it keeps falling as |W| grows)
and gradient descent never converges. On "worst radius" and "worst concave points" the
classes overlap, the minimum exists (|W| is about 7), and the decision boundary is a line
that can be drawn.

Why we read scikit-learn's CSV file ourselves instead of calling
``sklearn.datasets.load_breast_cancer``: importing scikit-learn takes most of a second, and
the notebook pays it in every autograded submission. The file is the same, and so are the
numbers (tests/data compares them with scikit-learn's loader).
"""

import importlib.util
from functools import cache
from pathlib import Path

import numpy as np

from .splits import split_and_standardize

DEFAULT_FEATURES = ("worst radius", "worst concave points")

# Ten measurements of a nucleus; for each, the mean over the nuclei in the image, its
# standard error and the "worst" (mean of the three largest values): 30 columns in this order.
_MEASUREMENTS = (
    "radius",
    "texture",
    "perimeter",
    "area",
    "smoothness",
    "compactness",
    "concavity",
    "concave points",
    "symmetry",
    "fractal dimension",
)
_FEATURE_NAMES = (
    tuple(f"mean {m}" for m in _MEASUREMENTS)
    + tuple(f"{m} error" for m in _MEASUREMENTS)
    + tuple(f"worst {m}" for m in _MEASUREMENTS)
)


def _csv_path():
    # find_spec locates the installed package without importing it (that is the slow part).
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "scikit-learn is not installed, and it ships the breast-cancer data: "
            "pip install scikit-learn"
        )
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "breast_cancer.csv"


@cache
def _load_raw():
    """X: (569, 30) float64 (read-only), y: (569,) int64 with 1 = malignant."""
    path = _csv_path()
    with open(path, encoding="utf-8") as f:
        # The header line: "569,30,malignant,benign" (samples, features, class names).
        n_samples, n_features = (int(v) for v in f.readline().split(",")[:2])
        table = np.loadtxt(f, delimiter=",")
    if table.shape != (n_samples, n_features + 1) or n_features != len(_FEATURE_NAMES):
        raise ValueError(f"{path}: unexpected table of shape {table.shape}")
    X = table[:, :-1]
    y = 1 - table[:, -1].astype(np.int64)  # the file: 0 = malignant, 1 = benign
    X.flags.writeable = False  # cached: shared by every call
    y.flags.writeable = False
    return X, y


def load_breast_cancer_splits(
    features=DEFAULT_FEATURES, val_fraction=0.2, test_fraction=0.2, seed=0
):
    """Return DataSplits of the breast-cancer data, restricted to ``features``.

    :param features: feature names (see ``all_feature_names()``), or None for all 30.
    :return: DataSplits with X_*: (N_*, len(features)), y_*: (N_*, 1), 1 = malignant.
    """
    names = all_feature_names()
    if features is None:
        features = names
    unknown = [f for f in features if f not in names]
    if unknown:
        raise ValueError(f"unknown features {unknown}; choose from all_feature_names().")
    X, y = _load_raw()
    return split_and_standardize(
        X[:, [names.index(f) for f in features]],
        y,
        val_fraction=val_fraction,
        test_fraction=test_fraction,
        seed=seed,
        feature_names=features,
        class_names=("benign", "malignant"),
    )


def all_feature_names():
    """The 30 feature names of the data set, in column order."""
    return list(_FEATURE_NAMES)

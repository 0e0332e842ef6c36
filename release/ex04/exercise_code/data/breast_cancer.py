"""The Wisconsin diagnostic breast-cancer data set, which scikit-learn ships (no download).

569 tumours, 30 features measured on a cell-nucleus image. We predict y = 1 for malignant,
y = 0 for benign (scikit-learn codes them the other way round; we flip its labels so that
"positive" means what a doctor means by it).

Why two features by default: on all 30 features the training set is linearly separable, so
the unregularised logistic-regression loss has no minimum (it keeps falling as |W| grows)
and gradient descent never converges. On "worst radius" and "worst concave points" the
classes overlap, the minimum exists (|W| is about 6), and the decision boundary is a line
that can be drawn.
"""

from sklearn.datasets import load_breast_cancer

from .splits import split_and_standardize

DEFAULT_FEATURES = ("worst radius", "worst concave points")


def load_breast_cancer_splits(
    features=DEFAULT_FEATURES, val_fraction=0.2, test_fraction=0.2, seed=0
):
    """Return DataSplits of the breast-cancer data, restricted to ``features``.

    :param features: feature names (see ``all_feature_names()``), or None for all 30.
    :return: DataSplits with X_*: (N_*, len(features)), y_*: (N_*, 1), 1 = malignant.
    """
    raw = load_breast_cancer()
    names = list(raw.feature_names)
    if features is None:
        features = names
    unknown = [f for f in features if f not in names]
    if unknown:
        raise ValueError(f"unknown features {unknown}; choose from all_feature_names().")
    columns = [names.index(f) for f in features]
    y = 1 - raw.target  # scikit-learn: 0 = malignant, 1 = benign
    return split_and_standardize(
        raw.data[:, columns],
        y,
        val_fraction=val_fraction,
        test_fraction=test_fraction,
        seed=seed,
        feature_names=features,
        class_names=("benign", "malignant"),
    )


def all_feature_names():
    """The 30 feature names of the data set, in column order."""
    return list(load_breast_cancer().feature_names)

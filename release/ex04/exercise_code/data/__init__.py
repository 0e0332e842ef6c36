"""Data sets: the breast-cancer data scikit-learn ships, and a synthetic 2-D set."""

from .breast_cancer import DEFAULT_FEATURES, all_feature_names, load_breast_cancer_splits
from .splits import DataSplits, split_and_standardize
from .standardize import Standardizer
from .synthetic import load_synthetic_splits, make_two_clouds

__all__ = [
    "DEFAULT_FEATURES",
    "DataSplits",
    "Standardizer",
    "all_feature_names",
    "load_breast_cancer_splits",
    "load_synthetic_splits",
    "make_two_clouds",
    "split_and_standardize",
]

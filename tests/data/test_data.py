"""Data loading: shapes, labels, seeded stratified splits, standardisation on train only."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

from exercise_code.data import (
    DEFAULT_FEATURES,
    Standardizer,
    all_feature_names,
    load_breast_cancer_splits,
    load_synthetic_splits,
    make_two_clouds,
)


@pytest.fixture(scope="module")
def data():
    return load_breast_cancer_splits()


def test_shapes_and_labels(data):
    assert data.X_train.shape == (341, 2)
    assert data.X_val.shape == (114, 2) and data.X_test.shape == (114, 2)
    for y, X in (
        (data.y_train, data.X_train),
        (data.y_val, data.X_val),
        (data.y_test, data.X_test),
    ):
        assert y.shape == (len(X), 1) and set(np.unique(y)) == {0, 1}
    assert data.feature_names == list(DEFAULT_FEATURES)
    assert data["X_train"] is data.X_train


def test_one_means_malignant(data):
    """scikit-learn has 212 malignant tumours coded 0; we code them 1."""
    total = sum(int(y.sum()) for y in (data.y_train, data.y_val, data.y_test))
    assert total == 212
    assert data.class_names == ("benign", "malignant")


def test_splits_are_stratified_disjoint_and_seeded(data):
    for y in (data.y_train, data.y_val, data.y_test):
        assert abs(y.mean() - 212 / 569) < 0.01
    rows = np.vstack([data.X_train, data.X_val, data.X_test])
    assert len(np.unique(rows, axis=0)) == len(
        np.unique(load_breast_cancer().data[:, [20, 27]], axis=0)
    )
    again = load_breast_cancer_splits()
    np.testing.assert_array_equal(again.X_train, data.X_train)
    other = load_breast_cancer_splits(seed=1)
    assert not np.array_equal(other.X_train, data.X_train)


def test_standardised_with_training_statistics_only(data):
    np.testing.assert_allclose(data.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(data.X_train.std(axis=0), 1, rtol=1e-12)
    # val/test use the training mean and std, so their own statistics are not exactly 0/1
    assert np.abs(data.X_test.mean(axis=0)).max() > 1e-3
    raw = load_breast_cancer().data[:, [20, 27]]
    restored = data.standardizer.inverse_transform(data.X_test)
    assert all(any(np.allclose(r, row) for row in raw) for r in restored[:5])


def test_feature_choice(data):
    assert len(all_feature_names()) == 30
    assert load_breast_cancer_splits(features=None).X_train.shape == (341, 30)
    with pytest.raises(ValueError, match="unknown features"):
        load_breast_cancer_splits(features=("radius",))


def test_standardizer_handles_constant_features():
    X = np.array([[1.0, 5.0], [3.0, 5.0]])
    scaler = Standardizer().fit(X)
    np.testing.assert_array_equal(scaler.transform(X), [[-1.0, 0.0], [1.0, 0.0]])
    with pytest.raises(RuntimeError, match="fit"):
        Standardizer().transform(X)


def test_synthetic_clouds_are_seeded_balanced_and_overlapping():
    X, y = make_two_clouds(n_samples=400, seed=0)
    assert X.shape == (400, 2) and y.shape == (400,) and y.mean() == 0.5
    np.testing.assert_array_equal(make_two_clouds(seed=0)[0], X)
    # Overlap: some points sit on the wrong side of the best separating line x1 = 0.
    assert 0 < np.mean((X[:, 0] > 0) != (y == 1)) < 0.2
    splits = load_synthetic_splits()
    assert splits.X_train.shape[1] == 2 and splits.y_train.shape[1] == 1

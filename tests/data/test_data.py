"""Data loading: shapes, labels, seeded stratified splits, standardisation on train only."""

import subprocess
import sys

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
from exercise_code.data.breast_cancer import _load_raw
from exercise_code.data.splits import stratified_split_indices


@pytest.fixture(scope="module")
def data():
    return load_breast_cancer_splits()


def test_raw_data_are_scikit_learns_with_labels_flipped():
    """We read scikit-learn's CSV file ourselves (importing scikit-learn is slow)."""
    X, y = _load_raw()
    reference = load_breast_cancer()
    np.testing.assert_array_equal(X, reference.data)
    np.testing.assert_array_equal(y, 1 - reference.target)
    assert all_feature_names() == list(reference.feature_names)
    assert not X.flags.writeable  # cached and shared: nobody may edit it in place


def test_loading_the_data_does_not_import_scikit_learn():
    code = (
        "import sys; from exercise_code.data import load_breast_cancer_splits; "
        "load_breast_cancer_splits(); print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_stratified_split_is_a_seeded_partition():
    y = np.array([0] * 357 + [1] * 212)
    val, test, train = stratified_split_indices(y, (0.2, 0.2), seed=0)
    np.testing.assert_array_equal(np.sort(np.concatenate([val, test, train])), np.arange(569))
    # round(0.2 * 357) + round(0.2 * 212) = 71 + 42 rows in each of val and test
    assert len(val) == len(test) == 113 and len(train) == 343
    assert y[val].sum() == y[test].sum() == 42
    again = stratified_split_indices(y, (0.2, 0.2), seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(again, (val, test, train), strict=True))


def test_shapes_and_labels(data):
    assert data.X_train.shape == (343, 2)
    assert data.X_val.shape == (113, 2) and data.X_test.shape == (113, 2)
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
    assert load_breast_cancer_splits(features=None).X_train.shape == (343, 30)
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

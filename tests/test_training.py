"""Training on the real data set reaches scikit-learn's unregularised optimum.

These are the settings the notebook and the book use (exercise_code.hyperparameters).
"""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from exercise_code.data import load_breast_cancer_splits
from exercise_code.hyperparameters import LEARNING_RATE, NUM_EPOCHS
from exercise_code.networks import BCE, Classifier
from exercise_code.solver import Solver

pytestmark = pytest.mark.solver


@pytest.fixture(scope="module")
def data():
    return load_breast_cancer_splits()


@pytest.fixture(scope="module")
def sklearn_optimum(data):
    """LogisticRegression with C = inf: no penalty (penalty=None is deprecated in 1.8)."""
    clf = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000)
    clf.fit(data.X_train, data.y_train.ravel())
    train_loss = BCE().forward(clf.predict_proba(data.X_train)[:, 1:], data.y_train)
    return clf, train_loss


def test_default_training_reaches_the_unregularised_optimum(data, sklearn_optimum):
    clf, optimal_loss = sklearn_optimum
    model = Classifier(num_features=data.X_train.shape[1])
    Solver(model, data, BCE(), LEARNING_RATE, verbose=False).train(NUM_EPOCHS)

    train_loss = BCE().forward(model.forward(data.X_train), data.y_train)
    assert optimal_loss <= train_loss <= 1.01 * optimal_loss
    test_accuracy = np.mean(model.predict(data.X_test) == data.y_test)
    sklearn_accuracy = clf.score(data.X_test, data.y_test.ravel())
    assert abs(test_accuracy - sklearn_accuracy) <= 0.01
    assert test_accuracy > 0.9


def test_default_features_are_not_separable(data, sklearn_optimum):
    """Overlapping classes: a finite optimum exists and |W| stays moderate."""
    clf, _ = sklearn_optimum
    assert np.linalg.norm(clf.coef_) < 10
    assert clf.score(data.X_train, data.y_train.ravel()) < 1.0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_all_thirty_features_are_separable():
    """Why the default is two features: on all 30 the optimum is at |W| = infinity."""
    data = load_breast_cancer_splits(features=None)
    clf = LogisticRegression(C=np.inf, max_iter=5000).fit(data.X_train, data.y_train.ravel())
    assert clf.score(data.X_train, data.y_train.ravel()) == 1.0
    # Separable: scaling the weights up only lowers the loss, so there is no minimum.
    model = Classifier(num_features=30)
    W = np.vstack([clf.coef_.T, clf.intercept_])
    losses = []
    for scale in (1, 2, 4):
        model.initialize_weights(scale * W)
        losses.append(BCE().forward(model.forward(data.X_train), data.y_train))
    assert losses[0] > losses[1] > losses[2]

"""The Solver: the order of one step, the histories, the best weights."""

import tracemalloc

import numpy as np
import pytest

from exercise_code.data import load_synthetic_splits
from exercise_code.networks import BCE, Classifier
from exercise_code.solver import Solver

pytestmark = pytest.mark.solver


@pytest.fixture
def data():
    return load_synthetic_splits(n_samples=200, seed=3)


def make_solver(data, lr=0.5, **kwargs):
    model = Classifier(num_features=2)
    model.initialize_weights(np.array([[0.7], [-1.2], [0.3]]))  # away from zero
    return Solver(model, data, BCE(), lr, verbose=False, **kwargs)


def test_step_is_forward_loss_backward_update(data):
    solver = make_solver(data)
    W0 = solver.model.W.copy()
    # The same computation by hand, from the weights before the step.
    reference = Classifier(num_features=2)
    reference.initialize_weights(W0)
    z = reference.forward(data.X_train)
    expected_loss = BCE().forward(z, data.y_train)
    dW = reference.backward(BCE().backward(z, data.y_train))

    loss = solver._step()

    assert loss == pytest.approx(expected_loss, rel=1e-15)
    np.testing.assert_allclose(solver.model.W, W0 - 0.5 * dW, rtol=1e-14)


def test_solver_keeps_references_to_the_data(data):
    solver = make_solver(data)
    assert solver.X_train is data.X_train and solver.y_train is data.y_train


def test_train_records_one_entry_per_epoch_and_the_best_weights(data):
    solver = make_solver(data).train(epochs=30)
    for history in (
        solver.train_loss_history,
        solver.val_loss_history,
        solver.train_acc_history,
        solver.val_acc_history,
    ):
        assert len(history) == 30
    assert solver.train_loss_history[-1] < solver.train_loss_history[0]
    assert solver.best_val_loss == min(solver.val_loss_history)
    assert solver.val_loss_history[solver.best_epoch - 1] == solver.best_val_loss
    assert solver.best_W is not solver.model.W


def test_train_accuracy_uses_a_bounded_sample(data):
    solver = make_solver(data, num_train_samples=10).train(epochs=2)
    assert len(solver._X_acc) == 10
    assert all(a in np.arange(11) / 10 for a in solver.train_acc_history)


def test_verbose_training_prints_progress(data, capsys):
    solver = make_solver(data)
    solver.verbose, solver.print_every = True, 5
    solver.train(epochs=10)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(")")[0] for line in lines] == [
        "(Epoch     1 / 10",
        "(Epoch     5 / 10",
        "(Epoch    10 / 10",
    ]
    assert "val accuracy" in lines[-1]


def test_progress_bar(data, capsys):
    make_solver(data, progress=True).train(epochs=3)
    assert "3/3" in capsys.readouterr().err


def test_check_loss_returns_loss_and_accuracy(data):
    solver = make_solver(data)
    loss, accuracy = solver.check_loss(data.X_val, data.y_val)
    z = solver.model.forward(data.X_val)
    assert loss == BCE().forward(z, data.y_val)
    assert accuracy == np.mean((z >= 0.5) == (data.y_val == 1))


def test_a_step_needs_memory_for_columns_not_for_the_data_matrix():
    """One gradient step allocates a few (N, 1) arrays, never an (N, D) copy of X."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200_000, 30))
    data = {"X_train": X, "y_train": (X[:, :1] > 0).astype(np.int64), "X_val": X[:10]}
    data["y_val"] = data["y_train"][:10]
    solver = Solver(Classifier(num_features=30), data, BCE(), 0.1, verbose=False)
    solver._step()  # the first step also scans X for NaN, block by block
    tracemalloc.start()
    solver._step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    column = X.shape[0] * 8
    assert peak < 8 * column, f"a step allocated {peak / column:.1f} (N, 1) columns"

"""The training loop: full-batch gradient descent with a validation check every epoch.

The Solver needs only this from its parts:
    model      a Network: ``forward(X) -> z: (N, 1)``, ``backward(dout) -> dW``, weights ``W``
    loss_func  a Loss: ``loss_func(z, y) -> (loss, dL/dz)``
    optimizer  a class built as ``optimizer(model, learning_rate)`` with ``step(dW)``
    data       a mapping (a dict or a DataSplits) with X_train: (N, D), y_train: (N, 1),
               X_val: (M, D) and y_val: (M, 1)
"""

import numpy as np

from .networks.optimizer import Optimizer


class Solver:
    """Trains a model with gradient descent and records its progress.

    After ``train``, these lists have one entry per epoch: ``train_loss_history`` (the
    training loss before that epoch's step), ``val_loss_history``, ``val_acc_history`` and
    ``train_acc_history`` (measured on a fixed sample of at most ``num_train_samples``
    training points, so that it costs little on large data). ``best_W`` holds the weights
    with the lowest validation loss seen, ``best_epoch`` when they were seen.
    """

    def __init__(
        self,
        model,
        data,
        loss_func,
        learning_rate,
        optimizer=Optimizer,
        verbose=True,
        print_every=100,
        num_train_samples=1000,
        progress=False,
    ):
        self.model = model
        self.loss_func = loss_func
        # References to the caller's arrays, never copies: the data are read, not changed.
        self.X_train = data["X_train"]
        self.y_train = data["y_train"]
        self.X_val = data["X_val"]
        self.y_val = data["y_val"]
        self.opt = optimizer(model, learning_rate)
        self.verbose = verbose
        self.print_every = print_every
        self.progress = progress

        # A fixed subsample for the training accuracy, chosen once (at most
        # num_train_samples rows are copied, once).
        n = len(self.X_train)
        if num_train_samples is None or num_train_samples >= n:
            self._X_acc, self._y_acc = self.X_train, self.y_train
        else:
            idx = np.sort(np.random.default_rng(0).choice(n, num_train_samples, replace=False))
            self._X_acc, self._y_acc = self.X_train[idx], self.y_train[idx]
        self._reset()

    def _reset(self):
        self.train_loss_history = []
        self.val_loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.best_val_loss = np.inf
        self.best_W = None
        self.best_epoch = None

    def _step(self):
        """Make a single gradient update (one epoch of full-batch gradient descent).

        Called by ``train``; not meant to be called by hand. Returns the training loss
        (a float) computed in the forward pass, before the update, or the pair
        (loss, gradient) that ``loss_func`` returns, whose first item ``train`` records.
        """
        model = self.model
        loss_func = self.loss_func
        X_train = self.X_train
        y_train = self.y_train
        opt = self.opt
        loss = None
        # YOUR CODE HERE (Solver._step): replace the raise below.
        raise NotImplementedError("Solver._step is not implemented yet: write it here (see the docstring above).")
        return loss

    def check_loss(self, X, y):
        """Return (mean loss, accuracy) of the current model on X: (M, D), y: (M, 1)."""
        z = self.model.forward(X)
        loss = self.loss_func.forward(z, y)
        accuracy = float(np.mean((z >= 0.5) == (y == 1)))
        return loss, accuracy

    def train(self, epochs=1000):
        """Run ``epochs`` gradient steps; record losses and accuracies after each one."""
        epoch_range = range(epochs)
        if self.progress:
            from tqdm.auto import tqdm  # optional: only needed for a progress bar

            epoch_range = tqdm(epoch_range, desc="training", unit="epoch")
        for epoch in epoch_range:
            train_loss = self._step()
            if isinstance(train_loss, (tuple, list)):  # the pair loss_func gives: loss first
                train_loss = train_loss[0]
            val_loss, val_acc = self.check_loss(self.X_val, self.y_val)
            _, train_acc = self.check_loss(self._X_acc, self._y_acc)
            self.train_loss_history.append(train_loss)
            self.val_loss_history.append(val_loss)
            self.train_acc_history.append(train_acc)
            self.val_acc_history.append(val_acc)
            if val_loss < self.best_val_loss:
                self.best_val_loss = val_loss
                self.best_W = self.model.W.copy()
                self.best_epoch = epoch + 1
            last = epoch + 1 == epochs
            if self.verbose and ((epoch + 1) % self.print_every == 0 or epoch == 0 or last):
                print(
                    f"(Epoch {epoch + 1:>5} / {epochs}) train loss: {train_loss:.6f}, "
                    f"val loss: {val_loss:.6f}, val accuracy: {100 * val_acc:.1f}%"
                )
        return self

"""A logistic-regression classifier: an affine layer followed by a sigmoid.

Shapes (N samples, D features):
    X: (N, D)          data, one sample per row
    W: (D + 1, 1)      weights; the last row is the bias b
    s = X W[:D] + b    (N, 1) logits
    z = sigmoid(s)     (N, 1) predicted probabilities P(y = 1 | x)

Mathematically this is the "bias trick" [X, 1] @ W with a column of ones appended to X. We
compute it without building [X, 1]: that would copy the whole (N, D) data matrix on every
forward pass, and the result is the same.
"""

import weakref

import numpy as np

from .base import Network
from .validation import as_real_array, check_features, check_finite


class Classifier(Network):
    """Logistic regression on D features: z = sigmoid(X W[:D] + W[D])."""

    def __init__(self, num_features=2):
        """:param num_features: D, the number of features of each sample (without bias)."""
        super().__init__("logistic_regression")
        self.num_features = num_features
        self.W = None
        # The data matrices already checked for NaN/inf, by id, held weakly (no copies kept).
        self._checked_X = weakref.WeakValueDictionary()
        self.initialize_weights()

    def initialize_weights(self, weights=None):
        """Set W: (D + 1, 1) to ``weights`` (copied) or to small random values.

        Random weights are drawn from N(0, 0.01^2) with a fixed seed, so every run starts
        from the same point; the bias starts at 0.
        :raises ValueError: weights do not have shape (D + 1, 1), or are not finite.
        """
        expected = (self.num_features + 1, 1)
        if weights is None:
            rng = np.random.default_rng(0)
            weights = np.zeros(expected)
            weights[:-1] = 0.01 * rng.standard_normal((self.num_features, 1))
        weights = as_real_array("weights", weights)
        if weights.shape != expected:
            raise ValueError(
                f"weights must have shape (D + 1, 1) = {expected} (one row per feature, "
                f"plus the bias in the last row), got {weights.shape}."
            )
        if not np.all(np.isfinite(weights)):
            raise ValueError("weights contain NaN or inf.")
        self.W = np.array(weights, dtype=np.float64)  # our own float64 copy
        self.cache = None
        self._output_shape = None  # the shape of the last forward output, for backward

    def sigmoid(self, x):
        """Computes the sigmoid 1 / (1 + exp(-x)), elementwise and without overflow.

        The textbook form overflows in exp(-x) for x < -709 (a RuntimeWarning, then the
        right answer 0 by luck). We only ever evaluate exp(-|x|) <= 1:
            x >= 0:  1 / (1 + exp(-x))
            x <  0:  exp(x) / (1 + exp(x))   (the same number, multiplied by exp(x)/exp(x))

        :param x: array of any shape (or a scalar), real numbers.
        :return: array of the same shape as x, values in [0, 1] (in (0, 1) for |x| < 36).
        """
        x = np.asarray(x, dtype=np.float64)
        out = None
        ### BEGIN SOLUTION
        e = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1.0, e) / (1.0 + e)
        ### END SOLUTION
        return out

    def forward(self, X):
        """Performs the forward pass of the model.

        :param X: (N, D) array of data, one sample per row (no bias column: the bias is the
            last row of W and is added here).
        :return: z, an (N, 1) array of predicted probabilities P(y = 1 | x), in [0, 1].
            These are probabilities, not logits: they feed straight into BCE.
        :raises ValueError: X is not (N, D), X or W contains NaN or inf.
        :raises TypeError: X is not an array of real numbers.

        Stores in ``self.cache`` what backward needs, in any layout backward reads (a tuple
        such as (X, z), a dict, ...): here X (a reference, not a copy) and z.
        """
        X = check_features(X, self.num_features)
        self._check_finite_once(X)
        if not np.all(np.isfinite(self.W)):
            raise ValueError(
                "W contains NaN or inf. If this happened during training, the learning rate "
                "is too large and gradient descent diverged."
            )
        z = None
        ### BEGIN SOLUTION
        # The bias trick without the copy: [X, 1] @ W == X @ W[:D] + W[D].
        s = X @ self.W[:-1] + self.W[-1]
        z = self.sigmoid(s)
        self.cache = (X, z)
        ### END SOLUTION
        self._check_output(z)
        self._output_shape = np.shape(z)
        return z

    def backward(self, dout):
        """Performs the backward pass of the model.

        :param dout: (N, 1) array, the upstream gradient dL/dz (what BCE.backward returns).
        :return: dW, a (D + 1, 1) array, dL/dW. It has the shape of W, not (N, D): the
            1/N of the mean loss is already in dout, so summing over the samples (the
            matrix product with X^T) gives the gradient of the mean loss.

        Chain rule, with s = [X, 1] W and z = sigmoid(s):
            ds = dout * z * (1 - z)                 (N, 1)  sigmoid'(s) = z (1 - z)
            dW = [X, 1]^T ds = [X^T ds; sum(ds)]    (D + 1, 1)

        :raises RuntimeError: backward is called before forward.
        :raises ValueError: dout does not have the shape of the forward output.
        """
        if self.cache is None:
            raise RuntimeError(
                "Run a forward pass before the backward pass: self.cache is empty. If you "
                "did call forward, check that it stores what backward needs in self.cache."
            )
        dout = as_real_array("dout", dout)
        shape = self._output_shape
        if shape is not None and dout.shape != shape:
            raise ValueError(
                f"dout must have the shape of the forward output z, {shape}, got {dout.shape}."
            )
        dW = None
        ### BEGIN SOLUTION
        X, z = self.cache  # what forward stored, in the layout it chose
        ds = dout * z * (1 - z)
        dW = np.empty_like(self.W)
        dW[:-1] = X.T @ ds
        dW[-1] = ds.sum()
        ### END SOLUTION
        return dW

    def predict(self, X, threshold=0.5):
        """Return hard labels (N, 1) in {0, 1}: 1 where P(y = 1 | x) >= threshold."""
        return (self.forward(X) >= threshold).astype(np.int64)

    def _check_finite_once(self, X):
        """Refuse NaN or inf in X, checking each data matrix only the first time we see it.

        The Solver passes the same X_train (and X_val) on every epoch; scanning all N * D
        entries each time would cost as much as the forward pass itself. We scan in blocks
        of rows so the check needs O(N) extra memory, never a full (N, D) boolean copy. (NaN
        written into X later still surfaces: it makes the output NaN, see _check_output.)
        """
        if self._checked_X.get(id(X)) is X:
            return
        for start in range(0, X.shape[0], 1 << 16):
            check_finite("X", X[start : start + (1 << 16)])
        self._checked_X[id(X)] = X

    def _check_output(self, z):
        """Explain a NaN output instead of letting it spread into the loss."""
        if z is not None and np.isnan(z).any():
            raise ValueError(
                "The forward pass produced NaN: X was changed to contain NaN after it was "
                "first checked, or the forward computation itself is wrong."
            )

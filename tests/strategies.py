"""Hypothesis strategies shared by the tests: well-conditioned data, labels, weights."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
sample_counts = st.integers(min_value=1, max_value=40)
feature_counts = st.integers(min_value=1, max_value=6)


@st.composite
def probabilities_and_labels(draw, low=0.0, high=1.0):
    """(y_out, y_truth), both (N, 1): probabilities in [low, high] and labels in {0, 1}."""
    n = draw(sample_counts)
    p = draw(hnp.arrays(np.float64, (n, 1), elements=st.floats(low, high)))
    y = draw(hnp.arrays(np.int64, (n, 1), elements=st.integers(0, 1)))
    return p, y


@st.composite
def problems(draw):
    """A random well-conditioned problem: X: (N, D), y: (N, 1), W: (D + 1, 1), all seeded."""
    n = draw(sample_counts)
    d = draw(feature_counts)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    X = rng.standard_normal((n, d))
    y = rng.integers(0, 2, size=(n, 1))
    W = rng.standard_normal((d + 1, 1))
    return X, y, W

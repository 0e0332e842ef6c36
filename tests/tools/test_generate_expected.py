"""The stored expected values of the grading checks are what the reference computes today.

If the reference, the data split or the hyperparameters change, this fails until
``python -m tools.generate_expected`` has been run (and the release regenerated).
"""

import numpy as np

from exercise_code.grading import expected
from tools.generate_expected import compute


def test_stored_expected_values_match_the_reference():
    fresh = compute()
    stored = {name: getattr(expected, name) for name in fresh if hasattr(expected, name)}
    assert sorted(stored) == sorted(fresh), "a value is missing from expected.py"
    stale = [
        name
        for name, value in fresh.items()
        if not np.array_equal(np.asarray(stored[name]), np.asarray(value))
    ]
    assert not stale, f"expected.py is stale for {stale}: run python -m tools.generate_expected"

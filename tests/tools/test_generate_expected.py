"""The stored expected values of the grading checks are what the reference computes today.

If the reference, the data split or the hyperparameters change, the first test fails until
``python -m tools.generate_expected`` has been run (and the release regenerated). It compares
within ``STORED_RTOL``, never bit for bit: on another CPU the reference differs in the last
bits, and the course's own tests must pass there too (the other two tests show both sides).
"""

import numpy as np
import pytest

from exercise_code.grading import expected
from tools.generate_expected import STORED_RTOL, compute, stale_names


@pytest.fixture(scope="module")
def fresh():
    return compute()


def stored_values():
    return {name: getattr(expected, name) for name in dir(expected) if name.isupper()}


def moved_by_ulps(value, ulps):
    """``value`` with every float moved ``ulps`` units in the last place (the sign: direction)."""
    value = np.asarray(value)
    if value.dtype.kind != "f":
        return value
    for _ in range(abs(ulps)):
        value = np.nextafter(value, np.inf if ulps > 0 else -np.inf)
    return value


def test_stored_expected_values_match_the_reference(fresh):
    assert sorted(stored_values()) == sorted(fresh), "expected.py and compute() name other values"
    stale = stale_names(stored_values(), fresh)
    assert not stale, f"expected.py is stale for {stale}: run python -m tools.generate_expected"


@pytest.mark.parametrize("ulps", [-4, 4])
def test_another_cpu_a_few_ulps_away_still_matches(fresh, ulps):
    """What another CPU computes (a few ulps away, either way) is not 'stale'."""
    moved = {name: moved_by_ulps(value, ulps) for name, value in stored_values().items()}
    assert any(not np.array_equal(moved[n], stored_values()[n]) for n in moved)
    assert stale_names(moved, fresh) == []


def test_a_real_change_is_stale(fresh):
    """A change far above rounding (here 1e-9, relative) in one value is caught, by name."""
    changed = dict(stored_values())
    changed["TRAIN_FINAL_LOSS"] = expected.TRAIN_FINAL_LOSS * (1 + 1e3 * STORED_RTOL)
    changed["BCE_Y_TRUTH"] = 1 - expected.BCE_Y_TRUTH
    assert stale_names(changed, fresh) == ["BCE_Y_TRUTH", "TRAIN_FINAL_LOSS"]

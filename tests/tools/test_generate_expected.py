"""The stored expectations of the notebook's checks are what the reference gives today.

``exercise_code/grading/expected.json`` (the visible cases and what the reference gives on
them) is what a student's notebook judges with; the grader computes the same expectations
from the reference (tools/grader/oracles.py). If the reference, the data, the hyperparameters
or a case change, the first test fails until ``python -m tools.grader.generate_expected`` has been
run (and the release regenerated). It compares within ``STORED_RTOL``, never bit for bit: on
another CPU the reference differs in the last bits, and the course's own tests must pass
there too (the other tests show both sides).
"""

import copy
import json

import numpy as np
import pytest

from exercise_code.grading import EXPECTED_FILE
from tools.grader.generate_expected import STORED_RTOL, compute, render, stale_entries


@pytest.fixture(scope="module")
def fresh():
    return compute()


def stored():
    with open(EXPECTED_FILE, encoding="utf-8") as f:
        return json.load(f)


def moved_by_ulps(data, ulps):
    """``data`` (plain data) with every float moved ``ulps`` units in the last place."""
    if isinstance(data, dict):
        if data.get("array") == "float64":
            return {**data, "data": moved_by_ulps(data["data"], ulps)}
        return {k: moved_by_ulps(v, ulps) for k, v in data.items()}
    if isinstance(data, list):
        return [moved_by_ulps(v, ulps) for v in data]
    if isinstance(data, float):
        for _ in range(abs(ulps)):
            data = float(np.nextafter(data, np.inf if ulps > 0 else -np.inf))
    return data


def test_stored_expectations_match_the_reference(fresh):
    stale = stale_entries(stored(), fresh)
    assert not stale, (
        f"expected.json is stale at {stale}: run python -m tools.grader.generate_expected"
    )


def test_the_stored_file_is_exactly_what_the_generator_writes(fresh):
    """Deterministic output: regenerating on this machine rewrites nothing but the last bits."""
    assert stale_entries(json.loads(render(fresh)), fresh) == []


@pytest.mark.parametrize("ulps", [-4, 4])
def test_another_cpu_a_few_ulps_away_still_matches(fresh, ulps):
    """What another CPU computes (a few ulps away, either way) is not 'stale'."""
    moved = moved_by_ulps(stored(), ulps)
    assert moved != stored()
    assert stale_entries(moved, fresh) == []


def test_a_real_change_is_stale(fresh):
    """A change far above rounding (here 1e-9, relative) is caught, where it is."""
    changed = copy.deepcopy(stored())
    loss = changed["trained_accuracy/from_scratch"]["expected"]
    loss["final_loss"] *= 1 + 1e3 * STORED_RTOL
    labels = changed["bce_forward/stored"]["case"]["inputs"]["y_truth"]["data"]
    labels[0] = 1 - labels[0]
    assert stale_entries(changed, fresh) == [
        "/bce_forward/stored/case/inputs/y_truth/data/0",
        "/trained_accuracy/from_scratch/expected/final_loss",
    ]

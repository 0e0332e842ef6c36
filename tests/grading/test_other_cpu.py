"""Another CPU: the stored expectations sit a few units in the last place away.

numpy's exp, log and reductions take different SIMD paths on different CPUs, so the values
that ``tools/grader/generate_expected.py`` stored on one machine differ in the last bits from
what the reference computes on another. Every check of the notebook must still pass the reference
there (a student's correct code on that machine computes what the reference computes), and a
real mistake must still fail. The stored values are moved, not the computation: that is the
honest simulation, for every value the reference computed (the inputs the course wrote down
are the same on every CPU). (When grading, expectations are computed on the grading machine
itself.)
"""

import json
import re

import numpy as np
import pytest

from exercise_code import grading
from exercise_code.grading import GradingFailure
from exercise_code.grading.messages import MISTAKES
from exercise_code.networks import BCE
from tests.tools.test_generate_expected import moved_by_ulps, stored


@pytest.fixture(params=[-4, 4], ids=["4 ulps down", "4 ulps up"])
def other_cpu(request, monkeypatch, tmp_path):
    """expected.json as another CPU would have written it."""
    path = tmp_path / "expected.json"
    path.write_text(json.dumps(moved(stored(), request.param)), encoding="utf-8")
    monkeypatch.setattr(grading, "EXPECTED_FILE", str(path))


# The inputs of a case that the reference computes (cases.py): only these differ on
# another CPU. The others are numbers the course wrote down (predictions of exactly 0 and 1
# among them), the same everywhere.
COMPUTED_INPUTS = ("z_fallback",)


def moved(entries, ulps):
    """expected.json with every computed value moved ``ulps`` units in the last place."""
    out = {}
    for case_id, entry in entries.items():
        inputs = dict(entry["case"]["inputs"])
        for key in COMPUTED_INPUTS:
            if key in inputs:
                inputs[key] = moved_by_ulps(inputs[key], ulps)
        case = {**entry["case"], "inputs": inputs}
        out[case_id] = {"case": case, "expected": moved_by_ulps(entry["expected"], ulps)}
    return out


def test_the_reference_passes_every_check(other_cpu, capsys):
    for part in grading.PARTS:
        grading.check(part)
    assert capsys.readouterr().out.count("passed") == len(grading.PARTS)


def test_a_missing_one_over_n_still_fails(other_cpu, monkeypatch):
    def backward(self, y_out, y_truth):
        y_out, y_truth = self._check(y_out, y_truth)
        p = y_truth * y_out + (1 - y_truth) * (1 - y_out)
        return (1 - 2 * y_truth) / np.maximum(p, np.finfo(float).eps)  # no / N

    monkeypatch.setattr(BCE, "backward", backward)
    with pytest.raises(GradingFailure, match=re.escape(MISTAKES["bce_backward_missing_n"])):
        grading.check("bce_backward")

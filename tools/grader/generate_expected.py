"""Write exercise_code/grading/expected.json: the visible cases and what the reference gives.

Run by an instructor, with the reference solution in place, after changing the reference, the
data, the hyperparameters or a case (tools/grader/cases.py):

    .venv/bin/python -m tools.grader.generate_expected

The notebook's test cells judge a student's code against these stored expectations (in the
student's copy the reference is a stub). When a submission is graded, the grader computes the
same expectations from the reference instead (tools/grader/oracles.py); a test keeps the two in
step. The file holds values only, never code: the formulas of the known mistakes stay in
tools/grader/oracles.py. The output is deterministic.
"""

import json
import os

import numpy as np

from tools.grader import cases, oracles
from tools.grader.protocol import to_plain

ROOT = oracles.ROOT
OUT = os.path.join(ROOT, "exercise_code", "grading", "expected.json")

# Stored and recomputed values are compared with a relative tolerance, never bit for bit:
# numpy's exp, log and reductions take different SIMD paths on different CPUs, so the same
# reference on another machine differs in the last bits (seen: up to 4 units in the last
# place, a relative 9.2e-16). 1e-12 leaves a factor 1000 above that, and is far below what a
# real change of the reference, the data or the hyperparameters moves (1e-6 and more).
STORED_RTOL = 1e-12
# And an absolute difference below the smallest normal float (2.2e-308) is the rounding of a
# zero (an exp that underflows, a probability of exactly 0), never a change.
STORED_ATOL = np.finfo(np.float64).tiny


def compute():
    """{case id: {"case": ..., "expected": ...}} as plain data, from the reference."""
    return {
        case.id: {
            "case": case.to_plain(),
            "expected": to_plain(oracles.expect(case)),
        }
        for case in cases.visible()
    }


def render(values):
    return json.dumps(values, indent=1, sort_keys=True) + "\n"


def stale_entries(stored, fresh, rtol=STORED_RTOL, where=""):
    """Paths (``case/expected/key``) where ``stored`` differs from ``fresh``.

    Numbers compare within ``rtol`` (relative, or STORED_ATOL absolute); integers, booleans,
    strings and the structure exactly.
    """
    if isinstance(fresh, dict) and isinstance(stored, dict):
        if fresh.keys() != stored.keys():
            return [where or "/"]
        if "array" in fresh and fresh.get("array") == "float64":
            same = fresh["shape"] == stored.get("shape") and np.allclose(
                np.asarray(stored.get("data"), dtype=float),
                np.asarray(fresh["data"], dtype=float),
                rtol=rtol,
                atol=STORED_ATOL,
            )
            return [] if same else [where]
        return [p for k in fresh for p in stale_entries(stored[k], fresh[k], rtol, f"{where}/{k}")]
    if isinstance(fresh, list) and isinstance(stored, list):
        if len(fresh) != len(stored):
            return [where]
        return [
            p
            for i, (a, b) in enumerate(zip(stored, fresh, strict=False))
            for p in stale_entries(a, b, rtol, f"{where}/{i}")
        ]
    if (
        isinstance(fresh, float)
        and isinstance(stored, (int, float))
        and not isinstance(stored, bool)
    ):
        return [] if np.isclose(stored, fresh, rtol=rtol, atol=STORED_ATOL) else [where]
    return [] if stored == fresh and type(stored) is type(fresh) else [where]


def main():
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(render(compute()))
    print(f"wrote {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()

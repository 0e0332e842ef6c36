"""The checks of the notebook's graded test cells, one module per part (as in ``networks``).

    loss.py         BCE_FORWARD, BCE_BACKWARD
    classifier.py   SIGMOID, CLASSIFIER_FORWARD, CLASSIFIER_BACKWARD
    optimizer.py    OPTIMIZER_STEP
    solver.py       SOLVER_STEP
    training.py     TRAINED_ACCURACY
    engine.py       what they share: cases, plain data, comparisons, messages
    probe.py        the sandboxed child process that runs a probe when a submission is graded

In the notebook, ``check(part)`` runs a part's visible cases in your kernel and prints
``[part] passed: ...`` or raises ``GradingFailure`` saying what is wrong (``messages.MISTAKES``
lists the mistakes it recognises). When your submission is graded, the same checks run on
the visible and on hidden cases, with your code in a separate, sandboxed process: editing
this package, or a test cell, changes nothing about a grade.
"""

import json
import os

from .classifier import CLASSIFIER_BACKWARD, CLASSIFIER_FORWARD, SIGMOID
from .engine import Case, GradingFailure, from_plain, passed_text, wrap
from .loss import BCE_BACKWARD, BCE_FORWARD
from .messages import MISTAKES
from .optimizer import OPTIMIZER_STEP
from .solver import SOLVER_STEP
from .training import TRAINED_ACCURACY

PARTS = {
    part.name: part
    for part in (
        BCE_FORWARD,
        BCE_BACKWARD,
        SIGMOID,
        CLASSIFIER_FORWARD,
        CLASSIFIER_BACKWARD,
        OPTIMIZER_STEP,
        SOLVER_STEP,
        TRAINED_ACCURACY,
    )
}
STUDENT_FILES = tuple(dict.fromkeys(part.file for part in PARTS.values()))
EXPECTED_FILE = os.path.join(os.path.dirname(__file__), "expected.json")


def visible_cases():
    """{case id: (Case, expectation)} of the visible cases, from expected.json."""
    with open(EXPECTED_FILE, encoding="utf-8") as f:
        stored = json.load(f)
    return {
        case_id: (Case.from_plain(entry["case"]), from_plain(entry["expected"]))
        for case_id, entry in stored.items()
    }


def check(part):
    """Run the visible cases of ``part`` with your code; print 'passed' or raise.

    :raises GradingFailure: a case failed; the message names the part and the mistake.
    """
    cases = [(c, e) for c, e in visible_cases().values() if c.part == part]
    if part not in PARTS or not cases:
        raise ValueError(f"unknown part {part!r}; the parts are {sorted(PARTS)}")
    probe, judge = PARTS[part].probe, PARTS[part].judge
    for case, expected in cases:
        judge(case, from_plain(probe(case.inputs)), expected)
    print(wrap(passed_text(part, [c for c, _ in cases])))


__all__ = ["MISTAKES", "PARTS", "STUDENT_FILES", "GradingFailure", "check", "visible_cases"]

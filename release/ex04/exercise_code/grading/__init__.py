"""The checks of the notebook's graded test cells, one module per part (as in ``networks``).

    loss.py         BCE_FORWARD, BCE_BACKWARD (and their *_ROBUST parts)
    classifier.py   SIGMOID (and SIGMOID_ROBUST), CLASSIFIER_FORWARD, CLASSIFIER_BACKWARD
    optimizer.py    OPTIMIZER_STEP
    solver.py       SOLVER_STEP
    training.py     TRAINED_ACCURACY
    engine.py       what they share: cases, plain data, comparisons, messages

In the notebook, ``check(part)`` runs a part's visible cases in your kernel and prints
``[part] passed: ...`` or raises ``GradingFailure`` saying what is wrong (``messages.MISTAKES``
lists the mistakes it recognises). When your submission is graded, the same checks run on
the visible and on hidden cases, with your code in a separate, sandboxed process, and the
judges in the grader (its own copy of this package): editing this package, or a test cell,
changes nothing about a grade.
"""

import json
import os

from .classifier import CLASSIFIER_BACKWARD, CLASSIFIER_FORWARD, SIGMOID, SIGMOID_ROBUST
from .engine import Case, GradingFailure, passed_text, stored, wrap
from .loss import BCE_BACKWARD, BCE_BACKWARD_ROBUST, BCE_FORWARD, BCE_FORWARD_ROBUST
from .messages import MISTAKES
from .optimizer import OPTIMIZER_STEP
from .solver import SOLVER_STEP
from .training import TRAINED_ACCURACY

PARTS = {
    part.name: part
    for part in (
        BCE_FORWARD,
        BCE_FORWARD_ROBUST,
        BCE_BACKWARD,
        BCE_BACKWARD_ROBUST,
        SIGMOID,
        SIGMOID_ROBUST,
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
        entries = json.load(f)
    return {
        case_id: (Case.from_plain(entry["case"]), stored(entry["expected"]))
        for case_id, entry in entries.items()
    }


def check(part):
    """Run the visible cases of ``part`` with your code; print 'passed' or raise.

    :raises GradingFailure: a case failed; the message names the part and the mistake.
    """
    cases = [(c, e) for c, e in visible_cases().values() if c.part == part]
    if part not in PARTS or not cases:
        raise ValueError(f"unknown part {part!r}; the parts are {sorted(PARTS)}")
    graded = PARTS[part]
    for case, expected in cases:
        desk = graded.desk(case.inputs) if graded.desk else None  # the stand-ins' desk, here
        outputs = graded.outputs(case.inputs, desk)
        if desk:  # the log of the stand-ins' calls, kept here
            expected = {**expected, **desk.record()}
        if graded.own:  # what the grader computes with the reference: here the student's own
            expected = {**expected, **graded.own(outputs)}
        graded.judge(case, outputs, expected)
    print(wrap(passed_text(part, [c for c, _ in cases])))


__all__ = ["MISTAKES", "PARTS", "STUDENT_FILES", "GradingFailure", "check", "visible_cases"]

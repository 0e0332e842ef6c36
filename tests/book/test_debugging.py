"""What the debugging page (book/debugging.md) says of the robustness tests holds when graded.

The page runs the notebook's visible checks itself, at build time, on deliberately broken
classes. Two of its mistakes (the unfloored BCE, the sigmoid as the formula reads) pass the
core test and fail the visible robustness test; the page cannot run the hidden robustness
cases (its downloaded notebook has no ``tools/``): these tests run them as the grader does,
the part's probe on the broken class and its judge against the reference's expectation, and
check that they fail with the words the page shows.
"""

from __future__ import annotations

import numpy as np
import pytest

import exercise_code.networks.classifier as classifier_module
import exercise_code.networks.loss as loss_module
from exercise_code.grading import MISTAKES, PARTS, GradingFailure
from exercise_code.networks import BCE, Classifier
from tools.grader.cases import hidden
from tools.grader.oracles import expect


class NoFloorBCE(BCE):
    """The page's cause 2 of a nan loss: the textbook formula, nothing floored."""

    def forward(self, y_out, y_truth, individual_losses=False):
        y_out, y_truth = self._check(y_out, y_truth)
        losses = -(y_truth * np.log(y_out) + (1 - y_truth) * np.log(1 - y_out))
        return losses if individual_losses else float(np.mean(losses))


class NaiveSigmoid(Classifier):
    """The page's overflow warning: the sigmoid as the formula reads."""

    def sigmoid(self, x):
        return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize(
    ("part", "case_name", "module", "name", "broken", "mistake"),
    [
        ("bce_forward_robust", "edges", loss_module, "BCE", NoFloorBCE, "fp_warning"),
        (
            "sigmoid_robust",
            "extremes",
            classifier_module,
            "Classifier",
            NaiveSigmoid,
            "sigmoid_overflow",
        ),
    ],
)
def test_the_hidden_test_the_page_names_catches_its_mistake(
    monkeypatch, part, case_name, module, name, broken, mistake
):
    case = next(c for c in hidden() if c.part == part and c.name == case_name)
    monkeypatch.setattr(module, name, broken)
    graded = PARTS[part]
    outputs = graded.outputs(case.inputs)
    with pytest.raises(GradingFailure) as failure:
        graded.judge(case, outputs, expect(case, outputs))
    assert MISTAKES[mistake] in str(failure.value)

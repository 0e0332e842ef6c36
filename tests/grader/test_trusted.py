"""The trusted grader (tools/grader/trusted.py) on whole submissions, with the real sandbox.

What it grades (the student's four files, nothing the submission added), what a student
learns from a failure (the mistake and their own line; nothing of a hidden case), and how it
copes with code that does not finish.
"""

import json

import pytest

from exercise_code.grading import PARTS
from exercise_code.grading.messages import MISTAKES
from tests.submissions import CLASSIFIER, LOSS, ROOT, changed, everything, make_submission
from tools.course import ASSIGNMENT, NOTEBOOK
from tools.grader import cases, trusted


def passed(verdicts):
    return {part: verdict.passed for part, verdict in verdicts.items()}


def test_the_reference_passes_every_part_and_the_untouched_release_none(tmp_path):
    reference = trusted.grade(make_submission(tmp_path / "reference", everything()))
    untouched = trusted.grade(make_submission(tmp_path / "untouched"))
    assert passed(reference) == dict.fromkeys(PARTS, True)
    assert passed(untouched) == dict.fromkeys(PARTS, False)
    assert all(MISTAKES["not_implemented"] in v.text for v in untouched.values())
    # A pass says what was tested, hidden tests by what they test.
    assert reference["sigmoid"].text == (
        "[sigmoid] passed: sigmoid on an array of shape (3, 4); and 3 hidden tests: at large "
        "|x|, without a numpy warning; on a scalar, which keeps its shape (); on another "
        "array, of shape (2, 3)"
    )


def test_files_a_submission_adds_are_never_imported(tmp_path):
    """A numpy.py beside the package does not shadow numpy, and a module of the student's own
    is not there for their loss.py to import (the notebook says so)."""
    loss = changed(
        LOSS,
        "        p = y_truth * y_out + (1 - y_truth) * (1 - y_out)\n        result",
        "        from . import helpers\n\n"
        "        p = y_truth * y_out + (1 - y_truth) * (1 - y_out)\n        result",
    )
    shadow = "raise SystemExit('a numpy of my own')\n"
    folder = make_submission(
        tmp_path / "s",
        {**everything(), LOSS: loss},
        extra={
            "numpy.py": shadow,
            "exercise_code/numpy.py": shadow,
            "exercise_code/networks/numpy.py": shadow,
            "exercise_code/networks/helpers.py": "X = 1\n",
        },
    )
    verdicts = trusted.grade(folder)
    failed = {"bce_forward", "trained_accuracy"}
    assert passed(verdicts) == {part: part not in failed for part in PARTS}
    assert "ImportError" in verdicts["bce_forward"].text
    assert "(in networks/loss.py, line " in verdicts["bce_forward"].text


def test_a_student_file_that_is_a_link_is_not_followed(tmp_path):
    folder = make_submission(tmp_path / "s", everything())
    (folder / LOSS).unlink()
    (folder / LOSS).symlink_to(tmp_path / "anything.py")
    (tmp_path / "anything.py").write_text(everything()[LOSS])
    verdicts = trusted.grade(folder, parts=["bce_forward"])
    assert MISTAKES["not_implemented"] in verdicts["bce_forward"].text


def test_a_hidden_case_shows_neither_its_values_nor_the_exception_text(tmp_path):
    """The student learns what the hidden test is about and their own line, nothing more."""
    raising = changed(
        CLASSIFIER,
        "        s = X @ self.W[:-1] + self.W[-1]\n",
        "        if X.shape[1] == 3:\n"
        "            raise ValueError(f'inputs: {X.tolist()} {self.W.tolist()}')\n"
        "        s = X @ self.W[:-1] + self.W[-1]\n",
    )
    folder = make_submission(tmp_path / "s", {**everything(), CLASSIFIER: raising})
    text = trusted.grade(folder, parts=["classifier_forward"])["classifier_forward"].text
    assert text.startswith("[classifier_forward] model.forward(X) for X of shape (4, 3): ")
    assert "ValueError (in networks/classifier.py, line" in text
    assert "(on the hidden test with 3 features and 4 samples)" in text
    # The student's own line is shown, never the values it would have printed.
    assert "[[0.5" not in text and "1.4" not in text and "-1.2" not in text


def test_an_endless_loop_is_stopped_and_named_and_costs_only_its_part(tmp_path):
    looping = changed(
        CLASSIFIER,
        "        e = np.exp(-np.abs(x))\n",
        "        while x.size > 10:\n            pass\n        e = np.exp(-np.abs(x))\n",
    )
    folder = make_submission(tmp_path / "s", {**everything(), CLASSIFIER: looping})
    verdicts = trusted.grade(folder, parts=["sigmoid", "classifier_forward"])
    assert passed(verdicts) == {"sigmoid": False, "classifier_forward": True}
    line = looping.splitlines().index("        while x.size > 10:") + 1
    assert verdicts["sigmoid"].text == (
        f"[sigmoid] Classifier.sigmoid {MISTAKES['interrupted']} "
        f"(in networks/classifier.py, line {line}: while x.size > 10:)."
    )


def test_a_submission_out_of_time_is_not_run_further(tmp_path, monkeypatch):
    monkeypatch.setattr(trusted, "SUBMISSION_SECONDS", 0)
    verdicts = trusted.grade(make_submission(tmp_path / "s", everything()))
    assert not any(v.passed for v in verdicts.values())
    assert all(MISTAKES["out_of_time"] in v.text for v in verdicts.values())


@pytest.mark.parametrize("case", cases.every_case(), ids=lambda c: c.id)
def test_the_probe_is_sent_inputs_only(case):
    """What crosses into the student's process: the case's inputs and what it is about."""
    assert set(case.to_plain()) == {"part", "name", "about", "inputs", "hidden"}
    assert not {"expected", "mistakes"} & set(case.inputs)


def test_the_notebook_states_the_time_limits():
    """What the student reads is what the grader allows (per test, and for training)."""
    notebook = json.loads((ROOT / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    intro = "".join(notebook["cells"][0]["source"]).replace("\n", " ")
    assert f"each test may take at most {trusted.CASE_SECONDS:g} seconds" in intro
    assert f"the training at most {trusted.TRAINING_SECONDS:g} seconds" in intro


def test_a_probe_that_does_not_start_stops_grading_instead_of_failing_the_student(
    tmp_path, monkeypatch
):
    """The time of a case runs from the probe's READY line (a loaded machine may take long
    to start Python and numpy in the sandbox); a probe that never starts is the machine's
    fault, and no student gets a zero for it."""
    monkeypatch.setattr(trusted, "STARTUP_SECONDS", 0)
    with pytest.raises(trusted.ProbeNotStarted, match="did not start"):
        trusted.grade(make_submission(tmp_path / "s", everything()), parts=["sigmoid"])

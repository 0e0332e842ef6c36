"""The trusted grader (tools/grader/trusted.py) on whole submissions, with the real sandbox.

What it grades (the student's four files, nothing the submission added), what a student
learns from a failure (of a visible case: the mistake and their own line; of a hidden case:
which it is and what it tests, nothing the student's code chose), and how it
copes with code that does not finish.
"""

import json

import pytest

from exercise_code.grading import PARTS
from exercise_code.grading.messages import MISTAKES
from tests.submissions import (
    CLASSIFIER,
    LOSS,
    OPTIMIZER,
    ROOT,
    SOLVER,
    changed,
    everything,
    make_submission,
)
from tools.course import ASSIGNMENT, NOTEBOOK
from tools.grader import cases, probe_process, trusted
from tools.grader.redaction import hidden_failure_text


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
        "[sigmoid] passed: sigmoid on an array of shape (3, 4); and 2 hidden tests: on a "
        "scalar, which keeps its shape (); on another array, of shape (2, 3)"
    )
    assert reference["sigmoid_robust"].text == (
        "[sigmoid_robust] passed: sigmoid at |x| up to 800, without a numpy warning; and 1 "
        "hidden test: at |x| up to 1000, without a numpy warning"
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
    failed = {"bce_forward", "bce_forward_robust", "trained_accuracy"}
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


# For every part: where to break the reference (a line of its method, in the solved file),
# on which hidden case only (a condition no visible case meets), and a wrong value there.
HIDDEN_ONLY = {
    "bce_forward": (LOSS, "result = -np.log(np.maximum(p, EPS))", "y_out.ndim == 1",
                    "flat", "p = 1 - p"),
    "bce_backward": (LOSS, "gradient = (1 - 2 * y_truth) / np.maximum(p, EPS) / len(y_truth)",
                     "y_out.ndim == 1", "flat", "p = 1 - p"),
    "sigmoid": (CLASSIFIER, "e = np.exp(-np.abs(x))", "x.ndim == 0", "scalar",
                "return x + 0.25"),
    "classifier_forward": (CLASSIFIER, "s = X @ self.W[:-1] + self.W[-1]", "X.shape[1] == 3",
                           "three_features", "X = 2 * X"),
    "classifier_backward": (CLASSIFIER, "ds = dout * z * (1 - z)\n        dW = np.empty_like",
                            "len(dout) == 4", "three_features", "dout = 2 * dout"),
    "optimizer_step": (OPTIMIZER, "weight = weight - self.lr * dw", "len(dw) == 5",
                       "five_weights", "dw = 2 * dw"),
    "solver_step": (SOLVER, "model_forward = model.forward(X_train)", "len(X_train) == 7",
                    "other_sizes", "return 0.0"),
    # The notebook's split (seed 0) starts with this feature; the hidden one does not.
    "trained_accuracy": (SOLVER, "epoch_range = range(epochs)",
                         "abs(float(self.X_train[0, 0]) - 1.9379880298652057) > 1e-9",
                         "other_split", "return self"),
}  # fmt: skip
# Ways to fail that the student's code chooses after seeing the hidden inputs.
WAYS = {
    "raises_a_value_error": "raise ValueError('seen')",
    "raises_a_class_of_its_own_two_lines_lower": (
        "seen = 1\nseen += 1\nraise type('Seen' + str(seen), (LookupError,), {})('seen')"
    ),
    "exits": "raise SystemExit(3)",
    "ends_the_process": "import os\nos._exit(7)",
    "loops": "while True:\n    pass",
    "prints_and_sends_a_bad_reply": (
        "import os, sys\nprint('seen')\nprint('seen', file=sys.stderr)\n"
        'os.write(int(sys.argv[1]), b\'{"id": "seen", "outputs": {}}\\n\')'
    ),
    "sends_a_reply_too_large": "import os, sys\nos.write(int(sys.argv[1]), b'7' * (9 << 20))",
}


def failing_on_the_hidden_case(part, way):
    """The reference's files, with ``part`` failing in ``way`` on one hidden case only."""
    rel, line, condition, _, wrong = HIDDEN_ONLY[part]
    code = wrong if way == "returns_a_wrong_value" else WAYS[way]
    indented = "".join(f"            {row}\n" for row in code.splitlines())
    return {**everything(), rel: changed(rel, line, f"if {condition}:\n{indented}        {line}")}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("part", sorted(HIDDEN_ONLY))
def test_a_failed_hidden_case_says_which_and_nothing_the_code_chose(part, tmp_path, monkeypatch):
    """Whether the student's code raises (which class, at which line), returns a wrong value,
    exits, ends its process, loops, prints or sends a bad reply once it has seen a hidden
    input, the verdict is the same text: the part, and what that hidden test tests."""
    monkeypatch.setattr(trusted, "CASE_SECONDS", 1.5)
    monkeypatch.setattr(trusted, "TRAINING_SECONDS", 5.0)
    name = HIDDEN_ONLY[part][3]
    (case,) = [c for c in cases.hidden() if c.part == part and c.name == name]
    texts = {}
    for way in ["returns_a_wrong_value", *WAYS]:
        folder = make_submission(tmp_path / way, failing_on_the_hidden_case(part, way))
        verdict = trusted.grade(folder, parts=[part])[part]
        assert not verdict.passed and not verdict.visible_failed, (way, verdict.text)
        texts[way] = verdict.text
    assert set(texts.values()) == {hidden_failure_text(case, PARTS[part].what)}, texts
    text = texts["raises_a_value_error"]
    assert text.startswith(f"[{part}] {PARTS[part].what} failed the hidden test {case.about}.")
    for chosen in ("seen", "Seen", "Error", "line", ".py", "exit", "status"):
        assert chosen not in text


def test_a_hidden_case_out_of_the_submission_s_time_says_the_same(tmp_path, monkeypatch):
    """The time left for a hidden case is what the hidden cases before it left: it is told
    apart from a failure no more than anything else."""
    monkeypatch.setattr(trusted, "SUBMISSION_SECONDS", 0)
    folder = make_submission(tmp_path / "s", everything())
    monkeypatch.setattr(cases, "every_case", lambda parts=None: cases.hidden()[:1])
    (case,) = cases.hidden()[:1]
    verdict = trusted.grade(folder)[case.part]
    assert verdict.text == hidden_failure_text(case, PARTS[case.part].what)


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
    monkeypatch.setattr(probe_process, "STARTUP_SECONDS", 0)
    with pytest.raises(trusted.ProbeNotStarted, match="did not start"):
        trusted.grade(make_submission(tmp_path / "s", everything()), parts=["sigmoid"])


def test_a_location_shows_the_students_whole_statement(tmp_path):
    """A statement over several lines is shown whole, never cut after its first line; and a
    course check that raised (networks/validation.py) is located at the line of a student
    file that called it."""
    from tests.variants import written

    forward = 'raise ValueError(\n    "my forward is not finished"\n)'
    step = "loss, grad = loss_func(model.forward(X_train.T), y_train)"
    files = {
        **everything(),
        CLASSIFIER: written(CLASSIFIER, {"Classifier.forward": forward}),
    }
    folder = make_submission(tmp_path / "s", files)
    text = trusted.grade(folder, parts=["classifier_forward"])["classifier_forward"].text
    assert "line " in text and 'raise ValueError("my forward is not finished"))' in text, text
    files = {
        **everything(),
        SOLVER: changed(SOLVER, "model_forward = model.forward(X_train)", step),
    }
    folder = make_submission(tmp_path / "t", files)
    text = trusted.grade(folder, parts=["trained_accuracy"])["trained_accuracy"].text
    assert "(in networks/classifier.py, line " in text and "validation.py" not in text, text


def test_the_notebook_states_the_robustness_tests():
    """The sizes and values of the robustness tests, as the cases hold them."""
    notebook = json.loads((ROOT / "source" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text())
    text = {c.get("id"): " ".join("".join(c["source"]).split()) for c in notebook["cells"]}
    visible = {c.part: c for c in cases.visible()}
    hidden = {c.part: c for c in cases.hidden()}
    shown = visible["bce_forward_robust"].inputs["y_out"]["shape"][0]
    other = hidden["bce_forward_robust"].inputs["y_out"]["shape"][0]
    assert (
        f"exactly 0 and 1, on {shown} samples (below) and, hidden, on {other}"
        in (text["bce-forward-md"])
    )
    assert (
        f"on the {shown} samples of part 1's robustness test and, hidden, on {other}"
        in (text["bce-backward-md"])
    )
    for part in ("bce_backward_robust",):
        assert visible[part].inputs == visible["bce_forward_robust"].inputs
        assert hidden[part].inputs == hidden["bce_forward_robust"].inputs
    from exercise_code.grading.loss import MIN_CERTAIN_WRONG

    assert f"a certain and wrong one at least {MIN_CERTAIN_WRONG:g}" in text["bce-forward-md"]

    def magnitudes(case):
        values = {abs(v) for v in case.inputs["x"]["data"]} - {0.0}
        return ", ".join(f"\\pm {v:g}" for v in sorted(values, reverse=True))

    assert f"$x = {magnitudes(visible['sigmoid_robust'])}$ (below)" in text["sigmoid-md"]
    assert f"$x = {magnitudes(hidden['sigmoid_robust'])}$ and 0" in text["sigmoid-md"]

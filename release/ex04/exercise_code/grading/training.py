"""Part 8: training (every part together, through ``Solver.train``).

The probe trains a fresh ``Classifier(num_features=2)`` on the breast-cancer training split
(the notebook's, or the split of the seed ``inputs["seed"]``) with the student's ``Solver``,
``BCE`` and ``Optimizer`` at the course's ``LEARNING_RATE`` for ``NUM_EPOCHS``, and reports
the final weights and the training loss of the last epoch.
Expectation: ``final_loss`` of the reference, the test accuracy (``test_accuracy``) and the
training loss (``loss_of_W``) of the student's weights. When a submission is graded the
grader computes those two from the weights; in the notebook, which has no reference to
compute them with, they are the student's own (``own``): the accuracy of ``model.predict``
on the test split, and the loss of the last epoch.
"""

import numpy as np

from .engine import (
    Part,
    a,
    as_array,
    error_text,
    fail,
    is_error,
    run,
    value_of,
)
from .messages import MISTAKES

FILE = "exercise_code/solver.py"
TARGET_ACCURACY = 0.92
LOSS_RTOL = 0.01  # the final training loss within 1 % of the reference's


def probe_training(inputs):
    made = {}

    def train():
        from exercise_code.data import load_breast_cancer_splits
        from exercise_code.hyperparameters import LEARNING_RATE, NUM_EPOCHS
        from exercise_code.networks import BCE, Classifier
        from exercise_code.solver import Solver

        data = load_breast_cancer_splits(seed=int(inputs.get("seed", 0)))
        model = Classifier(num_features=2)
        solver = Solver(model, data, BCE(), LEARNING_RATE, verbose=False)
        solver.train(NUM_EPOCHS)
        made.update(model=model, solver=solver, data=data)

    status = run(train)
    if "solver" not in made:
        return {"trained": status}
    out = {"trained": None}
    out["W"] = run(lambda: made["model"].W)
    out["final_loss"] = run(lambda: made["solver"].train_loss_history[-1])
    y_test = made["data"].y_test
    out["test_accuracy_own"] = run(
        lambda: float(np.mean(made["model"].predict(made["data"].X_test) == y_test))
    )
    return out


def judge_training(case, outputs, expected):
    what = "training a new Classifier with your code"
    status = outputs.get("trained")
    if is_error(status) and "W contains NaN or inf" in str(status.get("message")):
        # The course's forward refuses non-finite weights: gradient descent diverged.
        fail(case, f"{MISTAKES['training_diverged']}: check the learning rate and the step.")
    if is_error(status) and status["error"] in ("exception", "fp_warning"):
        fail(
            case,
            f"{error_text(case, what, status)}. The tests of the parts above show which part to "
            f"fix first.",
        )
    value_of(case, what, outputs, "trained")
    W = as_array(case, "model.W", value_of(case, what, outputs, "W"))
    if W.shape != (3, 1):
        fail(case, f"model.W {MISTAKES['wrong_shape']} {W.shape}, expected (3, 1).")
    if not np.all(np.isfinite(W)):
        fail(case, f"{MISTAKES['training_diverged']}.")
    accuracy = expected.get("test_accuracy")
    if not isinstance(accuracy, float) or accuracy < TARGET_ACCURACY:
        got = f"{100 * accuracy:.2f}%" if isinstance(accuracy, float) else repr(accuracy)
        fail(
            case,
            f"{MISTAKES['accuracy_low']}: test accuracy {got} is below "
            f"{100 * TARGET_ACCURACY:.0f}%. Check the parts above, and train with "
            f"LEARNING_RATE and NUM_EPOCHS from exercise_code.hyperparameters.",
        )
    final = value_of(case, what, outputs, "final_loss")
    reference = expected["final_loss"]
    if (
        not (isinstance(final, (int, float)) or (isinstance(final, np.ndarray) and final.size == 1))
        or not abs(float(final) - reference) <= LOSS_RTOL * reference
    ):
        fail(
            case,
            f"{MISTAKES['training_loss']}: final training loss {_described(final)}, expected "
            f"{reference:.6f} (within {100 * LOSS_RTOL:g} %) after the course's number of "
            f"epochs.",
        )
    # The loss of the trained weights (when graded computed by the grader: the history is the
    # student's code's to write) must be at the minimum too.
    loss_of_W = expected.get("loss_of_W")
    if not isinstance(loss_of_W, float):
        fail(case, f"{MISTAKES['training_loss']}: the trained model.W has no training loss.")
    if not abs(loss_of_W - reference) <= LOSS_RTOL * reference:
        fail(
            case,
            f"{MISTAKES['training_loss']}: the training loss of the trained model.W is "
            f"{loss_of_W:.6f}, expected {reference:.6f} (within {100 * LOSS_RTOL:g} %).",
        )


def _described(value):
    """A reported value for a message: the number, or what it is instead."""
    if isinstance(value, dict) and "object" in value:
        return a(value["object"])
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return repr(value)


def own(outputs):
    """The expectations the notebook takes from the student's own outputs (see above)."""
    final = outputs.get("final_loss")
    number = isinstance(final, (int, float)) or (isinstance(final, np.ndarray) and final.size == 1)
    return {
        "test_accuracy": outputs.get("test_accuracy_own"),
        "loss_of_W": float(final) if number else None,
    }


TRAINED_ACCURACY = Part(
    "trained_accuracy", "training", FILE, probe_training, judge_training, own=own
)

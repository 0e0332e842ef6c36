"""Part 6: ``Optimizer.step`` (exercise_code/networks/optimizer.py).

Inputs of a case: ``W`` (D + 1, 1), ``dw`` of the same shape and the learning rate ``lr``.
The step must return the new weights and store them in ``model.W`` (in place or as a new
array, by the student's step itself or by the released line after it). Expectation:
``W_new`` and the values of known ``mistakes``.
"""

from .engine import Part, array_input, as_array, close, compare, fail, run, value_of
from .messages import MISTAKES

FILE = "exercise_code/networks/optimizer.py"


class _Model:
    """All the optimizer needs of a model: its weights ``W``."""


def probe_step(inputs):
    W, dw, lr = array_input(inputs["W"]), array_input(inputs["dw"]), float(inputs["lr"])
    model = _Model()
    model.W = W.copy()

    def step():
        # Imported here, inside run: an error in any student file is the student's to see.
        from exercise_code.networks.optimizer import Optimizer

        return Optimizer(model, lr).step(dw.copy())

    out = {"returned": run(step)}
    out["model_W"] = run(lambda: model.W)
    return out


def judge_step(case, outputs, expected):
    lr = case.inputs["lr"]
    what = f"Optimizer(model, learning_rate={lr}).step(dw)"
    returned = as_array(case, what, value_of(case, what, outputs, "returned"))
    stored = as_array(case, "model.W", value_of(case, what, outputs, "model_W"))
    if close(returned, expected["W"]) and close(stored, expected["W_new"]):
        fail(case, f"{what} {MISTAKES['optimizer_returned_old']}.")
    compare(case, what, returned, expected["W_new"], expected["mistakes"])
    if close(stored, expected["W"]):
        fail(case, f"{what} {MISTAKES['optimizer_not_stored']}.")
    compare(case, f"model.W after {what}", stored, expected["W_new"], expected["mistakes"])


OPTIMIZER_STEP = Part("optimizer_step", "Optimizer.step", FILE, probe_step, judge_step)

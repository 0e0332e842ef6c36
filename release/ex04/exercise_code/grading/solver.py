"""Part 7: ``Solver._step`` (exercise_code/solver.py).

``_step`` runs with a stand-in model, loss and optimizer that record their calls and return
fixed arrays, so only the order of the training step is tested, never parts 1 to 6. The probe
reports the calls as plain data: each call's name and which known array each argument is
(``"X_train"``, ``"y_train"``, ``"z"`` the forward output, ``"grad"`` the loss gradient,
``"dW"`` the backward output, or ``"other"``). Inputs: ``num_samples``, ``num_features``,
``loss_value``. Expectation: ``loss_value``.
"""

import numpy as np

from .engine import Part, fail, run, value_of
from .messages import MISTAKES

FILE = "exercise_code/solver.py"


class _Recorder:
    """The stand-ins' shared log, and the arrays they hand out (to name arguments by)."""

    def __init__(self, known):
        self.calls = []
        self.known = known

    def name(self, value):
        for name, array in self.known.items():
            if value is array or (
                isinstance(value, np.ndarray)
                and value.shape == array.shape
                and np.array_equal(value, array)
            ):
                return name
        return "other"

    def record(self, call, *args):
        self.calls.append([call, *[self.name(a) for a in args]])


class _StandInModel:
    def __init__(self, log, z, dW):
        self.log, self.z, self.dW = log, z, dW
        self.W = np.zeros_like(dW)
        self.cache = None

    def forward(self, X):
        self.log.record("forward", X)
        return self.z

    __call__ = forward

    def backward(self, dout):
        self.log.record("backward", dout)
        return self.dW


class _StandInLoss:
    def __init__(self, log, value, grad):
        self.log, self.value, self.grad = log, value, grad

    def __call__(self, y_out, y_truth, individual_losses=False):
        self.log.record("loss", y_out, y_truth)
        return self.value, self.grad

    def forward(self, y_out, y_truth, individual_losses=False):
        self.log.record("loss.forward", y_out, y_truth)
        return self.value

    def backward(self, y_out, y_truth):
        self.log.record("loss.backward", y_out, y_truth)
        return self.grad


def _stand_in_optimizer(log):
    class _StandInOptimizer:
        def __init__(self, model, learning_rate):
            self.model, self.lr = model, learning_rate

        def step(self, dw):
            log.record("step", dw)
            return self.model.W

    return _StandInOptimizer


def probe_step(inputs):
    from exercise_code.solver import Solver

    n, d = int(inputs["num_samples"]), int(inputs["num_features"])
    grid = np.arange(n * d, dtype=np.float64).reshape(n, d)
    known = {
        "X_train": grid / 10,
        "y_train": (np.arange(n) % 2).reshape(n, 1),
        "X_val": -grid / 10,
        "y_val": (np.arange(n) % 2 == 0).astype(np.int64).reshape(n, 1),
        "z": np.linspace(0.2, 0.8, n).reshape(n, 1),
        "grad": np.linspace(-0.3, 0.4, n).reshape(n, 1),
        "dW": np.linspace(0.5, -0.5, d + 1).reshape(d + 1, 1),
    }
    log = _Recorder(known)
    model = _StandInModel(log, known["z"], known["dW"])
    loss = _StandInLoss(log, float(inputs["loss_value"]), known["grad"])
    data = {k: known[k] for k in ("X_train", "y_train", "X_val", "y_val")}
    made = {}

    def build():
        made["solver"] = Solver(
            model, data, loss, 0.1, optimizer=_stand_in_optimizer(log), verbose=False
        )

    error = run(build)
    if "solver" not in made:
        return {"returned": error, "calls": []}
    returned = run(lambda: made["solver"]._step())
    return {"returned": returned, "calls": log.calls[:50]}


def judge_step(case, outputs, expected):
    what = "solver._step()"
    returned = value_of(case, what, outputs, "returned")
    calls = outputs["calls"]
    names = [c[0] for c in calls]
    for call, mistake in (
        ("forward", "solver_no_forward"),
        ("backward", "solver_no_backward"),
        ("step", "solver_no_step"),
    ):
        if call not in names:
            fail(case, f"_step {MISTAKES[mistake]} (calls: {names}).")
    for call in ("forward", "backward", "step"):
        if names.count(call) > 1:
            fail(
                case,
                f"_step {MISTAKES['solver_twice']}: {call} was called {names.count(call)} times.",
            )
    loss_calls = [c for c in calls if c[0].startswith("loss")]
    if not loss_calls:
        fail(case, f"_step never called the loss function loss_func (calls: {names}).")
    first_loss = names.index(loss_calls[0][0])
    grad_at = max(i for i, c in enumerate(names) if c in ("loss", "loss.backward"))
    if (
        not names.index("forward")
        < first_loss
        <= grad_at
        < names.index("backward")
        < names.index("step")
    ):
        fail(case, f"_step {MISTAKES['solver_order']} (calls: {names}).")
    if calls[names.index("forward")][1] != "X_train":
        fail(case, f"_step {MISTAKES['solver_wrong_data']}: forward got other data than X_train.")
    for call in loss_calls:
        if call[1:3] == ["y_train", "z"]:
            fail(case, f"_step {MISTAKES['solver_loss_args']}.")
        if call[1:3] != ["z", "y_train"]:
            fail(
                case,
                f"_step must call the loss on the forward output and y_train; "
                f"{MISTAKES['solver_wrong_data']}.",
            )
    if calls[names.index("backward")][1] != "grad":
        fail(case, f"_step {MISTAKES['solver_backward_arg']}.")
    if calls[names.index("step")][1] != "dW":
        fail(case, f"_step {MISTAKES['solver_step_arg']}.")
    # The loss is handed through unchanged from the stand-in: it must come back exactly.
    loss_value = expected["loss_value"]
    if returned is None:
        fail(case, f"_step {MISTAKES['returned_none']}")
    if (
        isinstance(returned, dict)
        and returned.get("object") == "tuple"
        and returned.get("len") == 2
    ):
        fail(case, f"_step {MISTAKES['solver_return_tuple']}.")
    if isinstance(returned, np.ndarray) and returned.ndim:
        got = f"an array of shape {returned.shape}"
    elif isinstance(returned, dict):
        got = f"a {returned['object']}"
    elif isinstance(returned, str):
        got = "a string"
    else:
        got = repr(float(returned))
    if got != repr(float(loss_value)):
        fail(case, f"_step {MISTAKES['solver_return']}: got {got}, expected {loss_value}.")


SOLVER_STEP = Part("solver_step", "Solver._step", FILE, probe_step, judge_step)

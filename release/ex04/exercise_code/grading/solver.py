"""Part 7: ``Solver._step`` (exercise_code/solver.py).

``_step`` runs with a stand-in model, loss and optimizer, so only the order of the training
step is tested, never parts 1 to 6. The stand-ins ask a ``Desk`` for what to return, and the
desk logs each call: its name and which known array each argument is (``"X_train"``,
``"y_train"``, ``"z"`` the forward output, ``"grad"`` the loss gradient, ``"dW"`` the backward
output, or ``"other"``). The judge reads the desk's log, never what the probe says: in the
notebook the desk is in the kernel, when a submission is graded it is the grader's, and the
probe's stand-ins reach it over a pipe. Inputs: ``num_samples``, ``num_features``,
``loss_value``. Expectation: ``loss_value``, with the desk's record (its ``calls`` and the
``loss_value`` it handed out).
"""

import numpy as np

from .engine import RTOL, Part, a, fail, run, value_of
from .engine import call as call_code
from .messages import MISTAKES

FILE = "exercise_code/solver.py"


# What the log may hold: the calls, and the names of the arrays passed to them.
CALLS = ("forward", "backward", "step", "loss", "loss.forward", "loss.backward")
MAX_CALLS = 50


class Desk:
    """The stand-ins' desk for one case: the arrays they hand out, and the log of the calls.

    Every call of a stand-in is recorded as ``[call, name of each argument]``, an argument
    named by the known array it equals (``"other"`` if none). In the notebook the desk hands
    out fixed arrays, in the student's process; when a submission is graded it lives in the
    grader and hands out arrays drawn from ``rng`` there, so that the log is made of calls
    that really happened, in the order they happened.

    :param inputs: the case's inputs (``num_samples``, ``num_features``, ``loss_value``).
    :param rng: a numpy Generator (grading), or None for the fixed arrays (the notebook).
    """

    def __init__(self, inputs, rng=None):
        self.data = training_data(inputs)
        n, d = int(inputs["num_samples"]), int(inputs["num_features"])
        if rng is None:
            z = np.linspace(0.2, 0.8, n).reshape(n, 1)
            grad = np.linspace(-0.3, 0.4, n).reshape(n, 1)
            dW = np.linspace(0.5, -0.5, d + 1).reshape(d + 1, 1)
            self.value = float(inputs["loss_value"])
        else:
            z = rng.uniform(0.05, 0.95, (n, 1))
            grad = rng.uniform(-0.5, 0.5, (n, 1))
            dW = rng.uniform(-1.0, 1.0, (d + 1, 1))
            self.value = float(rng.uniform(0.1, 3.0))
        self.handed = {"z": z, "grad": grad, "dW": dW}
        self.calls = []

    def name(self, value):
        """The known array ``value`` equals (by value, never by identity: across the pipe
        every argument is a copy), ``"<name> scaled"`` for a multiple of a handed-out array,
        or ``"other"``."""
        if not isinstance(value, np.ndarray):
            return "other"
        for name, array in {**self.data, **self.handed}.items():
            if value.shape == array.shape and np.array_equal(value, array):
                return name
        for name, array in self.handed.items():
            if value.shape == array.shape and _multiple(value, array):
                return f"{name} scaled"
        return "other"

    def call(self, call, args):
        """Record ``call(*args)``; return what that stand-in returns.

        :raises ValueError: an unknown call, or more than MAX_CALLS calls.
        """
        if call not in CALLS or len(self.calls) >= MAX_CALLS:
            raise ValueError(f"the stand-ins refuse the call {call!r}")
        self.calls.append([call, *[self.name(a) for a in args]])
        # Copies: what the student's code does to an array it was handed (divide it in
        # place, say) never changes the desk's own, here as across the pipe.
        z, grad, dW = (self.handed[k].copy() for k in ("z", "grad", "dW"))
        return {
            "forward": z,
            "backward": dW,
            "step": None,
            "loss": [self.value, grad],
            "loss.forward": self.value,
            "loss.backward": grad,
        }[call]

    def record(self):
        """What the judge needs of the desk: the log and the loss value it handed out."""
        return {"calls": [list(c) for c in self.calls], "loss_value": self.value}


def _multiple(value, array):
    """Whether ``value`` is c * ``array`` for one number c other than 1 (and not 0)."""
    if value.dtype.kind not in "biuf" or not np.any(array):
        return False
    value = value.astype(np.float64)
    scale = np.vdot(array, value) / np.vdot(array, array)
    return bool(
        np.isfinite(scale)
        and scale != 0
        and not np.isclose(scale, 1.0)
        and np.allclose(value, scale * array, rtol=1e-9, atol=0.0)
    )


def training_data(inputs):
    """The data the stand-in solver trains on (the same on both sides of the pipe)."""
    n, d = int(inputs["num_samples"]), int(inputs["num_features"])
    grid = np.arange(n * d, dtype=np.float64).reshape(n, d)
    return {
        "X_train": grid / 10,
        "y_train": (np.arange(n) % 2).reshape(n, 1),
        "X_val": -grid / 10,
        "y_val": (np.arange(n) % 2 == 0).astype(np.int64).reshape(n, 1),
    }


class _StandInModel:
    def __init__(self, desk, num_features):
        self.desk = desk
        self.W = np.zeros((num_features + 1, 1))
        self.cache = None

    def forward(self, X):
        return self.desk.call("forward", [X])

    __call__ = forward

    def backward(self, dout):
        return self.desk.call("backward", [dout])


class _StandInLoss:
    def __init__(self, desk):
        self.desk = desk

    def __call__(self, y_out, y_truth, individual_losses=False):
        value, grad = self.desk.call("loss", [y_out, y_truth])
        return value, grad

    def forward(self, y_out, y_truth, individual_losses=False):
        return self.desk.call("loss.forward", [y_out, y_truth])

    def backward(self, y_out, y_truth):
        return self.desk.call("loss.backward", [y_out, y_truth])


def _stand_in_optimizer(desk):
    class _StandInOptimizer:
        def __init__(self, model, learning_rate):
            self.model, self.lr = model, learning_rate

        def step(self, dw):
            desk.call("step", [dw])
            return self.model.W

    return _StandInOptimizer


def probe_step(inputs, desk):
    model = _StandInModel(desk, int(inputs["num_features"]))
    made = {}

    def build():
        # Imported here, inside run: an error in any student file is the student's to see.
        from exercise_code.solver import Solver

        made["solver"] = Solver(
            model, training_data(inputs), _StandInLoss(desk), 0.1,
            optimizer=_stand_in_optimizer(desk), verbose=False,
        )  # fmt: skip

    error = run(build)
    if "solver" not in made:
        return {"returned": error}
    status, value = call_code(lambda: made["solver"]._step())
    if status != "ok":
        return {"returned": value}
    out = {"returned": run(lambda: value)}
    if isinstance(value, (tuple, list)) and len(value) == 2:  # the pair loss_func gives
        out["returned_first"] = run(lambda: value[0])
    return out


def judge_step(case, outputs, expected):
    what = "solver._step()"
    returned = value_of(case, what, outputs, "returned")
    calls = expected["calls"]  # the desk's log (see the module docstring)
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
    if calls[names.index("backward")][1] == "grad scaled":
        fail(case, f"_step {MISTAKES['solver_backward_scaled']}.")
    if calls[names.index("backward")][1] != "grad":
        fail(case, f"_step {MISTAKES['solver_backward_arg']}.")
    if calls[names.index("step")][1] == "dW scaled":
        fail(case, f"_step {MISTAKES['solver_step_scaled']}.")
    if calls[names.index("step")][1] != "dW":
        fail(case, f"_step {MISTAKES['solver_step_arg']}.")
    # The loss is handed through from the stand-in: it must come back (within RTOL), as a
    # number or as the first item of the pair loss_func gave (the slides keep that pair).
    loss_value = expected["loss_value"]
    if returned is None:
        fail(case, f"_step {MISTAKES['returned_none']}")
    if (
        isinstance(returned, dict)
        and returned.get("object") in ("tuple", "list")
        and returned.get("len") == 2
    ):
        first = outputs.get("returned_first")
        if _is_loss(first, loss_value):
            return
        fail(case, f"_step {MISTAKES['solver_return_tuple']}.")
    if isinstance(returned, np.ndarray) and returned.ndim:
        got = f"an array of shape {returned.shape}"
    elif isinstance(returned, dict):
        got = a(returned["object"])
    elif isinstance(returned, str):
        got = "a string"
    else:
        got = repr(float(returned))
    if not _is_loss(returned, loss_value):
        fail(case, f"_step {MISTAKES['solver_return']}: got {got}, expected {loss_value}.")


def _is_loss(value, loss_value):
    """Whether ``value`` (plain data) is one number equal to ``loss_value`` (within RTOL)."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.ndim == 0:
        value = float(value)
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and bool(np.isclose(value, loss_value, rtol=RTOL, atol=0.0))
    )


SOLVER_STEP = Part("solver_step", "Solver._step", FILE, probe_step, judge_step, Desk)

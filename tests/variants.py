# ruff: noqa: E501  (tables of method bodies: one per line reads best)
"""Correct implementations in the styles students write, for the grader to give full marks.

``written(rel, {method: body})`` is a student file with those methods' solution regions
written as given (without indentation) and every other region solved as the reference does.
``STYLES`` are whole submissions, each in one consistent style (the course slides' among
them); ``METHODS`` single methods written another way, each with the part it is graded in.
tests/grader/test_correct_variants.py grades them with the trusted grader, and
tests/nbgrader/test_attacks.py a few of them end to end.
"""

from tests.attacks import body
from tests.submissions import CLASSIFIER, LOSS, OPTIMIZER, SOLVER, source_text
from tools.course import STUDENT_FILES
from tools.release.strip_solutions import region_names, strip_solutions


def written(rel, methods, skeleton=()):
    """The student file ``rel``: the regions of ``methods`` ({name: body}) written as given,
    the others solved; ``skeleton`` (old, new) pairs edit the released code around them."""
    text = source_text(rel)
    text = strip_solutions(text, keep=set(region_names(text)) - set(methods))
    for method, code in methods.items():
        text = body(text, method, code)
    for old, new in skeleton:
        assert text.count(old) == 1, f"{rel}: {old!r}"
        text = text.replace(old, new)
    return text


# --------------------------------------------------------------------------- BCE

BCE_FORWARD = {
    # The slides' literal code: the textbook formula, the probability not floored.
    "slides_literal": """
        result = -(y_truth * np.log(y_out) + (1 - y_truth) * np.log(1 - y_out))
        if individual_losses:
            return result
        result = np.mean(result)
    """,
    "slides_textbook_floored": """
        result = -(y_truth * np.log(np.maximum(y_out, 1e-15)) + (1 - y_truth) * np.log(np.maximum(1 - y_out, 1e-15)))
    """,
    "keras_clip": """
        y_hat = np.clip(y_out, 1e-7, 1 - 1e-7)
        result = -(y_truth * np.log(y_hat) + (1 - y_truth) * np.log(1 - y_hat))
    """,
    "plus_eps": """
        result = -(y_truth * np.log(y_out + 1e-9) + (1 - y_truth) * np.log(1 - y_out + 1e-9))
    """,
    "maximum_1e-12": """
        p = np.where(y_truth == 1, y_out, 1 - y_out)
        result = -np.log(np.maximum(p, 1e-12))
    """,
    "where_floor": """
        safe = np.where(y_out > 0, y_out, 1e-300)
        safe_1m = np.where(y_out < 1, 1 - y_out, 1e-300)
        result = np.where(y_truth == 1, -np.log(safe), -np.log(safe_1m))
    """,
    "float32_floor_1e-6": """
        y32, t32 = y_out.astype(np.float32), y_truth.astype(np.float32)
        p = t32 * y32 + (1 - t32) * (1 - y32)
        result = -np.log(np.maximum(p, np.float32(1e-6))).astype(np.float64)
    """,
}
BCE_BACKWARD = {
    "slides_literal": """
        gradient = (-(y_truth / y_out) + (1 - y_truth) / (1 - y_out)) / len(y_truth)
    """,
    "slides_textbook_floored": """
        gradient = (-(y_truth / np.maximum(y_out, 1e-15)) + (1 - y_truth) / np.maximum(1 - y_out, 1e-15)) / len(y_truth)
    """,
    "keras_clip": """
        y_hat = np.clip(y_out, 1e-7, 1 - 1e-7)
        gradient = (-(y_truth / y_hat) + (1 - y_truth) / (1 - y_hat)) / len(y_truth)
    """,
    "plus_eps": """
        gradient = (-y_truth / (y_out + 1e-9) + (1 - y_truth) / (1 - y_out + 1e-9)) / y_truth.shape[0]
    """,
    "where": """
        n = y_out.shape[0]
        gradient = np.where(y_truth == 1, -1.0 / np.maximum(y_out, 1e-12), 1.0 / np.maximum(1 - y_out, 1e-12)) / n
    """,
    "divide_where": """
        gradient = np.zeros_like(y_out, dtype=float)
        p = np.maximum(np.where(y_truth == 1, y_out, 1 - y_out), 1e-10)
        np.divide(np.where(y_truth == 1, -1.0, 1.0), p, out=gradient)
        gradient /= len(y_out)
    """,
}

# --------------------------------------------------------------------------- sigmoid

SIGMOID = {
    "textbook": """
        out = 1 / (1 + np.exp(-x))
    """,
    "errstate_textbook": """
        with np.errstate(over="ignore"):
            out = 1 / (1 + np.exp(-x))
    """,
    "tanh": """
        out = 0.5 * (1 + np.tanh(x / 2))
    """,
    "scipy_expit": """
        from scipy.special import expit

        out = expit(x)
    """,
    "two_branch_masks": """
        out = np.empty_like(x)
        positive = x >= 0
        out[positive] = 1 / (1 + np.exp(-x[positive]))
        e = np.exp(x[~positive])
        out[~positive] = e / (1 + e)
    """,
    "logaddexp": """
        out = np.exp(-np.logaddexp(0, -x))
    """,
    "where_in_errstate": """
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
    """,
    "float32_exp": """
        e = np.exp(-np.abs(x).astype(np.float32)).astype(np.float64)
        out = np.where(x >= 0, 1.0, e) / (1.0 + e)
    """,
}

# --------------------------------------------------------------------------- classifier

# (forward, backward, skeleton edits) with the same cache convention.
CLASSIFIER_PAIRS = {
    "slides_concatenate": (
        """
        batch_size, _ = X.shape
        X = np.concatenate((X, np.ones((batch_size, 1))), axis=1)
        y = X.dot(self.W)
        z = self.sigmoid(y)
        self.cache = (X, z)
        """,
        """
        X, z = self.cache
        dl_dy = dout * z * (1 - z)
        dW = X.T.dot(dl_dy)
        """,
        (),
    ),
    "hstack_cache_X1_z": (
        """
        X1 = np.hstack([X, np.ones((X.shape[0], 1))])
        z = self.sigmoid(X1 @ self.W)
        self.cache = (X1, z)
        """,
        """
        X, z = self.cache
        dW = X.T @ (dout * z * (1 - z))
        """,
        (),
    ),
    "c_cache_X_s_own_sigmoid": (
        """
        s = np.c_[X, np.ones(len(X))] @ self.W
        z = self.sigmoid(s)
        self.cache = (X, s)
        """,
        """
        X, z = self.cache
        s = z  # the cache holds the logits
        sig = 1 / (1 + np.exp(-s))
        ds = dout * sig * (1 - sig)
        dW = np.vstack([X.T @ ds, [[ds.sum()]]])
        """,
        (),
    ),
    "cache_X_s_self_sigmoid": (
        """
        s = np.dot(X, self.W[:-1]) + self.W[-1]
        z = self.sigmoid(s)
        self.cache = (X, s)
        """,
        """
        X, z = self.cache
        z = self.sigmoid(z)  # the cache holds the logits: the same sigmoid as forward
        ds = dout * z * (1 - z)
        dW = np.concatenate([X.T.dot(ds), np.sum(ds, axis=0, keepdims=True)], axis=0)
        """,
        (),
    ),
    "cache_X_s_z_triple": (
        """
        s = X @ self.W[:-1] + self.W[-1]
        z = self.sigmoid(s)
        self.cache = (X, s, z)
        """,
        """
        X, s, z = self.cache
        ds = dout * z * (1 - z)
        dW = np.r_[X.T @ ds, ds.sum(keepdims=True)]
        """,
        (),
    ),
    "cache_dict_einsum": (
        """
        s = np.einsum("nd,dk->nk", X, self.W[:-1]) + self.W[-1]
        z = self.sigmoid(s)
        self.cache = {"X": X, "z": z}
        """,
        """
        X, z = self.cache["X"], self.cache["z"]
        X1 = np.column_stack([X, np.ones(len(X))])
        dW = np.einsum("nd,nk->dk", X1, dout * z * (1 - z))
        """,
        (),
    ),
    "transposed_products": (
        """
        s = (self.W[:-1].T @ X.T).T + self.W[-1, 0]
        z = self.sigmoid(s)
        self.cache = (X, z)
        """,
        """
        X, z = self.cache
        ds = dout * z * (1 - z)
        dW = (ds.T @ np.hstack([X, np.ones_like(ds)])).T
        """,
        (),
    ),
    "float32_products": (
        """
        s = (X.astype(np.float32) @ self.W[:-1].astype(np.float32)).astype(np.float64) + self.W[-1]
        z = self.sigmoid(s)
        self.cache = (X, z)
        """,
        """
        X, z = self.cache
        ds = (dout * z * (1 - z)).astype(np.float32)
        dW = np.vstack([X.astype(np.float32).T @ ds, ds.sum(keepdims=True)]).astype(np.float64)
        """,
        (),
    ),
}

# Wrong forward passes (each fails part 4) and a correct backward for the cache each keeps.
_DW = "ds = dout * z * (1 - z)\ndW = np.vstack([X.T @ ds, ds.sum(keepdims=True)])"
WRONG_FORWARDS = {
    "returns_logits": (
        "z = X @ self.W[:-1] + self.W[-1]\nself.cache = (X, z)",
        "X, z = self.cache\n" + _DW,
    ),
    "returns_flat": (
        "z = self.sigmoid(X @ self.W[:-1] + self.W[-1]).ravel()\nself.cache = (X, z)",
        "X, z = self.cache\n" + _DW,
    ),
    "no_bias_dict_cache": (
        'z = self.sigmoid(X @ self.W[:-1])\nself.cache = {"X": X, "z": z}',
        'X, z = self.cache["X"], self.cache["z"]\n' + _DW,
    ),
    "logits_in_a_triple": (
        "s = X @ self.W[:-1] + self.W[-1]\nz = s\nself.cache = (X, s, z)",
        "X, s, z = self.cache\nz = self.sigmoid(s)\n" + _DW,
    ),
    "logits_slides_concatenate": (
        "X = np.concatenate((X, np.ones((len(X), 1))), axis=1)\nz = X.dot(self.W)\nself.cache = (X, z)",
        "X, z = self.cache\ndW = X.T.dot(dout * z * (1 - z))",
    ),
}

# --------------------------------------------------------------------------- optimizer, solver

OPTIMIZER_STEP = {
    "in_place": "self.model.W -= self.lr * dw",
    "in_place_weight": "weight -= self.lr * dw",
    "np_subtract_out": "np.subtract(weight, self.lr * dw, out=weight)",
    "dw_times_lr": "weight = weight - dw * self.lr",
    # model.W assigned in the step (the released file imports numpy, as the slides' step needs)
    "model_W_assigned": """
        self.model.W = np.subtract(self.model.W, self.lr * dw)
        weight = self.model.W
    """,
    "model_W_assigned_and_returned": """
        self.model.W = self.model.W - self.lr * dw
        return self.model.W
    """,
}
SOLVER_STEP = {
    # The slides' step: loss = loss_func(...) keeps the pair (loss, gradient), returned as is.
    "slides_tuple_kept": """
        model_forward = model.forward(X_train)
        loss = loss_func(model_forward, y_train)
        loss_grad = loss_func.backward(model_forward, y_train)
        grad = model.backward(loss_grad)
        opt.step(grad)
    """,
    "forward_and_backward_of_the_loss": """
        model_forward = model.forward(X_train)
        loss = loss_func.forward(model_forward, y_train)
        loss_grad = loss_func.backward(model_forward, y_train)
        dW = model.backward(loss_grad)
        opt.step(dW)
    """,
    "model_called": """
        z = model(X_train)
        loss, dz = loss_func(z, y_train)
        opt.step(model.backward(dz))
    """,
    "self_attributes_float": """
        z = self.model.forward(self.X_train)
        value, grad = self.loss_func(z, self.y_train)
        self.opt.step(self.model.backward(grad))
        loss = float(value)
    """,
}

# --------------------------------------------------------------------------- whole submissions


def _classifier(pair, sigmoid):
    forward, backward, skeleton = CLASSIFIER_PAIRS[pair]
    return written(
        CLASSIFIER,
        {
            "Classifier.sigmoid": SIGMOID[sigmoid],
            "Classifier.forward": forward,
            "Classifier.backward": backward,
        },
        skeleton,
    )


def _loss(style):
    return written(LOSS, {"BCE.forward": BCE_FORWARD[style], "BCE.backward": BCE_BACKWARD[style]})


def _optimizer(style):
    return written(OPTIMIZER, {"Optimizer.step": OPTIMIZER_STEP[style]})


def _solver(style):
    return written(SOLVER, {"Solver._step": SOLVER_STEP[style]})


STYLES = {
    # The course's solution slides, literally: the textbook BCE (no floor) and sigmoid (an
    # overflow warning below -709), and the step that returns the pair loss_func gives. Every
    # core part passes; the robustness parts (LOSES) do not.
    "slides_literal": {
        LOSS: _loss("slides_literal"),
        CLASSIFIER: _classifier("slides_concatenate", "textbook"),
        OPTIMIZER: _optimizer("dw_times_lr"),
        SOLVER: _solver("slides_tuple_kept"),
    },
    # The course's solution slides: the textbook BCE (floored, as the notebook requires), the
    # textbook sigmoid (without a warning), [X, 1] in the cache, dW = X.T.dot(dl_dy).
    "slides": {
        LOSS: _loss("slides_textbook_floored"),
        CLASSIFIER: _classifier("slides_concatenate", "errstate_textbook"),
        OPTIMIZER: _optimizer("dw_times_lr"),
        SOLVER: _solver("forward_and_backward_of_the_loss"),
    },
    "keras": {
        LOSS: _loss("keras_clip"),
        CLASSIFIER: _classifier("hstack_cache_X1_z", "tanh"),
        OPTIMIZER: _optimizer("in_place"),
        SOLVER: _solver("model_called"),
    },
    "plus_eps_scipy": {
        LOSS: _loss("plus_eps"),
        CLASSIFIER: _classifier("c_cache_X_s_own_sigmoid", "scipy_expit"),
        OPTIMIZER: _optimizer("np_subtract_out"),
        SOLVER: _solver("self_attributes_float"),
    },
    "masks_and_einsum": {
        LOSS: written(
            LOSS,
            {"BCE.forward": BCE_FORWARD["maximum_1e-12"], "BCE.backward": BCE_BACKWARD["where"]},
        ),
        CLASSIFIER: _classifier("cache_dict_einsum", "two_branch_masks"),
        OPTIMIZER: _optimizer("in_place_weight"),
        SOLVER: _solver("model_called"),
    },
    "float32": {
        LOSS: written(
            LOSS,
            {
                "BCE.forward": BCE_FORWARD["float32_floor_1e-6"],
                "BCE.backward": BCE_BACKWARD["divide_where"],
            },
        ),
        CLASSIFIER: _classifier("float32_products", "float32_exp"),
        OPTIMIZER: _optimizer("dw_times_lr"),
        SOLVER: _solver("forward_and_backward_of_the_loss"),
    },
    "triple_cache_logaddexp": {
        LOSS: written(
            LOSS,
            {"BCE.forward": BCE_FORWARD["where_floor"], "BCE.backward": BCE_BACKWARD["plus_eps"]},
        ),
        CLASSIFIER: _classifier("cache_X_s_z_triple", "logaddexp"),
        OPTIMIZER: _optimizer("in_place"),
        SOLVER: _solver("self_attributes_float"),
    },
}
assert all(set(files) == set(STUDENT_FILES) for files in STYLES.values())
# The parts a style loses (with the default points of tools/course.py: only robustness).
LOSES = {"slides_literal": {"bce_forward_robust", "bce_backward_robust", "sigmoid_robust"}}
# Single methods that pass their core part but not its robustness part (issue 16).
CORE_ONLY = {
    "bce_forward-slides_literal": "bce_forward_robust",
    "bce_backward-slides_literal": "bce_backward_robust",
    "sigmoid-textbook": "sigmoid_robust",
}


def methods():
    """(name, part, {rel: text}) for every single-method variant (the rest the reference's)."""
    out = []
    for name, code in BCE_FORWARD.items():
        files = {LOSS: written(LOSS, {"BCE.forward": code})}
        out.append((f"bce_forward-{name}", "bce_forward", files))
        out.append((f"bce_forward-{name}", "bce_forward_robust", files))
    for name, code in BCE_BACKWARD.items():
        files = {LOSS: written(LOSS, {"BCE.backward": code})}
        out.append((f"bce_backward-{name}", "bce_backward", files))
        out.append((f"bce_backward-{name}", "bce_backward_robust", files))
    for name, code in SIGMOID.items():
        files = {CLASSIFIER: written(CLASSIFIER, {"Classifier.sigmoid": code})}
        out.append((f"sigmoid-{name}", "sigmoid", files))
        out.append((f"sigmoid-{name}", "sigmoid_robust", files))
    for name, (forward, backward, skeleton) in CLASSIFIER_PAIRS.items():
        text = written(
            CLASSIFIER, {"Classifier.forward": forward, "Classifier.backward": backward}, skeleton
        )
        out.append((f"classifier-{name}", "classifier_forward", {CLASSIFIER: text}))
        out.append((f"classifier-{name}", "classifier_backward", {CLASSIFIER: text}))
    # A forward that raises: backward is tested on the cache each convention keeps.
    for name in ("slides_concatenate", "cache_X_s_self_sigmoid", "hstack_cache_X1_z"):
        _, backward, skeleton = CLASSIFIER_PAIRS[name]
        raising = "raise ValueError('my forward is not finished')"
        text = written(
            CLASSIFIER, {"Classifier.forward": raising, "Classifier.backward": backward}, skeleton
        )
        out.append((f"forward_raises-{name}", "classifier_backward", {CLASSIFIER: text}))
    # A wrong forward (the logits, a flat (N,) array, no bias) before a correct backward:
    # backward keeps its points (issue 16).
    for name, (forward, backward) in WRONG_FORWARDS.items():
        text = written(CLASSIFIER, {"Classifier.forward": forward, "Classifier.backward": backward})
        out.append((f"forward_wrong-{name}", "classifier_backward", {CLASSIFIER: text}))
    for name in OPTIMIZER_STEP:
        out.append((f"optimizer-{name}", "optimizer_step", {OPTIMIZER: _optimizer(name)}))
    for name, code in SOLVER_STEP.items():
        out.append(
            (f"solver-{name}", "solver_step", {SOLVER: written(SOLVER, {"Solver._step": code})})
        )
    return out

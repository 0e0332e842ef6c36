# ruff: noqa: E501  (a table of attacks: one method body per line reads best)
"""Submissions that attack the grading, as a motivated student would write them.

Each attack is an honest submission (``BASES``: the untouched release, one part solved, or the
reference) with attack code added to the student's four files, files added beside them, or
links placed in them. Graded, it must score no more than its base, and nothing a student gets
back may hold a solution line, a hidden input, an expected value or the grader's source
(``leaks``). tests/grader/test_attacks.py grades every attack with the trusted grader;
tests/nbgrader/test_attacks.py a representative subset through real nbgrader.

Placeholders in attack code, filled in by ``Attack.files_for``: ``{course}`` (the course's
root folder, which a student does not know but may guess), ``{submission}`` (the folder
handed in).
"""

import html
import re
import textwrap
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from tests.submissions import CLASSIFIER, LOSS, OPTIMIZER, RELEASE, ROOT, SOLVER, changed, solved
from tools.course import STUDENT_FILES
from tools.grader import cases, oracles
from tools.release.generate import forbidden_lines

BASES = {
    "stubs": {},  # the untouched release: every part fails
    "bce_forward": {LOSS: solved(LOSS, {"BCE.forward"})},  # one part solved
    "reference": {rel: solved(rel) for rel in STUDENT_FILES},  # every part passes
}


def stub(rel):
    """The released (stub) text of a student file."""
    return (RELEASE / rel).read_text(encoding="utf-8")


def _raise_line(method):
    return (
        f'        raise NotImplementedError("{method} is not implemented yet: write it here '
        f'(see the docstring above).")\n'
    )


def body(text, method, code):
    """``text`` (a stub file) with the stub of ``method`` replaced by ``code`` (a method body,
    written without indentation)."""
    line = _raise_line(method)
    assert line in text, f"no stub of {method}"
    return text.replace(line, textwrap.indent(textwrap.dedent(code).strip("\n"), " " * 8) + "\n")


def module(text, code):
    """``text`` with ``code`` run at import, after everything the file defines."""
    return text + "\n\n" + textwrap.dedent(code).strip("\n") + "\n"


@dataclass(frozen=True)
class Attack:
    """A hostile submission.

    :param family: the family of the issue it belongs to.
    :param what: one line: what it tries.
    :param base: the key of its honest submission in ``BASES``.
    :param files: student files written over the base ({rel: text}).
    :param extra: files the submission adds ({rel: text}).
    :param links: symbolic links placed in the submission ({rel: target}).
    :param timeouts: it makes cases run out of time (costly: graded with short limits).
    """

    family: str
    what: str
    base: str
    files: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    links: dict = field(default_factory=dict)
    timeouts: bool = False

    def files_for(self, course, submission):
        """{rel: text} of the submission: the base, with the attack's files over it."""
        out = {**BASES[self.base], **self.files}
        return {rel: _fill(text, course, submission) for rel, text in out.items()}

    def extra_for(self, course, submission):
        return {rel: _fill(text, course, submission) for rel, text in self.extra.items()}

    def links_for(self, course):
        return {rel: _fill(target, course, "") for rel, target in self.links.items()}


def _fill(text, course, submission):
    return text.replace("{course}", str(course)).replace("{submission}", str(submission))


# --------------------------------------------------------------------------- attack code

# Walks the stack, the traceback of an exception and every object of the garbage collector for
# anything that looks like an expected value, and returns what it finds.
SNOOP = """
import gc as _gc
import inspect as _inspect
import sys as _sys

_KEYS = ("expected", "expectation", "want", "reference", "mistakes", "W_new", "dW_options")


def _snoop(key):
    frames = []
    frame = _sys._getframe(1)
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    try:
        raise RuntimeError
    except RuntimeError as exc:
        tb = exc.__traceback__
        frames += [tb.tb_frame] + [info.frame for info in _inspect.stack()]
    for frame in frames:
        for name, value in list(frame.f_locals.items()) + list(frame.f_globals.items()):
            if name in _KEYS and isinstance(value, dict) and key in value:
                return value[key]
    for obj in _gc.get_objects():
        if isinstance(obj, dict) and key in obj and ("mistakes" in obj or "expected" in obj):
            return obj[key]
    return None
"""

# Replays the visible cases' stored expectations (expected.json ships with the notebook):
# right on the visible inputs, whatever the code.
REPLAY = """
import numpy as _np


def _replay(part, key, **inputs):
    from exercise_code.grading import visible_cases
    from exercise_code.grading.engine import array_input

    for case, expected in visible_cases().values():
        if case.part == part and all(
            _np.array_equal(array_input(case.inputs[k]), _np.asarray(v, dtype=float))
            for k, v in inputs.items()
        ):
            return expected[key]
    raise NotImplementedError
"""

# Replaces every judge, the engine's comparisons, numpy's and a builtin, through module
# globals, function closures and sys.modules: what made the notebook's own checks pass (and
# so print "passed" in the kernel).
PATCH_EVERYTHING = """
import builtins as _builtins
import sys as _sys

import numpy as _np


def _patch():
    grading = _sys.modules.get("exercise_code.grading")
    if grading is None:
        import exercise_code.grading as grading
    engine = _sys.modules["exercise_code.grading.engine"]
    for part in list(grading.PARTS.values()):
        object.__setattr__(part, "judge", lambda *args, **kwargs: None)
        for function in (part.probe, part.judge):
            for cell in getattr(function, "__closure__", None) or ():
                try:
                    cell.cell_contents = None
                except ValueError:
                    pass
            scope = getattr(function, "__globals__", {})
            scope["close"] = lambda *args, **kwargs: True
            scope["compare"] = scope["fail"] = scope["name_mistake"] = lambda *a, **k: None
    engine.close = lambda *args, **kwargs: True
    engine.compare = engine.fail = lambda *args, **kwargs: None
    _np.allclose = _np.array_equal = lambda *args, **kwargs: True
    _np.isclose = lambda a, b, *args, **kwargs: _np.ones(_np.shape(a), dtype=bool)
    _builtins.abs = lambda value: 0


_patch()
"""

# Reaches sys.modules and os through attributes of numpy, names built from strings, and
# replaces the engine's plain data and the probe's wire encoder; tries shell escapes too.
STRINGS = """
import numpy as _np

_os = getattr(getattr(getattr(_np, "li" + "b"), "_npyio" + "_impl"), "o" + "s")
_modules = getattr(getattr(_os, "sy" + "s"), "mod" + "ules")
_import = getattr(__builtins__, "__imp" + "ort__", None) or __builtins__["__imp" + "ort__"]
_engine = _modules["exercise_code.grading." + "eng" + "ine"]
_passed = {"array": "float64", "shape": [1], "data": [0.0]}
setattr(_engine, "pl" + "ain", lambda value, depth=0: _passed)
setattr(_engine, "r" + "un", lambda *args, **kwargs: _passed)
_wire = _modules.get("_grader." + "proto" + "col")
if _wire is not None:  # in the probe: its encoder of what it reports
    setattr(_wire, "to_" + "plain", lambda value: {"returned": _passed, "z": _passed})
for _name in list(_modules):
    if _name.startswith("tools") or "oracle" in _name:
        _modules[_name].expect = lambda *args, **kwargs: {}
_shell = _import("o" + "s")
_shell.system("cp {course}/exercise_code/networks/*.py exercise_code/networks/ 2>/dev/null")
_shell.system("cat {course}/exercise_code/networks/loss.py > /tmp/solution.py 2>/dev/null")
_import("subpro" + "cess").run(["sh", "-c", "ls {course} > /tmp/listing"], check=False)
"""

# Rewrites files on disk, with numpy's own file I/O and with open(): the grading package,
# expected.json, another student file, the notebook, the course's files. Reports what it
# managed to write in the message of the visible BCE test.
REWRITE = """
import os as _os
import shutil as _shutil
import sys as _sys

import numpy as _np

_HERE = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))  # exercise_code/
_TARGETS = [
    _os.path.join(_HERE, "grading", "engine.py"),
    _os.path.join(_HERE, "grading", "__init__.py"),
    _os.path.join(_HERE, "grading", "probe.py"),
    _os.path.join(_os.path.dirname(_HERE), "_grader", "probe.py"),
    _os.path.join(_os.path.dirname(_HERE), "_grader", "protocol.py"),
    _os.path.join(_HERE, "grading", "expected.json"),
    _os.path.join(_HERE, "networks", "classifier.py"),
    _os.path.join(_os.path.dirname(_HERE), "logistic_regression.ipynb"),
    "{course}/exercise_code/grading/engine.py",
    "{course}/exercise_code/networks/loss.py",
    "{course}/source/ex04/logistic_regression.ipynb",
    "{course}/release/ex04/exercise_code/grading/expected.json",
    "{course}/gradebook.db",
    "{course}/nbgrader_config.py",
    "{course}/tools/grader/trusted.py",
    "{submission}/exercise_code/networks/loss.py",
]
_WRITERS = (
    lambda p: _np.savetxt(p, [0.0]),
    lambda p: _np.save(p, _np.zeros(1)),
    lambda p: _np.zeros(1).tofile(p),
    lambda p: open(p, "w").write("passed = True\\n"),
    lambda p: open(p, "a").write("\\npassed = True\\n"),
    lambda p: _os.chmod(p, 0o777),
    lambda p: _os.utime(p, (0, 0)),
    lambda p: _os.replace(p, p + ".bak"),
    lambda p: _os.unlink(p),
    lambda p: _shutil.rmtree(_os.path.dirname(p)),
    lambda p: _os.symlink("/dev/null", p + ".link"),
)
WROTE = []
for _path in _TARGETS:
    for _writer in _WRITERS:
        try:
            _writer(_path)
            WROTE.append(_path)
        except Exception:
            pass
# A grading package edited in /tmp and imported in place of the course's.
try:
    _shutil.copytree(_os.path.join(_HERE, "grading"), "/tmp/evil/exercise_code/grading")
    with open("/tmp/evil/exercise_code/grading/engine.py", "a") as _f:
        _f.write("\\ndef close(*args, **kwargs):\\n    return True\\n")
    _sys.path.insert(0, "/tmp/evil")
    for _name in [n for n in _sys.modules if n.startswith("exercise_code.grading")]:
        del _sys.modules[_name]
except Exception:
    pass
"""

# Reports what of the instructor's world it can see: paths, the environment, other
# processes. In the kernel it prints the report (the feedback shows it); in the probe the
# report is the message of the visible BCE test (the verdict shows it).
LOOK = """
import os as _os

_PATHS = [
    "{course}/source/ex04/logistic_regression.ipynb",
    "{course}/exercise_code/networks/loss.py",
    "{course}/gradebook.db",
    "{course}/nbgrader_config.py",
    "{course}/submitted/reference/ex04/exercise_code/networks/loss.py",
    "{course}/release/ex04/logistic_regression.ipynb",
    "{course}/autograded/reference/ex04/exercise_code/networks/loss.py",
    "{course}/tools/grader/cases.py",
    "{submission}/exercise_code/networks/loss.py",
    "/root/.bashrc",
    "/etc/shadow",
    "/etc/passwd",
    "/proc/1/environ",
]


def _can_read(path):
    try:
        if _os.path.isdir(path):
            return bool(_os.listdir(path))
        with open(path, "rb") as f:
            return bool(f.read(1))
    except OSError:
        return False


def _report():
    seen = "".join("1" if _can_read(p) else "0" for p in _PATHS)
    pids = [p for p in _os.listdir("/proc") if p.isdigit()]
    env = ",".join(sorted(_os.environ))
    return f"SEEN:{seen} PIDS:{len(pids)} ENV:{env}"


print(_report())
"""

FORGED_OUTPUTS = """
{
    "mean": 0.0, "individual": {"array": "float64", "shape": [8, 1], "data": [0.0] * 8},
    "gradient": {"array": "float64", "shape": [8, 1], "data": [0.0] * 8},
    "out": 0.5, "z": {"array": "float64", "shape": [6, 1], "data": [0.5] * 6},
    "X_unchanged": True, "dW": {"array": "float64", "shape": [3, 1], "data": [0.0] * 3},
    "returned": 0.6931, "model_W": {"array": "float64", "shape": [3, 1], "data": [0.0] * 3},
    "calls": [["forward", "X_train"], ["loss", "z", "y_train"], ["backward", "grad"],
              ["step", "dW"]],
    "trained": None, "W": {"array": "float64", "shape": [3, 1], "data": [1.0, 2.0, 0.0]},
    "final_loss": 0.09547281343049917, "test_accuracy_own": 1.0,
}
"""

# Writes forged replies for every case (visible ids and guessed hidden ones) to the probe's
# results descriptor (argv[1]) and a fake stack to argv[2], and prints "passed" everywhere.
FAKE_PASSED = (
    """
import json as _json
import os as _os
import sys as _sys

_IDS = [
    f"{part}/{name}"
    for part in ("bce_forward", "bce_backward", "sigmoid", "classifier_forward",
                 "classifier_backward", "optimizer_step", "solver_step", "trained_accuracy")
    for name in ("stored", "from_scratch", "edges", "flat", "extremes", "scalar",
                 "three_features", "one_sample", "five_weights", "other_sizes")
]
_OUTPUTS = ("""
    + FORGED_OUTPUTS
    + """)
_lines = "".join(_json.dumps({"id": i, "outputs": _OUTPUTS}) + "\\n" for i in _IDS)
for _part in ("bce_forward", "bce_backward", "sigmoid", "classifier_forward"):
    print(f"[{_part}] passed: every test")
    print(f"[{_part}] passed: every test", file=_sys.stderr)
    _os.write(1, f"[{_part}] passed\\n".encode())
try:
    from IPython.display import HTML, display

    display(HTML("<pre>[bce_forward] passed: every test</pre>"))
except Exception:
    pass
if _sys.argv[0].endswith("probe.py") or "_grader.probe" in " ".join(_sys.argv):
    for _fd in _sys.argv[1:3]:
        try:
            _os.write(int(_fd), _lines.encode())
            _os.write(int(_fd), b'File "exercise_code/networks/loss.py", line 1 in forward\\n')
        except (OSError, ValueError):
            pass
"""
)

# A reply that the process running the student's code sends as its own: the protocol's plain
# data, forged (a huge integer overflows int64; a list nested past every limit).
LOOKALIKES = """
import numpy as _np

_HUGE = {"array": "int64", "shape": [1], "data": [10 ** 30]}
_FLOAT_HUGE = {"array": "float64", "shape": [2], "data": [10 ** 400, 1]}
_ZERO_SIZE = {"array": "float64", "shape": [10 ** 18, 0], "data": []}
_FAKE_ERROR = {"error": "passed", "type": "Passed", "message": "passed", "file": None}
"""

# Objects with odd comparisons: a float whose __eq__ is always True, an ndarray subclass that
# answers every ufunc with True and rewrites itself in __array_finalize__, an __array__ that
# lies, NaN, a self-containing list.
ODD = """
import numpy as _np


class _Equal(float):
    def __eq__(self, other):
        return True

    __ne__ = __lt__ = __gt__ = lambda self, other: False
    __le__ = __ge__ = __eq__

    def __float__(self):
        return 0.6931

    def __hash__(self):
        return 0


class _Liar(_np.ndarray):
    def __array_finalize__(self, obj):
        self.fill(0.5) if self.size else None

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _np.True_

    def __eq__(self, other):
        return True

    def __array__(self, dtype=None, copy=None):
        return _np.zeros(self.shape)


class _Lying:
    calls = 0

    def __array__(self, dtype=None, copy=None):
        _Lying.calls += 1
        return _np.full((8, 1), float(_Lying.calls))

    def __len__(self):
        return 8

    def __float__(self):
        return 0.0


def _liar(shape):
    return _np.zeros(shape).view(_Liar)


_SELF = []
_SELF.append(_SELF)
"""

# Forks until the process limit refuses (the children sleep); then a daemon, detached by
# setsid and a second fork, writes forged replies and files later, after its parent moved on.
FORKS = (
    """
import json as _json
import os as _os
import sys as _sys
import time as _time

_OUTPUTS = ("""
    + FORGED_OUTPUTS
    + """)


def _fork_bomb(limit=200):
    children = []
    try:
        for _ in range(limit):
            pid = _os.fork()
            if pid == 0:
                _time.sleep(60)
                _os._exit(0)
            children.append(pid)
    except OSError:
        pass
    return children


def _daemon():
    if _os.fork() != 0:
        return
    _os.setsid()
    if _os.fork() != 0:
        _os._exit(0)
    _time.sleep(0.3)
    for _ in range(40):
        for fd in _sys.argv[1:2]:
            try:
                line = _json.dumps({"id": "bce_forward/edges", "outputs": _OUTPUTS}) + "\\n"
                _os.write(int(fd), line.encode())
            except (OSError, ValueError):
                pass
        for path in ("{course}/exercise_code/grading/engine.py", "/tmp/daemon-was-here"):
            try:
                open(path, "a").write("# daemon\\n")
            except OSError:
                pass
        _time.sleep(0.25)
    _os._exit(0)


if "_grader.probe" in " ".join(_sys.argv) or "ipykernel" in " ".join(_sys.argv):
    _fork_bomb()
    _daemon()
"""
)

# In the training step: find whatever records the calls (the stand-ins' log) and fill it
# with the right calls, and return the stand-in loss's value, without calling anything.
SOLVER_FORGERY = """
import gc
import sys

right = [["forward", "X_train"], ["loss", "z", "y_train"], ["backward", "grad"], ["step", "dW"]]
for holder in [self.model, self.loss_func, self.opt, *gc.get_objects()]:
    try:  # some objects raise on any attribute (a ctypes loader loads a library by its name)
        calls = getattr(getattr(holder, "log", holder), "calls", None)
    except Exception:
        continue
    if isinstance(calls, list):
        calls[:] = [list(c) for c in right]
        break
frame = sys._getframe(1)
while frame is not None:
    for value in frame.f_locals.values():
        if isinstance(getattr(value, "calls", None), list):
            value.calls[:] = [list(c) for c in right]
    frame = frame.f_back
value = getattr(self.loss_func, "value", None)
for holder in gc.get_objects() if value is None else ():
    try:
        if isinstance(holder.value, float):
            value = holder.value
    except Exception:
        pass
return value
"""

# Training without training: least-squares weights, and the final loss that expected.json
# holds, reported as the loss history.
TRAIN_HARDCODED = """
import json
import os

import numpy as np

from exercise_code.grading import EXPECTED_FILE

with open(EXPECTED_FILE) as f:
    final = json.load(f)["trained_accuracy/from_scratch"]["expected"]["final_loss"]
X = np.hstack([self.X_train, np.ones((len(self.X_train), 1))])
W, *_ = np.linalg.lstsq(X, 2.0 * self.y_train - 1.0, rcond=None)
self.model.W = 4.0 * W
self.train_loss_history = [final] * epochs
self.val_loss_history = [final] * epochs
self.train_acc_history = self.val_acc_history = [1.0] * epochs
return self
"""

# In the kernel only (the notebook's outputs become the feedback and the formgrader's page):
# active content (HTML, JavaScript, Markdown, SVG, a forged image, widget views and state)
# that would run in the instructor's browser, and 30 MB of output in one line.
ACTIVE_OUTPUTS = """
import sys as _sys

if "ipykernel" in _sys.modules:
    from IPython.display import HTML, Javascript, Markdown, display

    display(HTML('<script>document.title = "XSS-HTML"</script><b>[bce_forward] passed</b>'))
    display(Javascript('document.title = "XSS-JS"'))
    display(Markdown('<img src=x onerror="document.title = 1">XSS-MD'))
    display({"text/html": "<i>XSS-RAW</i>", "image/png": '"><script>XSS-PNG</script>',
             "text/plain": "ok", "image/svg+xml": "<svg onload='XSS-SVG'/>"}, raw=True)
    display({"application/vnd.jupyter.widget-view+json": {
        "model_id": "</script><script>XSS-VIEW</script>", "version_major": 2,
        "version_minor": 0}, "text/plain": "a widget"}, raw=True)
    try:
        import ipywidgets

        display(ipywidgets.HTML(value="<script>XSS-WIDGET</script>"))
    except Exception:
        pass
    print("x" * (30 << 20))
"""

# In the kernel only: every folder outside the sandbox's own /tmp that it can write to.
WRITABLE = """
import os as _os
import sys as _sys


def _writable():
    found = []
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    for point in points:
        if point.startswith(("/tmp/home", "/proc", "/dev")) or point in ("/tmp", "/"):
            continue
        try:
            with open(_os.path.join(point, "written-by-student"), "w") as f:
                f.write("x")
            found.append(point)
        except OSError:
            pass
    return found


if "ipykernel" in _sys.modules:
    print(f"WRITABLE:{_writable()}")
"""


def edited_notebook(notebook):
    """The release notebook (JSON text) as a student might edit it before submitting: graded
    cells' sources replaced and their outputs made to say "passed", points raised, a cell of
    their own added, another kernel asked for, widget state with a script in the metadata."""
    import json

    nb = json.loads(notebook)
    for cell in nb["cells"]:
        info = cell["metadata"].get("nbgrader", {})
        if info.get("grade"):
            part = info["grade_id"]
            cell["source"] = f"print('[{part}] passed')\n"
            cell["outputs"] = [
                {
                    "output_type": "stream",
                    "name": "stdout",
                    "text": f"[{part}] passed: everything\n",
                }
            ]
            cell["execution_count"] = 1
            info["points"] = 100
    nb["cells"].insert(
        1,
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "mine",
            "metadata": {},
            "outputs": [],
            "source": "open('../../../gradebook.db', 'w').write('')\n",
        },
    )
    nb["metadata"]["kernelspec"] = {"name": "evil", "display_name": "evil", "language": "python"}
    nb["metadata"]["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {
            "state": {
                "x": {
                    "model_name": "HTMLModel",
                    "model_module": "@jupyter-widgets/controls",
                    "model_module_version": "2.0.0",
                    "state": {"value": "<script>XSS-STATE</script>"},
                }
            },
            "version_major": 2,
            "version_minor": 0,
        }
    }
    return json.dumps(nb)


# Tables instead of code: the sigmoid's values on the notebook's array and on every input the
# notebook states for its hidden test (computed elsewhere, pasted in), and the weights the
# reference reaches on the notebook's split, with the loss they give reported as history.
def _tables():
    from exercise_code.data import load_breast_cancer_splits
    from exercise_code.grading import visible_cases
    from exercise_code.hyperparameters import LEARNING_RATE, NUM_EPOCHS
    from exercise_code.networks import BCE, Classifier
    from exercise_code.solver import Solver

    sigmoid = Classifier().sigmoid
    (shown,) = [c.inputs["x"] for c, _ in visible_cases().values() if c.part == "sigmoid"]
    xs = [np.array(shown["data"]).reshape(shown["shape"])]
    xs += [np.array([-1000.0, -745.0, -40.0, 0.0, 40.0, 745.0, 1000.0]), np.array(0.0)]
    table = {repr(x.ravel().tolist()): sigmoid(x).tolist() for x in xs}
    model = Classifier(num_features=2)
    Solver(model, load_breast_cancer_splits(), BCE(), LEARNING_RATE, verbose=False).train(
        NUM_EPOCHS
    )
    return table, model.W.tolist()


_TABLE, _W0 = _tables()
SIGMOID_TABLE = f"""
table = {_TABLE!r}
key = repr(np.asarray(x, dtype=float).ravel().tolist())
if key not in table:
    raise NotImplementedError
return np.array(table[key])
"""
TRAIN_TABLE = f"""
import numpy as np

self.model.W = np.array({_W0!r})
s = self.X_train @ self.model.W[:-1] + self.model.W[-1]
p = np.where(self.y_train == 1, 1 / (1 + np.exp(-s)), 1 / (1 + np.exp(s)))
loss = float(np.mean(-np.log(p)))
self.train_loss_history = [loss] * epochs
self.val_loss_history = [loss] * epochs
self.train_acc_history = self.val_acc_history = [1.0] * epochs
return self
"""


# --------------------------------------------------------------------------- leaks into feedback

FORWARD_LOGITS = "s = X @ self.W[:-1] + self.W[-1]"
LOSS_P = "p = y_truth * y_out + (1 - y_truth) * (1 - y_out)\n        result"
SOLVER_FORWARD = "model_forward = model.forward(X_train)  # z: (N, 1)"


def _on_hidden_forward(code):
    """The reference classifier, running ``code`` first in forward on the hidden 3-feature case."""
    return changed(
        CLASSIFIER,
        FORWARD_LOGITS,
        "if X.shape[1] == 3:\n"
        + textwrap.indent(textwrap.dedent(code).strip("\n"), " " * 12)
        + "\n        "
        + FORWARD_LOGITS,
    )


LEAK_TYPE_NAME = _on_hidden_forward("raise type(str(X.tolist()), (Exception,), {})()")
LEAK_FILE_NAME = _on_hidden_forward(
    """
    import linecache
    name = "exercise_code/networks/" + str(X.tolist()) + ".py"
    linecache.cache[name] = (1, None, [str(self.W.tolist()) + "\\n"], name)
    exec(compile("raise ValueError(1)", name, "exec"))
    """
)
LEAK_SHAPE = _on_hidden_forward(
    "return np.zeros((0, int(1000 * X[0, 0]) + 5000, int(1000 * X[1, 0]) + 5000, "
    "int(1000 * self.W[0, 0]) + 5000))"
)
LEAK_OBJECT_NAME = _on_hidden_forward("return type(str(X.ravel().tolist()), (), {})()")
LEAK_EXIT_STATUS = _on_hidden_forward("import os\nos._exit(int(10 * X[0, 0]) % 256)")
# A forged faulthandler stack naming a line far past the end of the file (the line number
# holds the values), then an endless loop.
LEAK_LINE_NUMBER = _on_hidden_forward(
    """
    import os, sys
    frame, callers = sys._getframe(), set()
    while frame is not None:
        callers.add(frame.f_code.co_name)
        frame = frame.f_back
    if "probe_forward" in callers:  # the forward test only (backward calls forward too)
        line = int(1e6 * (X[0, 0] + 10)) * 1000 + int(1e3 * (X[1, 0] + 10))
        os.write(int(sys.argv[2]), f'File "{__file__}", line {line} in forward\\n'.encode())
        while True:
            pass
    """
)
# The bits of a hidden input choose the exception's class (one of Python's own), the line it
# is raised at (a real line of the student's own file) and its message (the inputs).
LEAK_CLASS_AND_LINE = _on_hidden_forward(
    """
    import builtins
    bits = int(1000 * abs(X[0, 0])) + 1000 * int(1000 * abs(X[1, 0]))
    names = ["ValueError", "TypeError", "KeyError", "IndexError", "ZeroDivisionError",
             "OSError", "LookupError", "ArithmeticError"]
    lines = open(__file__).read().count("\\n")
    code = "\\n" * ((bits // 8) % lines) + "raise cls(str(X.tolist()))"
    exec(compile(code, __file__, "exec"), {"cls": getattr(builtins, names[bits % 8]), "X": X})
    """
)
# Every hidden input the student's code sees is kept (in builtins, which every module
# shares), and shown in the message of a visible test that runs later.
LEAK_STASH = (
    changed(
        LOSS,
        LOSS_P,
        "import builtins\n"
        "        builtins.SEEN = getattr(builtins, 'SEEN', []) + [y_out.ravel().tolist()]\n"
        "        " + LOSS_P,
    ),
    changed(
        CLASSIFIER,
        FORWARD_LOGITS,
        "import builtins\n"
        "        builtins.SEEN = getattr(builtins, 'SEEN', []) + [X.ravel().tolist()]\n"
        "        " + FORWARD_LOGITS,
    ),
    changed(
        SOLVER,
        SOLVER_FORWARD,
        "import builtins, sys\n"
        "        seen = str(getattr(builtins, 'SEEN', [])[-4:])\n"
        "        print(seen); print(seen, file=sys.stderr)\n"
        "        raise ValueError(seen[-280:])\n"
        "        " + SOLVER_FORWARD,
    ),
)
LEAK_SOLVER_HIDDEN_ONLY = changed(
    SOLVER,
    "        return loss\n",
    "        return [loss] if len(X_train) != 5 else loss\n",
)

# --------------------------------------------------------------------------- the attacks

_STUB = {rel: stub(rel) for rel in STUDENT_FILES}

ATTACKS = {
    # ---- frame and traceback inspection
    "frames_for_expected_values": Attack(
        "frame and traceback inspection",
        "stubs walk sys._getframe(), a traceback, inspect.stack() and gc.get_objects() for "
        "expected values and return them",
        "stubs",
        {
            LOSS: module(
                body(
                    body(_STUB[LOSS], "BCE.forward", 'return _snoop("individual" if individual_losses else "mean")'),
                    "BCE.backward",
                    'return _snoop("gradient")',
                ),
                SNOOP,
            ),
            CLASSIFIER: module(
                body(
                    body(
                        body(_STUB[CLASSIFIER], "Classifier.sigmoid", 'return _snoop("out")'),
                        "Classifier.forward",
                        'z = _snoop("z")\nself.cache = (X, z)\nreturn z',
                    ),
                    "Classifier.backward",
                    'options = _snoop("dW_options")\nreturn options[0] if options else None',
                ),
                SNOOP,
            ),
            OPTIMIZER: module(
                body(_STUB[OPTIMIZER], "Optimizer.step", 'self.model.W = _snoop("W_new")\nreturn self.model.W'),
                SNOOP,
            ),
        },
    ),
    "replayed_stored_expectations": Attack(
        "frame and traceback inspection",
        "stubs return the visible cases' stored expected values (expected.json): right on the "
        "notebook's inputs, whatever the hidden ones are",
        "stubs",
        {
            LOSS: module(
                body(
                    body(
                        _STUB[LOSS],
                        "BCE.forward",
                        'return _replay("bce_forward", "individual" if individual_losses else "mean", y_out=y_out)',
                    ),
                    "BCE.backward",
                    'return _replay("bce_backward", "gradient", y_out=y_out)',
                ),
                REPLAY,
            ),
            CLASSIFIER: module(
                body(
                    body(_STUB[CLASSIFIER], "Classifier.sigmoid", 'return _replay("sigmoid", "out", x=x)'),
                    "Classifier.forward",
                    'z = _replay("classifier_forward", "z", X=X)\nself.cache = (X, z)\nreturn z',
                ),
                REPLAY,
            ),
        },
    ),
    "solver_fills_the_call_log": Attack(
        "frame and traceback inspection",
        "_step finds what records the calls (frames, gc) and fills in the right calls and the "
        "stand-in loss's value without calling anything",
        "stubs",
        {SOLVER: body(_STUB[SOLVER], "Solver._step", SOLVER_FORGERY)},
    ),
    # ---- patching through globals, closures, sys.modules
    "patched_judges_engine_numpy_builtins": Attack(
        "patching through globals/closures/sys.modules",
        "at import: every judge a no-op, the engine's comparisons always true (module globals "
        "and closures), np.allclose/array_equal/isclose always true, builtins.abs zero",
        "bce_forward",
        {LOSS: module(BASES["bce_forward"][LOSS], PATCH_EVERYTHING)},
    ),
    "sys_modules_through_numpy_and_strings": Attack(
        "modules through attributes of other modules",
        "os and sys.modules reached as np.lib._npyio_impl.os with names built from strings; "
        "the engine's encoder replaced; shell escapes copying the instructor's solution",
        "stubs",
        {CLASSIFIER: module(_STUB[CLASSIFIER], STRINGS)},
    ),
    # ---- rewriting files on disk
    "rewrites_files_on_disk": Attack(
        "rewriting files on disk",
        "numpy's savetxt/save/tofile, open(), chmod, replace, unlink, rmtree on the grading "
        "package, expected.json, another student file, the notebook, the course; then an "
        "edited grading package imported from /tmp",
        "bce_forward",
        {
            CLASSIFIER: module(
                body(_STUB[CLASSIFIER], "Classifier.sigmoid", 'raise ValueError(f"WROTE:{len(WROTE)} {WROTE[:3]}")'),
                REWRITE,
            )
        },
    ),
    # ---- extra files in the submission
    "extra_files_and_shadows": Attack(
        "extra files in the submission",
        "a module of its own imported from loss.py; numpy.py and matplotlib.py shadows at "
        "three levels; sitecustomize.py, usercustomize.py, a .pth file; edited course files "
        "(grading/probe.py, networks/base.py, __init__.py, hyperparameters.py), and the "
        "probe's own package (_grader/probe.py, _grader/protocol.py)",
        "bce_forward",
        {
            LOSS: body(
                BASES["bce_forward"][LOSS],
                "BCE.backward",
                "from .helpers import gradient\nreturn gradient(y_out, y_truth)",
            )
        },
        extra={
            "exercise_code/networks/helpers.py": (
                "def gradient(y_out, y_truth):\n"
                "    return ((1 - y_truth) / (1 - y_out) - y_truth / y_out) / len(y_truth)\n"
            ),
            "numpy.py": "raise SystemExit('a numpy of my own')\n",
            "exercise_code/numpy.py": "import sys\nsys.exit(0)\n",
            "exercise_code/networks/numpy.py": "raise SystemExit(0)\n",
            "matplotlib.py": "raise SystemExit(0)\n",
            "exercise_code/networks/matplotlib.py": "raise SystemExit(0)\n",
            "sitecustomize.py": "import builtins\nbuiltins.NotImplementedError = ValueError\n",
            "usercustomize.py": "import os\nos._exit(0)\n",
            "exercise_code/sitecustomize.py": "import os\nos._exit(0)\n",
            "zz-evil.pth": "import os; os._exit(0)\n",
            "exercise_code/grading/probe.py": (
                "import os, sys\n"
                "os.write(int(sys.argv[1]), b'{\"id\": \"bce_forward/stored\", \"outputs\": {}}\\n')\n"
            ),
            "_grader/__init__.py": "",
            "_grader/probe.py": (
                "import os, sys\n"
                "os.write(int(sys.argv[1]), b'{\"id\": \"bce_forward/stored\", \"outputs\": {}}\\n')\n"
            ),
            "_grader/protocol.py": "def from_plain(data, depth=0):\n    return data\n",
            "exercise_code/networks/base.py": stub("exercise_code/networks/base.py").replace(
                "        loss = self.forward(y_out, y_truth, individual_losses)",
                "        return 0.6931, y_out\n        loss = self.forward(y_out, y_truth, individual_losses)",
            ),
            "exercise_code/__init__.py": "import numpy\nnumpy.allclose = lambda *a, **k: True\n",
            "exercise_code/hyperparameters.py": "LEARNING_RATE = 1e9\nNUM_EPOCHS = 1\n",
        },
    ),
    "links_to_the_instructors_solution": Attack(
        "extra files in the submission",
        "the four student files are symbolic links to the instructor's solution (absolute "
        "and relative), a link to a folder of it, and to the source notebook",
        "stubs",
        links={
            LOSS: "{course}/exercise_code/networks/loss.py",
            CLASSIFIER: "{course}/source/ex04/exercise_code/networks/classifier.py",
            OPTIMIZER: "{course}/exercise_code/networks/optimizer.py",
            SOLVER: "{course}/exercise_code/solver.py",
            "exercise_code/data2": "{course}/exercise_code",
            "solution.ipynb": "{course}/source/ex04/logistic_regression.ipynb",
        },
    ),
    # ---- reading the instructor's folders
    "reads_the_instructors_folders": Attack(
        "reading the instructor's folders",
        "the course root, source/, the solution, gradebook.db, submitted/, release/, "
        "autograded/, the submission, other submissions, home folders, /etc/shadow, "
        "/proc/1/environ, the environment, other processes; reported in a visible message",
        "stubs",
        {LOSS: module(body(_STUB[LOSS], "BCE.forward", "raise ValueError(_report())"), LOOK)},
    ),
    # ---- array subclasses and objects with odd comparisons
    "odd_objects": Attack(
        "array subclasses and odd comparisons",
        "a float whose == is always True, an ndarray subclass overriding __array_finalize__, "
        "__array_ufunc__ and __eq__, a lying __array__, NaN, inf, a self-containing list",
        "stubs",
        {
            LOSS: module(
                body(
                    body(
                        _STUB[LOSS],
                        "BCE.forward",
                        "return _liar(y_out.shape) if individual_losses else _Equal(0.0)",
                    ),
                    "BCE.backward",
                    "return _Lying()",
                ),
                ODD,
            ),
            CLASSIFIER: module(
                body(
                    body(
                        body(_STUB[CLASSIFIER], "Classifier.sigmoid", "return np.full(np.shape(x), np.nan)"),
                        "Classifier.forward",
                        "z = _liar((len(X), 1))\nself.cache = (X, z)\nreturn z",
                    ),
                    "Classifier.backward",
                    "return _SELF",
                ),
                ODD,
            ),
            OPTIMIZER: module(
                body(_STUB[OPTIMIZER], "Optimizer.step", "self.model.W = _liar(dw.shape)\nreturn _Equal(0)"),
                ODD,
            ),
            SOLVER: module(body(_STUB[SOLVER], "Solver._step", "return _Equal(0.6931)"), ODD),
        },
    ),
    "huge_nested_and_lookalike_outputs": Attack(
        "array subclasses and odd comparisons",
        "outputs that are the protocol's own plain data, forged: an int64 of 10**30, a "
        "float of 10**400, a 10**18 x 0 array, a fake error record; 10**7 numbers; a list "
        "nested 10**4 deep",
        "stubs",
        {
            LOSS: module(
                body(
                    body(
                        _STUB[LOSS],
                        "BCE.forward",
                        "return _HUGE if individual_losses else _FLOAT_HUGE",
                    ),
                    "BCE.backward",
                    "return _ZERO_SIZE",
                ),
                LOOKALIKES,
            ),
            CLASSIFIER: module(
                body(
                    body(_STUB[CLASSIFIER], "Classifier.sigmoid", "return _FAKE_ERROR"),
                    "Classifier.forward",
                    "return np.zeros((10 ** 7, 1))",
                ),
                LOOKALIKES,
            ),
            OPTIMIZER: body(
                _STUB[OPTIMIZER],
                "Optimizer.step",
                "nested = []\nfor _ in range(10 ** 4):\n    nested = [nested]\nreturn nested",
            ),
        },
    ),
    "degenerate_probabilities": Attack(
        "array subclasses and odd comparisons",
        "forward returns probabilities of exactly 0 (sigma' = 0) and backward zeros: a "
        "backward judged against that forward would pass whatever it computes",
        "stubs",
        {
            CLASSIFIER: body(
                body(
                    _STUB[CLASSIFIER],
                    "Classifier.forward",
                    "z = np.zeros((len(X), 1))\nself.cache = (X, z)\nreturn z",
                ),
                "Classifier.backward",
                "return np.zeros_like(self.W)",
            )
        },
    ),
    # ---- printing fake "passed" output
    "prints_passed_and_forges_replies": Attack(
        "printing fake passed output",
        "prints '[part] passed' on stdout, stderr and as HTML; writes forged replies for "
        "every case id to the probe's results descriptor (argv[1]) and a fake stack (argv[2])",
        "stubs",
        {LOSS: module(_STUB[LOSS], FAKE_PASSED)},
    ),
    # ---- exiting early
    "exits_every_way": Attack(
        "exiting the process early",
        "sys.exit, os._exit, SIGKILL to itself, to its parent and to pid 1, "
        "KeyboardInterrupt, a BaseException of its own, GeneratorExit, an atexit handler "
        "forging replies",
        "stubs",
        {
            LOSS: module(
                body(
                    body(_STUB[LOSS], "BCE.forward", "import sys\nsys.exit(0)"),
                    "BCE.backward",
                    "import os\nos._exit(0)",
                ),
                "import atexit, os, sys\n"
                "atexit.register(lambda: [os.write(int(fd), b'{\"id\": \"x\", \"outputs\": {}}\\n')"
                " for fd in sys.argv[1:2] if fd.isdigit()])\n",
            ),
            CLASSIFIER: body(
                body(
                    body(
                        _STUB[CLASSIFIER],
                        "Classifier.sigmoid",
                        "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
                    ),
                    "Classifier.forward",
                    "import os, signal\nfor pid in (os.getppid(), 1):\n"
                    "    try:\n        os.kill(pid, signal.SIGKILL)\n"
                    "    except OSError:\n        pass\nraise KeyboardInterrupt",
                ),
                "Classifier.backward",
                "class Out(BaseException):\n    pass\nraise Out()",
            ),
            OPTIMIZER: body(_STUB[OPTIMIZER], "Optimizer.step", "raise GeneratorExit"),
            SOLVER: body(_STUB[SOLVER], "Solver._step", "raise SystemExit('passed')"),
        },
    ),
    "stops_itself": Attack(
        "exiting the process early",
        "SIGSTOP to itself, and ignoring SIGTERM and SIGINT first: the case runs out of time",
        "bce_forward",
        {
            CLASSIFIER: body(
                _STUB[CLASSIFIER],
                "Classifier.sigmoid",
                "import os, signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                "signal.signal(signal.SIGINT, signal.SIG_IGN)\nos.kill(os.getpid(), signal.SIGSTOP)",
            )
        },
        timeouts=True,
    ),
    # ---- exhausting memory
    "exhausts_memory": Attack(
        "exhausting memory",
        "allocates 80 GB at once, then 800 MB blocks until refused, then fills /tmp",
        "bce_forward",
        {
            CLASSIFIER: body(
                _STUB[CLASSIFIER],
                "Classifier.sigmoid",
                """
                blocks = []
                try:
                    np.ones(10 ** 10)
                except MemoryError:
                    pass
                try:
                    while True:
                        blocks.append(np.empty(10 ** 8))
                except MemoryError:
                    pass
                blocks.clear()
                try:
                    for i in range(10):
                        with open(f"/tmp/fill{i}", "wb") as f:
                            f.write(b"x" * (60 << 20))
                except OSError:
                    pass
                return np.full(np.shape(x), 0.5)
                """,
            )
        },
    ),
    # ---- forking
    "forks_and_daemons": Attack(
        "forking",
        "a fork bomb up to the process limit (children sleep), and a double-forked setsid "
        "daemon that outlives its parent and writes forged replies and files later",
        "bce_forward",
        {CLASSIFIER: module(_STUB[CLASSIFIER], FORKS)},
    ),
    # ---- hard-coded training
    "training_without_training": Attack(
        "hard-coded results",
        "Solver.train sets least-squares weights and reports the final loss stored in "
        "expected.json as its history, with every other part a stub",
        "stubs",
        {
            SOLVER: _STUB[SOLVER].replace(
                "        epoch_range = range(epochs)\n",
                textwrap.indent(TRAIN_HARDCODED.strip("\n"), " " * 8) + "\n        epoch_range = range(epochs)\n",
            )
        },
    ),
    "tables_instead_of_code": Attack(
        "hard-coded results",
        "sigmoid: a table of its values on the notebook's array and on every input the "
        "notebook states for the hidden test; training: the weights the reference reaches, "
        "pasted in, with the loss they give reported as the history",
        "stubs",
        {
            CLASSIFIER: body(_STUB[CLASSIFIER], "Classifier.sigmoid", SIGMOID_TABLE),
            SOLVER: _STUB[SOLVER].replace(
                "        epoch_range = range(epochs)\n",
                textwrap.indent(TRAIN_TABLE.strip("\n"), " " * 8) + "\n        epoch_range = range(epochs)\n",
            ),
        },
    ),
    # ---- leaking hidden inputs and expected values into what the student gets back
    "leak_through_exception_class_name": Attack(
        "leaking hidden values into feedback",
        "on the hidden forward test, raise an exception whose class is named after the inputs",
        "reference",
        {CLASSIFIER: LEAK_TYPE_NAME},
    ),
    "leak_through_file_name_and_linecache": Attack(
        "leaking hidden values into feedback",
        "on the hidden forward test, raise from code compiled under a file name that holds "
        "the inputs, with linecache showing the weights as its source line",
        "reference",
        {CLASSIFIER: LEAK_FILE_NAME},
    ),
    "leak_through_exception_class_and_line": Attack(
        "leaking hidden values into feedback",
        "on the hidden forward test, raise one of Python's exception classes at a real line of "
        "the student's own file, both chosen by the inputs, with the inputs as its message",
        "reference",
        {CLASSIFIER: LEAK_CLASS_AND_LINE},
    ),
    "leak_through_array_shape": Attack(
        "leaking hidden values into feedback",
        "on the hidden forward test, return an empty array whose shape encodes the inputs",
        "reference",
        {CLASSIFIER: LEAK_SHAPE},
    ),
    "leak_through_object_type_name": Attack(
        "leaking hidden values into feedback",
        "on the hidden forward test, return an object whose type is named after the inputs",
        "reference",
        {CLASSIFIER: LEAK_OBJECT_NAME},
    ),
    "leak_through_exit_status": Attack(
        "leaking hidden values into feedback",
        "on the hidden forward test, end the process with an exit status made of an input",
        "reference",
        {CLASSIFIER: LEAK_EXIT_STATUS},
    ),
    "leak_through_stack_line_number": Attack(
        "leaking hidden values into feedback",
        "on the hidden forward test, forge a faulthandler stack whose line number encodes "
        "the inputs, then loop until stopped",
        "reference",
        {CLASSIFIER: LEAK_LINE_NUMBER},
        timeouts=True,
    ),
    "leak_stashed_hidden_inputs_later": Attack(
        "leaking hidden values into feedback",
        "keep every input seen (hidden ones too) and print it and raise it in the visible "
        "training-step test that runs afterwards",
        "reference",
        dict(zip((LOSS, CLASSIFIER, SOLVER), LEAK_STASH, strict=True)),
    ),
    "leak_the_hidden_expected_loss": Attack(
        "leaking hidden values into feedback",
        "_step returns the loss in a list on the hidden test only, so that the message says "
        "which loss it expected",
        "reference",
        {SOLVER: LEAK_SOLVER_HIDDEN_ONLY},
    ),
    # ---- what the notebook's outputs show (through nbgrader only: the kernel makes them)
    "active_outputs_and_flood": Attack(
        "printing fake passed output",
        "in the kernel: HTML, JavaScript, Markdown, SVG, a forged image, widget views and "
        "widget state that would run in the instructor's browser; 30 MB of output; a script "
        "in the message of a visible test",
        "bce_forward",
        {
            OPTIMIZER: module(
                body(_STUB[OPTIMIZER], "Optimizer.step", "raise ValueError('<script>XSS-VERDICT</script>')"),
                ACTIVE_OUTPUTS,
            )
        },
    ),
    "writes_outside_its_scratch": Attack(
        "rewriting files on disk",
        "in the kernel: a file written in every folder mounted in the sandbox but /tmp",
        "stubs",
        {OPTIMIZER: module(_STUB[OPTIMIZER], WRITABLE)},
    ),
    "leak_through_timing": Attack(
        "timing and side channels",
        "on the hidden forward test, take a time that encodes an input (0.1 s per unit), "
        "hoping the verdict or the order of events shows it",
        "reference",
        {CLASSIFIER: _on_hidden_forward("import time\ntime.sleep(0.1 * (2 + X[0, 0]))")},
    ),
    "floods_the_desk": Attack(
        "making the grader slow or stuck",
        "_step writes ten thousand stand-in calls straight to the results descriptor, never "
        "reading the answers (which would fill its stdin and block a naive grader)",
        "stubs",
        {
            SOLVER: body(
                _STUB[SOLVER],
                "Solver._step",
                """
                import json, os, sys
                line = (json.dumps({"call": "forward", "args": []}) + "\\n").encode()
                for _ in range(10_000):
                    os.write(int(sys.argv[1]), line)
                return 0.0
                """,
            )
        },
    ),
    # ---- the grader's own process
    "stack_dribble": Attack(
        "making the grader slow or stuck",
        "loops forever while a thread writes one byte every 0.2 s to the stack descriptor "
        "(argv[2]), which the grader reads after a timeout",
        "bce_forward",
        {
            CLASSIFIER: body(
                _STUB[CLASSIFIER],
                "Classifier.sigmoid",
                """
                import os, sys, threading, time

                def dribble():
                    while True:
                        os.write(int(sys.argv[2]), b"x")
                        time.sleep(0.2)

                threading.Thread(target=dribble, daemon=True).start()
                while True:
                    pass
                """,
            )
        },
        timeouts=True,
    ),
    "largest_replies": Attack(
        "making the grader slow or stuck",
        "BCE.forward returns arrays of 300 000 numbers (a reply of 6 MB), BCE.backward of a "
        "million (too large a reply)",
        "stubs",
        {
            LOSS: body(
                body(
                    _STUB[LOSS],
                    "BCE.forward",
                    "return np.linspace(0, 1, 300_000) if individual_losses else 0.5",
                ),
                "BCE.backward",
                "return np.linspace(0, 1, 999_999)",
            )
        },
    ),
}  # fmt: skip


# --------------------------------------------------------------------------- what must not leak


@cache
def _hidden_runs():
    """The hidden cases' input arrays (flattened), and their scalar inputs no text states."""
    arrays, scalars = [], set()
    for case in cases.hidden():
        for value in case.inputs.values():
            if isinstance(value, dict) and "array" in value and len(value["data"]) >= 3:
                arrays.append([float(v) for v in value["data"]])
        if case.part == "solver_step":
            scalars.add(float(case.inputs["loss_value"]))
    return arrays, scalars


@cache
def _hidden_expected():
    """Every expected value of a hidden case with 4 or more significant digits."""
    values = []

    def collect(node):
        if isinstance(node, dict):
            for v in node.values():
                collect(v)
        elif isinstance(node, list | tuple):
            for v in node:
                collect(v)
        elif isinstance(node, np.ndarray) and node.dtype.kind == "f":
            values.extend(float(v) for v in node.ravel())
        elif isinstance(node, float):
            values.append(node)

    for case in cases.hidden():
        collect(oracles.expect(case, None))
    return [v for v in values if np.isfinite(v) and len(f"{abs(v):.10g}".strip("0.")) >= 4]


@cache
def _secret_lines():
    """Solution lines, and the lines of the instructor-only grader modules."""
    lines = set(forbidden_lines(str(ROOT)))
    for name in ("cases.py", "oracles.py"):
        text = (ROOT / "tools" / "grader" / name).read_text(encoding="utf-8")
        lines.update(line.strip() for line in text.splitlines() if len(line.strip()) >= 30)
    return lines


NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _triples():
    """Runs of three consecutive hidden inputs (two of them not whole numbers: labels and
    predictions of 0 and 1 are digits any text has), rounded to 9 decimals."""
    out = {}
    for values in _hidden_runs()[0]:
        for i in range(len(values) - 2):
            run = values[i : i + 3]
            if sum(v != int(v) for v in run) >= 2:
                out[tuple(round(v, 9) for v in run)] = run
    return out


def leaks(text):
    """What of the hidden tests or the solution ``text`` shows (empty: nothing)."""
    text = html.unescape(text)
    found = [f"line: {line}" for line in _secret_lines() if line in text]
    shown = NUMBER.findall(text)
    numbers = [round(float(n), 9) for n in shown]
    triples = _triples()
    for j in range(len(numbers) - 2):
        run = tuple(numbers[j : j + 3])
        if run in triples:
            found.append(f"hidden inputs {triples[run]}")
    found += [f"hidden input {s}" for s in _hidden_runs()[1] if round(s, 9) in numbers]
    expected = np.array(_hidden_expected())
    # Numbers of at least 4 significant digits, by value ("1.000000e+000" is 1, no leak).
    for number in {n for n in shown if len(f"{abs(float(n)):.10g}".strip("0.")) >= 4}:
        if np.any(np.isclose(float(number), expected, rtol=5e-5, atol=0)):
            found.append(f"expected value {number}")
    return sorted(set(found))

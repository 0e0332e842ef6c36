"""The notebook run at grading (``c.NotebookRun.execute = True``): its time and its outputs
are bounded, and the grade is the trusted verdict whatever the run did.

One course, one `nbgrader autograde` with the notebook run and a time for the whole notebook
of a few seconds, and one `generate_feedback`. A slow student's files each take 0.9 s to
import (3.6 s in all, in the notebook's first cell): the cell stays far under
``Execute.timeout``, the notebook not under its time.
"""

import json

import pytest

from tests.nbgrader.test_autograde import (
    NOTEBOOK,
    POINTS,
    kernels_running_in,
    new_course,
    scores,
    submit,
)
from tests.submissions import CLASSIFIER, OPTIMIZER, everything
from tools.course import ASSIGNMENT
from tools.grader import preprocessors

pytestmark = pytest.mark.slow
BUDGET = 3  # seconds for the whole notebook; each cell stays far under Execute.timeout
SLOW = "import time\n\ntime.sleep(0.9)\n"
# Printed when the module is imported by the notebook's kernel (and by the probe, where it
# changes nothing): an error far over the cap, and a display updated in place over and over
# (outside IPython, where the probe imports it, `display` returns None: an honest student's
# module guards for that, and so keeps its points).
HUGE_ERROR = 'raise ValueError("E" * (5 << 20))\n'
UPDATES = (
    "from IPython.display import display as _display\n"
    "_handle = _display('start', display_id=True)\n"
    "for _i in range(40 if _handle is not None else 0):\n"
    "    _handle.update('U' * (1 << 20))\n"
)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("run"))
    solved = everything()
    submit(course, "reference", solved)
    submit(course, "slow", {rel: SLOW + text for rel, text in solved.items()})
    submit(course, "huge_error", {**solved, OPTIMIZER: HUGE_ERROR + solved[OPTIMIZER]})
    submit(course, "updates", {**solved, CLASSIFIER: UPDATES + solved[CLASSIFIER]})
    proc = run(course, "autograde", "--NotebookRun.execute=True")
    run(course, "generate_feedback")
    return course, proc.stdout + proc.stderr


def run(course, command, *args):
    from tools.nbgrader_env import run_nbgrader

    proc = run_nbgrader(
        str(course),
        command,
        ASSIGNMENT,
        "--force",
        f"--NotebookRun.notebook_seconds={BUDGET}",
        *args,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def autograded(course, student):
    path = course / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    return json.loads(path.read_text(encoding="utf-8"))


def feedback(course, student):
    path = course / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html"
    return path.read_text(encoding="utf-8")


def test_the_notebook_stops_at_its_time_and_the_grade_is_whole(course):
    course, log = course
    text = json.dumps(autograded(course, "slow"))
    assert f"the notebook ran longer than {BUDGET} s in all" in text, log[-3000:]
    assert scores(course, "slow") == POINTS
    assert "ran longer" not in json.dumps(autograded(course, "reference"))
    assert scores(course, "reference") == POINTS
    assert not kernels_running_in(course)


def test_the_feedback_says_the_notebook_was_run_again(course):
    course, _ = course
    assert "This notebook was run again when graded" in feedback(course, "reference")


@pytest.mark.parametrize("student", ["huge_error", "updates"])
def test_every_output_is_capped_errors_and_updated_displays_included(course, student):
    course, _ = course
    nb = autograded(course, student)
    sizes = [len(json.dumps(o)) for c in nb["cells"] for o in c.get("outputs", [])]
    assert max(sizes) <= preprocessors.MAX_CELL_OUTPUT
    assert sum(sizes) <= preprocessors.MAX_OUTPUT + 100 * len(nb["cells"])
    assert len(feedback(course, student)) < 3_000_000


def test_a_broken_import_costs_only_the_parts_that_import_it(course):
    course, _ = course
    assert scores(course, "huge_error") == {
        **POINTS,
        "optimizer_step": 0,
        "solver_step": 0,
        "trained_accuracy": 0,
    }
    assert scores(course, "updates") == POINTS

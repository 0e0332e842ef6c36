"""Two submissions graded side by side by tools.grader.grade_parallel: whatever one does to the CPU,
the memory or the disk, the other keeps its grade, and the machine is unharmed.

The hostile one, on import of its classifier.py (in the trusted grader's sandbox: the
notebook is not run), spins the CPU, holds shared memory (memfd, which no per-process limit
counts) past its sandbox's memory, fills its /tmp, and forks as many processes as it can.
"""

import os
import shutil

import pytest

from exercise_code.grading import PARTS
from tests import processes
from tests.nbgrader.test_autograde import POINTS, new_course, scores, submit
from tests.submissions import CLASSIFIER, everything
from tools.course import ASSIGNMENT
from tools.grader.grade_parallel import grade_parallel, shard

pytestmark = pytest.mark.slow

HOG = """
import os as _os
import time as _time

_end = _time.monotonic() + 0.5
while _time.monotonic() < _end:  # the CPU
    pass
for _i in range(64):  # processes, until the sandbox's limit
    try:
        if _os.fork() == 0:
            _time.sleep(30)
            _os._exit(0)
    except OSError:
        break
try:  # the disk: /tmp until it is full
    with open("/tmp/fill", "wb") as _f:
        while True:
            _f.write(b"x" * (1 << 20))
except OSError:
    pass
_held = []
for _i in range(80):  # memory no rlimit counts: 4 GB of memfd, written
    _fd = _os.memfd_create(f"hog{_i}")
    _os.ftruncate(_fd, 50 << 20)  # under the file-size rlimit
    _os.write(_fd, b"y" * (50 << 20))
    _held.append(_fd)
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("neighbours"))
    solved = everything()
    submit(course, "a_hog", {**solved, CLASSIFIER: HOG + solved[CLASSIFIER]})
    submit(course, "b_honest", solved)
    assert shard(["a_hog", "b_honest"], 2) == [["a_hog"], ["b_honest"]]  # side by side
    free = shutil.disk_usage(course).free
    before = {p.pid for p in processes.every()}  # the suite's own servers stay
    lines = []
    result = grade_parallel(course, ASSIGNMENT, workers=2, log=lines.append)
    return course, result, (free, before), "\n".join(lines)


def test_the_honest_neighbour_keeps_its_grade(graded):
    course, result, _, log = graded
    assert scores(course, "b_honest") == POINTS, log
    assert result.ungraded == {}, log


def test_the_hog_is_stopped_by_its_sandbox_and_gains_nothing(graded):
    course, _, _, log = graded
    # The hog is classifier.py's: the parts that import it (and training, which needs every
    # part) get 0; the others are graded on the student's other, correct, files.
    hog_free = {part: points for part, points in POINTS.items() if PARTS[part].file != CLASSIFIER}
    hog_free.pop("trained_accuracy")
    got = scores(course, "a_hog")
    assert got == {**dict.fromkeys(POINTS, 0), **hog_free}, (got, log)
    notebook = course / "autograded" / "a_hog" / ASSIGNMENT / "logistic_regression.ipynb"
    assert "killed (memory or process limit)" in notebook.read_text(encoding="utf-8")


def test_the_machine_is_unharmed(graded):
    course, _, (free, before), _ = graded
    assert shutil.disk_usage(course).free > free - (200 << 20)
    ours = os.getpid()
    left = [
        p.command
        for p in processes.every()
        if p.pid not in before and ours in processes.ancestors(p.pid)
    ]
    assert left == []

"""The submission scanner: no finding on honest code, a finding for each way around grading."""

import json
import shutil
from pathlib import Path

import pytest

from tests.nbgrader.test_autograde import solved
from tools.course import ASSIGNMENT, NOTEBOOK, STUDENT_FILES
from tools.scan_submissions import main, scan_submission

ROOT = Path(__file__).resolve().parents[2]
RELEASE = ROOT / "release" / ASSIGNMENT
LOSS = "exercise_code/networks/loss.py"


@pytest.fixture
def submission(tmp_path):
    """A finished honest submission: the release with every student file solved."""
    folder = tmp_path / "submitted" / "student" / ASSIGNMENT
    shutil.copytree(RELEASE, folder)
    for rel in STUDENT_FILES:
        (folder / rel).write_text(solved(rel), encoding="utf-8")
    return folder


def add_cell(folder, source, before_first_test=True):
    """Insert a code cell written by the student into the notebook."""
    path = folder / f"{NOTEBOOK}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    tests = [i for i, c in enumerate(nb["cells"]) if c["metadata"].get("nbgrader", {}).get("grade")]
    cell = {"cell_type": "code", "metadata": {}, "source": source, "outputs": []}
    cell["execution_count"] = None
    nb["cells"].insert(tests[1] if before_first_test else len(nb["cells"]), cell)
    path.write_text(json.dumps(nb), encoding="utf-8")


def reasons(folder):
    return [f.reason for f in scan_submission(folder, RELEASE, STUDENT_FILES)]


def test_the_release_and_an_honest_submission_have_no_finding(submission):
    assert scan_submission(RELEASE, RELEASE, STUDENT_FILES) == []
    assert scan_submission(submission, RELEASE, STUDENT_FILES) == []


def test_an_honest_extra_cell_has_no_finding(submission):
    add_cell(
        submission,
        "%timeit BCE().forward(np.full((4, 1), 0.5), np.ones((4, 1)))\n"
        "import numpy as np\nfrom exercise_code.networks import Classifier\n"
        "plt.plot(np.arange(3))\n",
    )
    assert reasons(submission) == []


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("from ..grading import checks\n", "imports exercise_code.grading"),
        ("import exercise_code.grading.checks as c\n", "imports exercise_code.grading"),
        ("import sys\n", "imports sys"),
        ("import builtins\n", "imports builtins"),
        ("np.allclose = lambda *a, **k: True\n", "assigns to np.allclose"),
        ("setattr(np, 'allclose', None)\n", "uses setattr"),
        ("m = __import__('os')\n", "uses __import__"),
        ("g = (lambda: 0).__globals__\n", "uses the attribute __globals__"),
        ("exec('1')\n", "uses exec"),
        ("b = __builtins__\n", "uses __builtins__"),
        ("np.lib._npyio_impl.os.system('ls')\n", "reaches the module os"),
    ],
)
def test_a_student_file_reaching_around_grading_is_found(submission, code, reason):
    path = submission / LOSS
    path.write_text(path.read_text(encoding="utf-8") + code, encoding="utf-8")
    found = scan_submission(submission, RELEASE, STUDENT_FILES)
    assert any(reason in f.reason and f.path == LOSS for f in found), found


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("grading.check_sigmoid = lambda: None\n", "uses grading, the grading code"),
        ("from exercise_code import grading\n", "imports exercise_code.grading"),
        ("!rm -rf ../other_student\n", "uses get_ipython() beyond plain magics"),
        ("%%bash\nls\n", "uses a cell magic"),
        ("%run evil.py\n", "uses the magic %run"),
        ("ns = get_ipython().user_ns\n", "uses get_ipython() beyond plain magics"),
        ("np.testing.assert_allclose = print\n", "assigns to np.testing.assert_allclose"),
    ],
)
def test_a_notebook_cell_reaching_around_grading_is_found(submission, cell, reason):
    add_cell(submission, cell)
    found = scan_submission(submission, RELEASE, STUDENT_FILES)
    assert any(reason in f.reason and "cell" in f.path for f in found), found


def test_test_cells_are_not_scanned_since_grading_restores_them(submission):
    """The test cells import the grading code; nbgrader replaces whatever a student wrote."""
    nb = json.loads((submission / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8"))
    assert any("from exercise_code import grading" in "".join(c["source"]) for c in nb["cells"])
    assert reasons(submission) == []


def test_the_command_lists_flagged_students(submission, capsys, tmp_path):
    course = tmp_path
    shutil.copytree(RELEASE, course / "release" / ASSIGNMENT)
    honest = course / "submitted" / "honest" / ASSIGNMENT
    shutil.copytree(submission, honest)
    add_cell(submission, "import os\n")
    assert main([ASSIGNMENT, "--course", str(course)]) == 1
    out = capsys.readouterr().out
    assert "student: 1 finding(s)" in out and "imports os" in out
    assert "honest" not in out and "1 submission(s) flagged" in out

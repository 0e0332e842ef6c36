"""What a student sees: the committed release, run in a fresh kernel as Jupyter runs it.

Not through nbgrader: `jupyter nbconvert --execute` is "Restart kernel and run all cells"
from the command line. Finished, the notebook runs top to bottom without an error, every
test cell says its part passed, and the plots and the widget are there. Untouched, the
first test cell fails with one friendly line, not a traceback into the grading code.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.nbgrader.test_autograde import POINTS, solved
from tools.course import ASSIGNMENT, NOTEBOOK, STUDENT_FILES
from tools.nbgrader_env import nbgrader_env
from tools.release.notebook_text import stated_numbers

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def run_all(folder, allow_errors=False):
    """Execute the notebook in ``folder`` in a fresh python3 kernel; return its cells."""
    cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute"]
    cmd += ["--ExecutePreprocessor.kernel_name=python3", "--output", "executed.ipynb"]
    cmd += ["--allow-errors"] if allow_errors else []
    proc = subprocess.run(
        [*cmd, f"{NOTEBOOK}.ipynb"], cwd=folder, env=nbgrader_env(), capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((folder / "executed.ipynb").read_text(encoding="utf-8"))["cells"]


def outputs(cell, kind):
    return [o for o in cell.get("outputs", []) if o["output_type"] == kind]


def text_of(cell):
    return "".join("".join(o.get("text", "")) for o in outputs(cell, "stream"))


def test_the_finished_release_runs_top_to_bottom(tmp_path):
    folder = tmp_path / ASSIGNMENT
    shutil.copytree(ROOT / "release" / ASSIGNMENT, folder)
    for rel in STUDENT_FILES:
        (folder / rel).write_text(solved(rel), encoding="utf-8")
    cells = [c for c in run_all(folder) if c["cell_type"] == "code"]

    assert not [c for c in cells if outputs(c, "error")]
    warnings = [text_of(c) for c in cells if "Warning" in text_of(c)]
    assert not warnings, warnings
    for cell in cells:
        part = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if part in POINTS:
            assert f"[{part}] passed" in text_of(cell), (part, text_of(cell))
    data = [o.get("data", {}) for c in cells for o in c.get("outputs", [])]
    assert sum("image/png" in d for d in data) >= 3  # the data, the curves, the boundary
    # The test accuracy the notebook's text announces (written by make release) is the one
    # the student's finished notebook prints at the end.
    release = ROOT / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    cells_of_release = json.loads(release.read_text(encoding="utf-8"))["cells"]
    stated = stated_numbers("".join("".join(c["source"]) for c in cells_of_release))
    (evaluate,) = [c for c in cells if c.get("id") == "evaluate"]
    accuracy = stated["test_right"] / stated["test_n"]
    assert f"test accuracy:   {accuracy:.4f}" in text_of(evaluate), text_of(evaluate)
    assert any("application/vnd.jupyter.widget-view+json" in d for d in data)


def test_the_untouched_release_fails_with_one_friendly_line(tmp_path):
    folder = tmp_path / ASSIGNMENT
    shutil.copytree(ROOT / "release" / ASSIGNMENT, folder)
    cells = run_all(folder, allow_errors=True)
    first_test = next(c for c in cells if c["metadata"].get("nbgrader", {}).get("grade"))
    (error,) = outputs(first_test, "error")
    assert error["ename"] == "GradingFailure"
    assert "[bce_forward]" in error["evalue"] and "not implemented yet" in error["evalue"]
    assert len(error["traceback"]) == 1  # the message alone: no frames of the grading code

"""The points: one table (tools/course.py POINTS), written into the notebook by make release.

Every graded cell of the source notebook and of the release has the points of the table, in
its nbgrader metadata and in the first line the student reads; robustness is at most a
quarter of the total; every graded part of the grader has a cell, and each robustness cell
belongs to a part with a core cell.
"""

import re
from pathlib import Path

import nbformat
import pytest

from exercise_code.grading import PARTS
from tools.course import ASSIGNMENT, NOTEBOOK, POINTS, ROBUSTNESS_SUFFIX
from tools.release.generate import points_text, sync_points

ROOT = Path(__file__).resolve().parents[2]


def graded_cells(folder):
    notebook = nbformat.read(ROOT / folder / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
    }


@pytest.mark.parametrize("folder", ["source", "release"])
def test_every_graded_cell_has_the_tables_points_and_says_so(folder):
    cells = graded_cells(folder)
    assert set(cells) == set(POINTS) == set(PARTS)
    for part, cell in cells.items():
        assert cell.metadata["nbgrader"]["points"] == POINTS[part]
        first = cell.source.splitlines()[0]
        assert points_text(POINTS[part]) in first, first
        kind = "robustness" if part.endswith(ROBUSTNESS_SUFFIX) else None
        if kind or f"{part}{ROBUSTNESS_SUFFIX}" in POINTS:
            assert (kind or "core") in first, first


def test_the_source_notebook_is_in_step_with_the_table():
    assert sync_points(ROOT, check_only=True) == []


def test_robustness_is_at_most_a_quarter_and_each_has_a_core():
    robust = {p: n for p, n in POINTS.items() if p.endswith(ROBUSTNESS_SUFFIX)}
    assert robust, "no robustness cell"
    assert 4 * sum(robust.values()) <= sum(POINTS.values())
    for part in robust:
        assert part.removesuffix(ROBUSTNESS_SUFFIX) in POINTS


def test_points_are_whole_and_positive():
    assert all(isinstance(n, int) and n > 0 for n in POINTS.values())
    assert re.fullmatch(r"\(1 point\)", points_text(1))
    assert points_text(3) == "(3 points)"

"""The notebook's text written from code (tools/release/notebook_text.py), in the source and
the release: the table of points and the headings agree with tools.course.POINTS, the numbers
to expect after training with a fresh run of the reference, the book's chapters are links to
pages that exist (under the title they have), the notation is the book's, the threshold is
explored on the validation split and the test split is used once, at the end.
"""

import copy
import re
from pathlib import Path

import nbformat
import pytest

from tools.course import ASSIGNMENT, NOTEBOOK, POINTS, ROBUSTNESS_SUFFIX
from tools.release.notebook_text import (
    EXPECTED_TOLERANCE,
    HEADING,
    expected_numbers,
    parts,
    points_table,
    region_body,
    stated_numbers,
    sync_text,
)

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ["source", "release"]


def notebook(folder):
    return nbformat.read(ROOT / folder / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)


def intro(nb):
    (cell,) = [c for c in nb.cells if c.get("id") == "intro"]  # the release adds a header first
    return cell.source


def markdown(nb):
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.fixture(scope="module")
def fresh():
    return expected_numbers()


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_table_of_points_adds_up_to_the_course_table(folder):
    nb = notebook(folder)
    table = region_body(intro(nb), "points")
    assert table == points_table(nb.cells)
    rows = [r.split("|")[1:-1] for r in table.splitlines()[2:]]
    *part_rows, total = rows
    numbers = [int(r[0]) for r in part_rows]
    assert numbers == sorted(numbers) and len(numbers) == len(parts(nb.cells))
    graded = [i for _, _, ids in parts(nb.cells) for i in ids]
    assert sorted(graded) == sorted(POINTS)  # every graded cell under exactly one heading
    for row, (_, _, ids) in zip(part_rows, parts(nb.cells), strict=True):
        robust = sum(POINTS[i] for i in ids if i.endswith(ROBUSTNESS_SUFFIX))
        assert int(row[4]) == sum(POINTS[i] for i in ids)
        assert int(row[2]) + (int(row[3]) if robust else 0) == int(row[4])
    assert total[4].strip() == f"**{sum(POINTS.values())}**"
    robust_total = sum(n for p, n in POINTS.items() if p.endswith(ROBUSTNESS_SUFFIX))
    assert int(total[3]) == robust_total
    # How the grade is decided is said beside the table.
    for words in ("core", "robustness", "hidden", "not run again"):
        assert words in intro(nb), words


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_graded_heading_states_its_points(folder):
    nb = notebook(folder)
    for number, _, ids in parts(nb.cells):
        (heading,) = [
            c.source.partition("\n")[0]
            for c in nb.cells
            if c.cell_type == "markdown" and re.match(rf"## {number}\. ", c.source)
        ]
        n = sum(POINTS[i] for i in ids)
        assert heading.endswith(f"({n} point{'' if n == 1 else 's'})"), heading


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_parts_the_intro_calls_ungraded_are_the_ungraded_ones(folder):
    nb = notebook(folder)
    numbered = {
        int(m.group(2))
        for c in nb.cells
        if c.cell_type == "markdown" and (m := HEADING.match(c.source.partition("\n")[0]))
    }
    ungraded = sorted(numbered - {number for number, _, _ in parts(nb.cells)} - {0})
    words = " and ".join(str(n) for n in ungraded)
    assert f"Parts {words} are not graded." in intro(nb).replace("\n", " ")


def test_the_generated_text_is_in_step(fresh):
    nb = notebook("source")
    assert sync_text(copy.deepcopy(nb), numbers=fresh) == []


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_expected_numbers_match_a_fresh_run_of_the_reference(folder, fresh):
    (text,) = [
        region_body(c.source, "expected")
        for c in notebook(folder).cells
        if c.cell_type == "markdown" and region_body(c.source, "expected")
    ]
    stated = stated_numbers(text)
    assert stated is not None, text
    assert abs(stated["loss"] - fresh["loss"]) <= EXPECTED_TOLERANCE
    assert {k: v for k, v in stated.items() if k != "loss"} == {
        k: v for k, v in fresh.items() if k != "loss"
    }
    assert f"{fresh['test_right'] / fresh['test_n']:.4f}" in text


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_chapters_are_links_to_the_books_pages(folder):
    text = markdown(notebook(folder))
    links = re.findall(r"\[([^\]]+)\]\(\.\./\.\./book/([a-z_]+)\.md\)", text)
    assert {name for _, name in links} >= {
        "model",
        "sigmoid",
        "bce",
        "chain_rule",
        "gradient_check",
        "gradient_descent",
    }
    for title, name in links:
        page = (ROOT / "book" / f"{name}.md").read_text(encoding="utf-8")
        assert f"\n# {title}\n" in page, (title, name)
    # No chapter is named without its link ("the chapter *The sigmoid*").
    assert not re.search(r"chapter \*", text)


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_notation_is_the_books(folder):
    text = markdown(notebook(folder))
    assert r"\hat y" not in text and r"\hat{y}" not in text
    assert r"z = \sigma(s)" in text


@pytest.mark.parametrize("folder", FOLDERS)
def test_part_5_folds_the_graders_internals(folder):
    (cell,) = [c for c in notebook(folder).cells if c.get("id") == "backward-md"]
    visible, _, folded = cell.source.partition("<details><summary>")
    assert "</details>" in folded and "layout" in folded
    assert "layout" not in visible


def test_the_threshold_on_validation_and_the_test_split_once_at_the_end():
    cells = notebook("release").cells
    uses = [
        i
        for i, c in enumerate(cells)
        if c.cell_type == "code" and "data.X_test" in c.source  # the data cell prints names only
    ]
    (last,) = uses
    assert cells[last].get("id") == "evaluate"
    assert all(c.cell_type == "markdown" for c in cells[last + 1 :])
    (widget,) = [c for c in cells if c.get("id") == "widget"]
    assert "X_val" in widget.source and "slider" in cells[last].source
    assert all(not HEADING.match(c.source) for c in cells[last + 1 :] if c.cell_type == "markdown")

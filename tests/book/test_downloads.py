"""What a reader downloads from the book: each chapter as a notebook that runs, and the
student release as one archive identical to the committed ``release/ex04``."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pytest

from tests.book._book import REPO_ROOT, toc_docnames
from tools.book.build import RELEASE, RELEASE_ARCHIVE
from tools.book.notebooks import is_notebook_page

pytestmark = pytest.mark.timeout(600)

SOLUTION_MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS")


def _notebook_pages() -> list[str]:
    return [d for d in toc_docnames() if is_notebook_page(REPO_ROOT / f"{d}.md")]


def _release_files() -> dict[str, bytes]:
    """The committed release (git's index, so that no stray local file counts)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", str(RELEASE)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    files = [Path(p) for p in listed.split("\0") if p]
    assert files, "release/ex04 is not committed"
    return {p.relative_to(RELEASE).as_posix(): (REPO_ROOT / p).read_bytes() for p in files}


def test_release_archive_is_the_committed_release(html_dir):
    with zipfile.ZipFile(html_dir / RELEASE_ARCHIVE) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        assert all(n.startswith("ex04/") for n in names), names
        got = {n.removeprefix("ex04/"): archive.read(n) for n in names}
    assert got == _release_files()
    for name, data in got.items():
        for marker in SOLUTION_MARKERS:
            assert marker.encode() not in data, f"{name} holds {marker!r}"


def test_every_chapter_with_code_is_a_download(html_dir):
    pages = _notebook_pages()
    assert "book/gradient_descent" in pages and len(pages) >= 7
    for docname in pages:
        notebook = nbformat.read(html_dir / "_sources" / f"{docname}.ipynb", as_version=4)
        nbformat.validate(notebook)
        assert any(c.cell_type == "code" for c in notebook.cells), docname
        assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")
        html = (html_dir / f"{docname}.html").read_text(encoding="utf-8")
        assert f"{Path(docname).name}.ipynb" in html, f"{docname}: no download link"


@pytest.mark.slow
@pytest.mark.parametrize("docname", _notebook_pages())
def test_downloaded_notebook_runs_beside_exercise_code(docname, html_dir, tmp_path):
    """The .ipynb a reader downloads runs top to bottom next to a copy of exercise_code."""
    from nbclient import NotebookClient

    shutil.copytree(
        REPO_ROOT / "exercise_code",
        tmp_path / "exercise_code",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    notebook_path = tmp_path / f"{Path(docname).name}.ipynb"
    shutil.copy(html_dir / "_sources" / f"{docname}.ipynb", notebook_path)
    notebook = nbformat.read(notebook_path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute(env={"MPLBACKEND": "module://matplotlib_inline.backend_inline"})
    errors = [
        o for c in notebook.cells for o in c.get("outputs", []) if o["output_type"] == "error"
    ]
    assert not errors

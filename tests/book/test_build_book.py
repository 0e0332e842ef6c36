"""The strict build itself: with the book's own _config.yml, a failing cell or a broken reference
fails ``tools.book.build``, and a clean page passes.

Each case builds a one-page book in a temporary folder (a real jupyter-book run with a real
kernel, a few seconds each), so that these run without the full book.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.book._book import REPO_ROOT
from tests.book._html import read_page
from tools.book.build import (
    RELEASE_ARCHIVE,
    build,
    build_command,
    build_env,
    sync_static,
)
from tools.vendor import ensure_vendor, vendor_dir

pytestmark = pytest.mark.timeout(300)

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

(intro)=
# A one-page book

$$
\\sigma'(x) = \\sigma(x)(1 - \\sigma(x))
$$ (eq:derivative)

Equation {eq}`eq:derivative`, cited {cite}`tiny2024`.

```{bibliography}
```
"""

GOOD_CELL = """
```{code-cell} python3
import numpy as np
from exercise_code.networks import Classifier

model = Classifier(num_features=2)
assert model.W.shape == (3, 1)
print("numerical check passed: W has shape", model.W.shape)
```
"""

BIB = "@misc{tiny2024, title = {A tiny reference}, author = {Doe, Jane}, year = {2024}}\n"


def _tiny_book(tmp_path: Path, page: str) -> Path:
    """A copy of the book's configuration with one page (the toc's root) and both bib files."""
    root = tmp_path / "book_root"
    (root / "book" / "_static").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "_config.yml", root / "_config.yml")
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    (root / "book" / "intro.md").write_text(page)
    (root / "book" / "references.bib").write_text(BIB)
    (root / "book" / "references_practice.bib").write_text("")
    for js in (REPO_ROOT / "book" / "_static").iterdir():
        shutil.copy(js, root / "book" / "_static" / js.name)
    # The kernels import exercise_code from the book root, Sphinx our extension from tools/,
    # the build zips release/ex04; the npm files are shared.
    for name in ("exercise_code", "tools", "release"):
        (root / name).symlink_to(REPO_ROOT / name)
    ensure_vendor(REPO_ROOT, quiet=True)
    (root / "_build").mkdir()
    (root / "_build" / ".vendor").symlink_to(vendor_dir(REPO_ROOT))
    return root


def _build(root: Path) -> subprocess.CompletedProcess:
    env = build_env(root)
    env.pop("BOOK_BUILD_DIR", None)
    return subprocess.run(
        build_command(root, None),
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_build_command_is_strict():
    cmd = build_command(REPO_ROOT, None)
    assert Path(cmd[0]).name == "jupyter-book"
    assert Path(cmd[0]).parent == Path(sys.executable).parent
    for flag in ("-n", "-W", "--keep-going"):
        assert flag in cmd


def test_build_env_puts_the_root_first_on_pythonpath(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    env = build_env(REPO_ROOT)
    assert env["PYTHONPATH"].split(os.pathsep) == [str(REPO_ROOT), "/elsewhere"]


def test_sync_static_updates_changed_files_only(tmp_path):
    """An edit to a static file reaches the html even when Sphinx writes no page."""
    root = tmp_path / "root"
    (root / "book" / "_static").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "_config.yml", root / "_config.yml")
    (root / "book" / "_static" / "book.css").write_text("p { color: red; }\n")
    (root / "book" / "_static" / ".hidden").write_text("never copied\n")
    html = tmp_path / "html"
    (html / "_static").mkdir(parents=True)
    (html / "_static" / "book.css").write_text("p { color: blue; }\n")
    assert sync_static(root, html) == 1
    assert (html / "_static" / "book.css").read_text() == "p { color: red; }\n"
    assert not (html / "_static" / ".hidden").exists()
    assert sync_static(root, html) == 0


@pytest.mark.slow
def test_a_clean_page_builds(tmp_path):
    root = _tiny_book(tmp_path, HEADER + GOOD_CELL)
    result = _build(root)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = (root / "_build" / "html" / "book" / "intro.html").read_text()
    assert "numerical check passed: W has shape (3, 1)" in html


@pytest.mark.slow
def test_a_failing_cell_fails_the_build(tmp_path):
    page = HEADER + GOOD_CELL.replace("(3, 1)", "(2, 1)", 1)  # the assertion now fails
    result = _build(_tiny_book(tmp_path, page))
    assert result.returncode != 0
    assert "AssertionError" in result.stdout + result.stderr


@pytest.mark.slow
def test_a_broken_reference_fails_the_build(tmp_path):
    page = HEADER + GOOD_CELL + "\nSee {eq}`eq:no-such-equation`.\n"
    result = _build(_tiny_book(tmp_path, page))
    assert result.returncode != 0
    assert "eq:no-such-equation" in result.stdout + result.stderr


@pytest.mark.slow
def test_the_build_typesets_math_and_writes_the_downloads(tmp_path):
    """tools.book.build.build on a one-page book: static math, icon subset, .ipynb, zip."""
    root = _tiny_book(tmp_path, HEADER + GOOD_CELL)
    assert build(root, quiet=True) == 0
    html_dir = root / "_build" / "html"
    page = (html_dir / "book" / "intro.html").read_text()
    assert "<mjx-container" in page and "\\sigma" not in page  # TeX replaced by its rendering
    loads = [url for _, url in read_page(html_dir / "book" / "intro.html").resources]
    assert not [url for url in loads if "mathjax" in url.lower()], loads
    assert "scripts/icons.js" in page and "fontawesome.js" not in page
    assert (html_dir / "_sources" / "book" / "intro.ipynb").is_file()
    assert 'href="../_sources/book/intro.ipynb"' in page  # the theme's download menu
    assert (html_dir / RELEASE_ARCHIVE).is_file()
    assert (html_dir / ".nojekyll").is_file()  # GitHub Pages must not run Jekyll
    # A second build changes nothing (every step is idempotent).
    before = {p: p.read_bytes() for p in html_dir.rglob("*.html")}
    assert build(root, quiet=True) == 0
    assert {p: p.read_bytes() for p in html_dir.rglob("*.html")} == before

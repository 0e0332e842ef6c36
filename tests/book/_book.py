"""Shared paths and helpers for the tests of the built Jupyter Book.

These tests read the output of ``make book`` (``.venv/bin/python -m tools.book.build``); they do
not build the book themselves (a build costs tens of seconds). ``BOOK_BUILD_DIR`` points them at
another build folder (the ``_build`` folder under ``--path-output``), ``BOOK_ROOT`` at another
copy of the book's sources.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
# The book's root (with _config.yml, _toc.yml and book/) and its build folder; both can be
# pointed elsewhere, e.g. at a copy of the book built with --path-output.
BOOK_ROOT = Path(os.environ.get("BOOK_ROOT", REPO_ROOT)).resolve()
BUILD_DIR = Path(os.environ.get("BOOK_BUILD_DIR", BOOK_ROOT / "_build")).resolve()
HTML_DIR = BUILD_DIR / "html"
EXECUTED_DIR = BUILD_DIR / "jupyter_execute"

# Chapters whose derivations end with a numerical check (the convention agreed with the writers:
# a code cell asserts the check, then prints a line starting with this prefix).
CHECKED_CHAPTERS = (
    "book/model",
    "book/sigmoid",
    "book/bce",
    "book/chain_rule",
    "book/gradient_check",
    "book/gradient_descent",
    "book/learning_rate",
    "book/gd_explorer",
    "book/sgd",
    "book/threshold",
    "book/beyond",
)
CHECK_PREFIX = "numerical check passed:"
# The page with the gradient-descent explorer (data computed at build time, drawn by
# book/_static/gd_explorer.js): the loss map, the weight sliders and the replay of training.
EXPLORER_PAGE = "book/gd_explorer"


def toc_docnames(root: Path = BOOK_ROOT) -> list[str]:
    """Docnames listed in ``_toc.yml``, root first, in reading order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    names = [toc["root"]]
    for chapter in toc.get("chapters", []):
        names.append(chapter["file"])
    return [n.removesuffix(".md").removesuffix(".ipynb") for n in names]


# Pages Sphinx generates besides the chapters: the root redirect, the index and the search.
GENERATED_PAGES = ("index.html", "genindex.html", "search.html")


def expected_html_pages() -> list[str]:
    """Every html page the book must have, relative to the html folder (posix)."""
    return [f"{d}.html" for d in toc_docnames()] + list(GENERATED_PAGES)


def require_built_book() -> Path:
    """The html folder; fails (never skips) if the book has not been built."""
    if not (HTML_DIR / "index.html").is_file():
        pytest.fail(
            f"no built book at {HTML_DIR}: run `make book` "
            "(.venv/bin/python -m tools.book.build) before these tests",
            pytrace=False,
        )
    return HTML_DIR


def executed_notebook(docname: str) -> dict:
    """The executed notebook of a page, from the build's jupyter cache.

    The cache is matched by the hash of the page's *current* code cells, so a stale build (a
    page edited since) is reported, never silently read. (``_build/jupyter_execute`` is no
    substitute: on a cache hit myst-nb writes the notebook there without its outputs.)
    """
    from jupyter_cache import get_cache
    from myst_nb.core.read import read_myst_markdown_notebook

    cache_dir = BUILD_DIR / ".jupyter_cache"
    if not cache_dir.is_dir():
        pytest.fail(f"no jupyter cache at {cache_dir}: run `make book`", pytrace=False)
    source = BOOK_ROOT / f"{docname}.md"
    nb = read_myst_markdown_notebook(source.read_text(encoding="utf-8"), path=source)
    try:
        _, executed = get_cache(str(cache_dir)).merge_match_into_notebook(nb)
    except KeyError:
        pytest.fail(
            f"{docname}: its current code has not been executed by a build: run `make book`",
            pytrace=False,
        )
    return executed

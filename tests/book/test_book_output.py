"""Static checks of the built book (``make book``): what was published, what ran, what it loads.

The browser test (``test_browser.py``) checks what a reader sees; these read the files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.book._book import (
    BUILD_DIR,
    CHECK_PREFIX,
    CHECKED_CHAPTERS,
    EXECUTED_DIR,
    executed_notebook,
    expected_html_pages,
    require_built_book,
    toc_docnames,
)
from tests.book._html import is_remote, read_page, remote_urls_in_css


def _html_files(html_dir: Path) -> list[Path]:
    return sorted(p for p in html_dir.rglob("*.html") if "_static" not in p.parts)


def test_toc_is_the_agreed_one():
    assert toc_docnames() == [
        "book/intro",
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
        "book/exercises",
        "book/debugging",
        "book/run_locally",
        "book/instructors",
        "book/references",
    ]


def test_published_pages_are_exactly_the_toc(html_dir):
    """Only the pages of _toc.yml (plus index, genindex, search) are published."""
    found = sorted(p.relative_to(html_dir).as_posix() for p in _html_files(html_dir))
    assert found == sorted(expected_html_pages())


def test_nothing_from_source_or_release_is_built_or_published(html_dir):
    """source/ and release/ hold the nbgrader notebooks with solutions: never run, never shown."""
    leaked = [
        p.relative_to(BUILD_DIR).as_posix()
        for top in (html_dir, EXECUTED_DIR)
        if top.is_dir()
        for p in top.rglob("*")
        if {"source", "release"} & set(p.relative_to(top).parts)
    ]
    assert not leaked, f"files from source/ or release/ in the build: {leaked}"

    # The search index lists every document Sphinx read.
    index = (html_dir / "searchindex.js").read_text(encoding="utf-8")
    docnames = json.loads(re.search(r'"docnames":\s*(\[[^\]]*\])', index).group(1))
    assert sorted(docnames) == sorted(toc_docnames())


def test_no_solution_region_is_published(html_dir):
    """The solution markers of exercise_code/ (and of the nbgrader notebooks) never reach a page."""
    for path in [*html_dir.rglob("*.html"), *(html_dir / "_sources").rglob("*")]:
        if path.is_file() and "_static" not in path.parts:
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "BEGIN SOLUTION" not in text, f"solution region in {path}"


def test_no_page_loads_anything_remote(html_dir):
    """No script, stylesheet, font or image comes from another host (plain hyperlinks may)."""
    problems = []
    for path in _html_files(html_dir):
        page = read_page(path)
        rel = path.relative_to(html_dir).as_posix()
        problems += [f"{rel}: <{tag}> {url}" for tag, url in page.resources if is_remote(url)]
        for css in page.inline_css:
            problems += [f"{rel}: inline css {url}" for url in remote_urls_in_css(css)]
        for script in page.scripts:
            # Inline scripts that would fetch code from a CDN (as sphinx-thebe's config does).
            if not script["src"] and re.search(r"https?://[^\"']+\.js\b", script["text"]):
                problems.append(f"{rel}: inline script refers to a remote .js")
    for css in (html_dir / "_static").rglob("*.css"):
        text = css.read_text(encoding="utf-8", errors="replace")
        rel = css.relative_to(html_dir).as_posix()
        problems += [f"{rel}: {url}" for url in remote_urls_in_css(text)]
    assert not problems, "remote resources:\n" + "\n".join(problems)


def test_local_resources_exist(html_dir):
    """Every script, stylesheet and image a page loads is in the html folder."""
    missing = []
    for path in _html_files(html_dir):
        for tag, url in read_page(path).resources:
            if is_remote(url) or url.startswith("data:"):
                continue
            target = (path.parent / url.split("?")[0].split("#")[0]).resolve()
            if not target.is_file():
                missing.append(f"{path.relative_to(html_dir)}: <{tag}> {url}")
    assert not missing, "missing files:\n" + "\n".join(missing)


def test_math_is_typeset_at_build_time(html_dir):
    """No page loads MathJax: its math is static CommonHTML, with its styles and local fonts."""
    pages_with_math = 0
    for path in _html_files(html_dir):
        text = path.read_text(encoding="utf-8")
        srcs = [s["src"] for s in read_page(path).scripts if "mathjax" in s["src"].lower()]
        assert not srcs, f"{path} still loads MathJax: {srcs}"
        if "<mjx-container" in text:
            pages_with_math += 1
            assert '<style id="MJX-CHTML-styles">' in text, f"{path}: math without its styles"
    assert pages_with_math >= 5, "the chapters are full of equations; no typeset math found"
    fonts = html_dir / "_static/vendor/mathjax/woff-v2"
    assert len(list(fonts.glob("*.woff"))) > 10


def test_figures_have_alt_text(html_dir):
    """Every image in a chapter has a real alt text (not empty, not its own file name)."""
    problems = []
    for docname in toc_docnames():
        path = html_dir / f"{docname}.html"
        for img in read_page(path).images:
            if not img["in_article"]:
                continue
            alt = (img["alt"] or "").strip()
            if not alt or re.search(r"\.(png|jpe?g|svg|gif)$", alt, re.I):
                problems.append(f"{docname}: <img src={img['src']!r} alt={img['alt']!r}>")
    assert not problems, "images without alt text:\n" + "\n".join(problems)


@pytest.mark.parametrize("docname", CHECKED_CHAPTERS)
def test_numerical_checks_ran_and_passed(docname):
    """Each derivation chapter ran its numerical checks at build time, and they passed.

    A check is a code cell that asserts, then prints a line starting with
    ``numerical check passed:``. The build fails on any exception, so the line in the executed
    notebook proves the assertion before it held in this build.
    """
    require_built_book()
    nb = executed_notebook(docname)
    passed, errors = [], []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                errors.append(f"{out['ename']}: {out['evalue']}")
                continue
            text = "".join(out.get("text", "")) if out["output_type"] == "stream" else ""
            if out["output_type"] == "stream" and out.get("name") == "stderr":
                errors.append(f"stderr: {text.strip()[:200]}")
            if "Traceback (most recent call last)" in text:
                errors.append(f"traceback in output: {text.strip()[:200]}")
            for line in text.splitlines():
                if line.startswith(CHECK_PREFIX):
                    # The line must come from a cell that checks something, not a bare print.
                    assert "assert" in source, (
                        f"{docname}: '{line}' printed by a cell with no assertion:\n{source}"
                    )
                    passed.append(line)
    assert not errors, f"{docname}: error output in the executed page: {errors}"
    assert passed, f"{docname}: no '{CHECK_PREFIX}' line in the executed page"

"""The course's one MathJax driver (tools/vendor/mathjax.js) typesets the book's TeX both ways.

The book's pages (CommonHTML, at build time) and the students' feedback (SVG, after
generate_feedback) go through the same driver, with the same TeX packages: every formula of
the book typesets in both modes without an error, so a package the book comes to need is there
for the feedback too. An undefined macro is an error in both (never red text that looks
typeset), and no other file of tools/ drives MathJax.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

from tests.book._book import REPO_ROOT, toc_docnames
from tools.vendor import ensure_vendor, node_modules
from tools.vendor.mathjax import DRIVER, MathJaxError, typeset_files, typeset_formulas

pytestmark = pytest.mark.timeout(300)

# The inline and display tokens of MyST's dollarmath and amsmath (as _config.yml enables them).
_INLINE = {"math_inline", "math_inline_double"}
_DISPLAY = {"math_block", "math_block_label", "amsmath"}


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark")
    return md.use(dollarmath_plugin, double_inline=True).use(amsmath_plugin)


def _tokens(tokens):
    for token in tokens:
        yield token
        yield from _tokens(token.children or [])


def book_formulas() -> list[dict]:
    """Every formula of the book's pages, as the driver wants them: {"tex", "display"}."""
    md, found = _parser(), []
    for docname in toc_docnames():
        text = (REPO_ROOT / f"{docname}.md").read_text(encoding="utf-8")
        for token in _tokens(md.parse(text)):
            if token.type in _INLINE | _DISPLAY:
                formula = {"tex": token.content.strip(), "display": token.type in _DISPLAY}
                if token.type == "amsmath":  # \begin{align}... on its own, no $$
                    formula["environment"] = True
                found.append(formula)
            elif token.type == "fence" and token.info.strip() == "{math}":
                found.append({"tex": token.content.strip(), "display": True})
    return found


@pytest.fixture(scope="module")
def modules() -> Path:
    ensure_vendor(REPO_ROOT, quiet=True)
    return node_modules(REPO_ROOT)


@pytest.fixture(scope="module")
def formulas() -> list[dict]:
    found = book_formulas()
    assert len(found) > 100, len(found)  # the reader found the book's math
    assert any(f["display"] for f in found) and any(not f["display"] for f in found)
    return found


def _page(formulas: list[dict]) -> str:
    """A feedback-like page holding ``formulas`` as nbgrader's HTML carries TeX in markdown."""
    body = []
    for f in formulas:
        tex = f["tex"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if not f["display"]:
            body.append(f"<p>\\({tex}\\)</p>")
        elif f.get("environment"):
            body.append(f"<div>{tex}</div>")  # an amsmath environment stands on its own
        else:
            body.append(f"<div>\\[{tex}\\]</div>")
    return "<!DOCTYPE html><html><head></head><body>" + "\n".join(body) + "</body></html>"


def test_every_formula_of_the_book_typesets_for_the_book(modules, formulas):
    pages = typeset_formulas([{"id": "book", "fontURL": ".", "formulas": formulas}], modules)
    assert len(pages[0]["html"]) == len(formulas)
    assert not [h for h in pages[0]["html"] if "merror" in h or 'mathcolor="red"' in h]


def test_every_formula_of_the_book_typesets_in_the_feedback(modules, formulas, tmp_path):
    page = tmp_path / "feedback.html"
    page.write_text(_page(formulas), encoding="utf-8")
    result = typeset_files([page], modules)
    assert result["errors"] == []
    assert result["formulas"] == len(formulas)
    typeset = page.read_text(encoding="utf-8")
    assert "<svg" in typeset and "data-mjx-error" not in typeset


def test_an_undefined_macro_is_an_error_in_both_modes(modules, tmp_path):
    formula = {"tex": r"\notamacro{x}", "display": False}
    with pytest.raises(MathJaxError, match="notamacro"):
        typeset_formulas([{"id": "p", "fontURL": ".", "formulas": [formula]}], modules)
    page = tmp_path / "feedback.html"
    page.write_text(_page([formula, {"tex": "x^2", "display": False}]), encoding="utf-8")
    result = typeset_files([page], modules)
    assert len(result["errors"]) == 1 and "notamacro" in result["errors"][0]
    assert result["formulas"] == 2  # the page is still typeset, the error shown in place
    assert "data-mjx-error" in page.read_text(encoding="utf-8")  # what the browser test counts


def test_one_driver_serves_the_book_and_the_feedback():
    drivers = [
        p.relative_to(REPO_ROOT).as_posix()
        for p in (REPO_ROOT / "tools").rglob("*.js")
        if "mathjax-full" in p.read_text(encoding="utf-8")
    ]
    assert drivers == [DRIVER.relative_to(REPO_ROOT).as_posix()]
    for caller in ("tools/book/math.py", "tools/grader/feedback.py"):
        text = (REPO_ROOT / caller).read_text(encoding="utf-8")
        assert "from tools.vendor.mathjax import" in text, caller
        assert "subprocess" not in text, caller  # node runs in tools.vendor.mathjax alone

"""Typeset the book's math at build time: static MathJax CommonHTML in the html pages.

Sphinx writes math as TeX between ``\\( \\)`` (inline, ``<span class="math ...">``) and
``\\[ \\]`` (display, ``<div class="math ...">``, with the equation number in ``<span
class="eqno">``) and loads MathJax (1.2 MB of JavaScript) to typeset it in the reader's browser.
After the build, :func:`render_pages` typesets every formula with MathJax itself
(``tools.vendor.mathjax``: the course's one MathJax driver, the feedback's too, on node with
the npm package ``mathjax-full``), replaces the TeX with the result, puts the page's stylesheet
(only the characters it uses) into its ``<head>`` and removes the MathJax script: the page shows
its math without running any script, and loads only the few MathJax fonts it uses. Each formula
keeps its MathML (visually hidden), which screen readers read and the browser's find-in-page
searches; the book's search index is built from the sources and is not affected.

A page that has been typeset holds no TeX any more, so only pages Sphinx (re)wrote are processed
again; an unchanged rebuild costs nothing.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

from tools.vendor import MATHJAX_FONTS
from tools.vendor.mathjax import MathJaxError, typeset_formulas

# Where the fonts are served from, relative to the html root (Sphinx copies them there).
FONT_DIR = f"_static/{MATHJAX_FONTS}"

_INLINE = re.compile(
    r'(<span class="math notranslate nohighlight">)\\\((.*?)\\\)(</span>)', re.DOTALL
)
_DISPLAY = re.compile(
    r'(<div class="[^"]*\bmath notranslate nohighlight"[^>]*>\s*'
    r'(?:<span class="eqno">.*?</span>)?)\\\[(.*?)\\\](\s*</div>)',
    re.DOTALL,
)
# What Sphinx and myst-nb put into <head> for MathJax: its configuration and its script.
_MATHJAX_SCRIPTS = re.compile(
    r"\s*<script>window\.MathJax = .*?</script>|\s*<script[^>]*src=\"[^\"]*mathjax[^\"]*\"[^>]*>"
    r"\s*</script>",
    re.DOTALL,
)


def needs_rendering(text: str) -> bool:
    """True if the page still holds TeX or MathJax's script for the browser."""
    return bool(_INLINE.search(text) or _DISPLAY.search(text) or _MATHJAX_SCRIPTS.search(text))


def _formulas(text: str) -> list[dict]:
    """The page's formulas in document order, as the node script wants them."""
    found = [(m.start(), m.group(2), False) for m in _INLINE.finditer(text)]
    found += [(m.start(), m.group(2), True) for m in _DISPLAY.finditer(text)]
    return [{"tex": html.unescape(tex), "display": display} for _, tex, display in sorted(found)]


def _replace(text: str, rendered: list[str]) -> str:
    """Put the typeset formulas in place of the TeX, in document order."""
    matches = sorted(
        list(_INLINE.finditer(text)) + list(_DISPLAY.finditer(text)), key=lambda m: m.start()
    )
    assert len(matches) == len(rendered), (len(matches), len(rendered))
    out, pos = [], 0
    for match, markup in zip(matches, rendered, strict=True):
        out += [text[pos : match.start()], match.group(1), markup, match.group(3)]
        pos = match.end()
    out.append(text[pos:])
    return "".join(out)


def _minify_css(css: str) -> str:
    css = re.sub(r"\s*\n\s*", "", css)
    return re.sub(r"\s*([{};:,])\s*", r"\1", css)


def _font_url(page: Path, html_dir: Path) -> str:
    return os.path.relpath(html_dir / FONT_DIR, page.parent).replace(os.sep, "/")


def render_pages(html_dir: Path, node_modules: Path) -> int:
    """Typeset the math of every html page that still has TeX; returns how many pages changed."""
    texts = {}  # page -> its text, for the pages that still have TeX (each read once)
    for p in sorted(html_dir.rglob("*.html")):
        if "_static" not in p.relative_to(html_dir).parts:
            text = p.read_text(encoding="utf-8")
            if needs_rendering(text):
                texts[p] = text
    pages = list(texts)
    if not pages:
        return 0
    request = [
        {"id": str(p), "fontURL": _font_url(p, html_dir), "formulas": _formulas(texts[p])}
        for p in pages
    ]
    try:
        typeset = typeset_formulas(request, node_modules)
    except MathJaxError as err:
        raise SystemExit(f"book: typesetting the math failed:\n{err}") from None
    for page in typeset:
        path = Path(page["id"])
        text = _replace(texts[path], page["html"])
        text = _MATHJAX_SCRIPTS.sub("", text)
        if page["html"]:
            style = f'<style id="MJX-CHTML-styles">{_minify_css(page["css"])}</style>\n'
            text = text.replace("</head>", style + "</head>", 1)
        path.write_text(text, encoding="utf-8")
    return len(pages)

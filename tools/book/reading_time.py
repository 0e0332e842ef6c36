"""Sphinx extension: each page states its reading time at its top, counted from its words.

When a page is written, its words are counted in the resolved doctree (the text a reader
reads: paragraphs, lists, tables, captions, admonitions and the numbers glue pasted; not code,
its outputs, math or raw HTML) and a line is put under the page's title:

    About 14 minutes of reading (2,730 words at 200 a minute; code, math and figures take
    longer). Going deeper: about 3 more minutes (610 words).

The words of the "Going deeper" dropdowns (admonitions whose title starts with
:data:`GOING_DEEPER`) are counted apart: the fast path through a chapter skips them. Nothing is
typed: change the text and the line follows at the next build. A page with less than a
minute of reading gets no line.
"""

from __future__ import annotations

import math

from docutils import nodes
from sphinx.application import Sphinx

# Words a minute of careful reading of a technical text (a first-year student, in English).
WORDS_PER_MINUTE = 200
# The title of a dropdown the fast path skips.
GOING_DEEPER = "Going deeper"
# The class of the line (book.css styles it; the tests find it).
CSS_CLASS = "book-reading-time"

# Text under these nodes is not read as prose: code and its output, math, raw HTML, comments,
# the bibliography's entries (a figure's caption, even in a cell's output, is read).
_SKIPPED = (
    nodes.literal_block,
    nodes.literal,
    nodes.math,
    nodes.math_block,
    nodes.raw,
    nodes.comment,
    nodes.substitution_definition,
    nodes.target,
    nodes.citation,
)


def _skipped(node: nodes.Node) -> bool:
    while node is not None:
        if isinstance(node, nodes.caption):
            return False
        if isinstance(node, _SKIPPED):
            return True
        classes = node.get("classes", []) if isinstance(node, nodes.Element) else []
        if "cell_output" in classes or "cell_input" in classes or CSS_CLASS in classes:
            return True
        node = node.parent
    return False


def is_going_deeper(node: nodes.Node) -> bool:
    """An admonition whose title starts with "Going deeper"."""
    if not isinstance(node, nodes.Admonition) or not node.children:
        return False
    title = node.children[0]
    return isinstance(title, nodes.title) and title.astext().startswith(GOING_DEEPER)


def count_words(doctree: nodes.Node) -> tuple[int, int]:
    """The page's words: (on the fast path, in its "Going deeper" dropdowns)."""
    main = deeper = 0
    for text in doctree.findall(nodes.Text):
        if _skipped(text.parent):
            continue
        words = len(text.astext().split())
        node = text.parent
        while node is not None and not is_going_deeper(node):
            node = node.parent
        if node is None:
            main += words
        else:
            deeper += words
    return main, deeper


def minutes(words: int) -> int:
    """Whole minutes, rounded up."""
    return math.ceil(words / WORDS_PER_MINUTE)


def reading_time_text(main: int, deeper: int) -> str:
    """The sentence put under the title."""
    n = minutes(main)
    text = (
        f"About {n} minute{'s' if n != 1 else ''} of reading ({main:,} words at "
        f"{WORDS_PER_MINUTE} a minute; code, math and figures take longer)."
    )
    if deeper:
        m = minutes(deeper)
        text += f" Going deeper: about {m} more minute{'s' if m != 1 else ''} ({deeper:,} words)."
    return text


def add_reading_time(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Put the reading-time line under the page's title."""
    main, deeper = count_words(doctree)
    if main < WORDS_PER_MINUTE:
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not section.children or not isinstance(section[0], nodes.title):
        return
    line = nodes.paragraph(
        "",
        reading_time_text(main, deeper),
        classes=[CSS_CLASS],
    )
    section.insert(1, line)


def setup(app: Sphinx) -> dict:
    app.connect("doctree-resolved", add_reading_time)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}

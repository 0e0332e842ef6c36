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

The role ``{reading-minutes}`book/model book/sigmoid``` writes the sum of the listed pages'
minutes (as their lines state them), so that a page can say how long a path through the book
takes; a page that uses it is rewritten whenever any page changes.

The words are counted once per build, when every page has been read (``env-updated``), from
the doctrees Sphinx stored, so that the lines and the sums agree.
"""

from __future__ import annotations

import math

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import docname_join

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


def _ancestors(node: nodes.Node):
    while node is not None:
        yield node
        node = node.parent


def is_going_deeper(node: nodes.Node) -> bool:
    """An admonition whose title starts with "Going deeper"."""
    if not isinstance(node, nodes.Admonition) or not node.children:
        return False
    title = node.children[0]
    return isinstance(title, nodes.title) and title.astext().startswith(GOING_DEEPER)


def count_words(doctree: nodes.Node, titles: dict[str, str] | None = None) -> tuple[int, int]:
    """The page's words: (on the fast path, in its "Going deeper" dropdowns).

    ``titles`` maps docnames to page titles: in a doctree not yet resolved, a link
    ``{doc}`model``` still reads "model", and will read the page's title.
    """
    main = deeper = 0
    for text in doctree.findall(nodes.Text):
        if _skipped(text.parent):
            continue
        words = len(text.astext().split())
        xref = next((n for n in _ancestors(text) if isinstance(n, addnodes.pending_xref)), None)
        implicit = xref is not None and not xref.get("refexplicit")
        if implicit and titles is not None and xref.get("reftype") == "doc":
            target = docname_join(xref["refdoc"], xref["reftarget"])
            words = len(titles.get(target, text.astext()).split())
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


class reading_minutes(nodes.Inline, nodes.TextElement):
    """The place of a ``{reading-minutes}`` role, filled in when the page is written."""


def reading_minutes_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{reading-minutes}`docname docname ...```: the sum of those pages' minutes."""
    env = inliner.document.settings.env
    env.book_reading_time_users = getattr(env, "book_reading_time_users", set()) | {env.docname}
    return [reading_minutes(rawtext, "", docnames=" ".join(text.split()))], []


def forget_page(app: Sphinx, env, docname: str) -> None:
    """A page read again registers its use of the role again."""
    getattr(env, "book_reading_time_users", set()).discard(docname)


def merge_users(app: Sphinx, env, docnames, other) -> None:
    """After a parallel read: the pages the other process saw using the role."""
    env.book_reading_time_users = getattr(env, "book_reading_time_users", set()) | getattr(
        other, "book_reading_time_users", set()
    )


def count_all(app: Sphinx, env) -> None:
    """Count every page's words, once all pages are read."""
    titles = {docname: title.astext() for docname, title in env.titles.items()}
    env.book_word_counts = {
        docname: count_words(env.get_doctree(docname), titles) for docname in sorted(env.found_docs)
    }


def pages_using_the_sum(app: Sphinx, env, added, changed, removed) -> list[str]:
    """A page that sums other pages' minutes is rewritten whenever a page changes."""
    if not (added or changed or removed):
        return []
    return sorted(getattr(env, "book_reading_time_users", set()) & env.found_docs)


def fill_sums(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Replace each ``{reading-minutes}`` role by the sum of its pages' minutes."""
    counts = app.env.book_word_counts
    for node in list(doctree.findall(reading_minutes)):
        names = node["docnames"].split()
        unknown = [name for name in names if name not in counts]
        if unknown:
            raise ValueError(f"{docname}: reading-minutes of unknown pages {unknown}")
        node.replace_self(nodes.Text(str(sum(minutes(counts[name][0]) for name in names))))


def add_reading_time(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Put the reading-time line under the page's title."""
    fill_sums(app, doctree, docname)
    main, deeper = app.env.book_word_counts.get(docname) or count_words(doctree)
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
    app.add_node(reading_minutes)
    app.add_role("reading-minutes", reading_minutes_role)
    app.connect("env-purge-doc", forget_page)
    app.connect("env-merge-info", merge_users)
    app.connect("env-updated", count_all)
    app.connect("env-get-outdated", pages_using_the_sum)
    app.connect("doctree-resolved", add_reading_time)
    return {"version": "2", "parallel_read_safe": True, "parallel_write_safe": True}

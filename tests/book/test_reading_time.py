"""Each page states its reading time at its top, computed by the build from its words.

``tools/book/reading_time.py`` counts the words a reader reads (not code, outputs or math; the
"Going deeper" dropdowns apart) and puts the line under the title. The first tests run the
counter on a small made-up page; the last read the built book.
"""

from __future__ import annotations

import math
import re

import pytest
from docutils.core import publish_doctree

from tests.book._book import toc_docnames
from tools.book.reading_time import (
    CSS_CLASS,
    GOING_DEEPER,
    WORDS_PER_MINUTE,
    count_words,
    minutes,
    reading_time_text,
)

PAGE = f"""
A title
=======

One two three four five.

.. code-block:: python

   never counted as words of prose

.. math::

   a + b = c

.. admonition:: {GOING_DEEPER}: floats

   Six seven eight.

.. admonition:: Check your prediction

   Nine ten.
"""


def test_the_counter_reads_prose_and_sets_going_deeper_apart():
    main, deeper = count_words(publish_doctree(PAGE))
    # The title (2), the paragraph (5), the second admonition's title and text (3 + 2);
    # the first admonition's title and text (3 + 3) are "Going deeper".
    assert (main, deeper) == (12, 6)


def test_the_sentence_rounds_minutes_up():
    assert minutes(1) == 1 and minutes(WORDS_PER_MINUTE) == 1 and minutes(WORDS_PER_MINUTE + 1) == 2
    text = reading_time_text(2 * WORDS_PER_MINUTE + 1, 0)
    assert text.startswith("About 3 minutes of reading") and GOING_DEEPER not in text
    assert "about 1 more minute (7 words)" in reading_time_text(500, 7)


# The bibliography is a list to look things up in, not a text to read.
NOT_READ = {"book/references"}
_LINE = re.compile(
    rf'<h1>.*?</h1>\s*<p class="{CSS_CLASS}">About (\d+) minutes? of reading \(([\d,]+) words at '
    rf"(\d+) a minute[^<]*?(?: Going deeper: about (\d+) more minutes? \(([\d,]+) words\))?\.</p>",
    re.S,
)


@pytest.mark.parametrize("docname", [d for d in toc_docnames() if d not in NOT_READ])
def test_every_page_states_its_reading_time_under_its_title(html_dir, docname):
    text = (html_dir / f"{docname}.html").read_text(encoding="utf-8")
    assert text.count(f'class="{CSS_CLASS}"') == 1, f"{docname}: no reading time (or two)"
    match = _LINE.search(text)
    assert match, f"{docname}: the reading time is not right under the title"
    n, words, rate, more, deeper = match.groups()
    assert int(rate) == WORDS_PER_MINUTE
    assert int(n) == math.ceil(int(words.replace(",", "")) / WORDS_PER_MINUTE)
    if more:
        assert int(more) == math.ceil(int(deeper.replace(",", "")) / WORDS_PER_MINUTE)


def test_the_fast_path_has_going_deeper_dropdowns(html_dir):
    """The floating-point detail of the required chapters is folded away, and counted apart."""
    pages = [d for d in toc_docnames() if d not in NOT_READ]
    with_deeper = [
        d for d in pages if "Going deeper: about" in (html_dir / f"{d}.html").read_text("utf-8")
    ]
    assert "book/learning_rate" in with_deeper, with_deeper


# The required chapters whose floating-point and measurement detail is folded away.
WITH_GOING_DEEPER = (
    "book/model",
    "book/sigmoid",
    "book/bce",
    "book/chain_rule",
    "book/learning_rate",
)
_ADMONITION = re.compile(
    r'<div class="([^"]*\badmonition\b[^"]*)">\s*<p class="admonition-title">(.*?)</p>', re.S
)


@pytest.mark.parametrize("docname", WITH_GOING_DEEPER)
def test_going_deeper_is_folded_away(html_dir, docname):
    """Every "Going deeper" admonition is a dropdown (closed until the reader opens it)."""
    text = (html_dir / f"{docname}.html").read_text(encoding="utf-8")
    deeper = [
        classes for classes, title in _ADMONITION.findall(text) if title.startswith(GOING_DEEPER)
    ]
    assert deeper, f"{docname}: no {GOING_DEEPER} dropdown"
    assert all("dropdown" in classes.split() for classes in deeper), deeper


def test_check_cells_with_several_assertions_are_folded():
    """A check cell with two or more assertions shows its output, its code folded (hide-input
    or hide-cell): the fast path reads the result, the code is a click away."""
    from myst_nb.core.read import read_myst_markdown_notebook

    from tests.book._book import BOOK_ROOT, CHECK_PREFIX, CHECKED_CHAPTERS

    unfolded = []
    for docname in CHECKED_CHAPTERS:
        path = BOOK_ROOT / f"{docname}.md"
        nb = read_myst_markdown_notebook(path.read_text(encoding="utf-8"), path=str(path))
        for cell in nb.cells:
            if cell.cell_type != "code" or CHECK_PREFIX not in cell.source:
                continue
            asserts = sum(line.lstrip().startswith("assert") for line in cell.source.splitlines())
            tags = set(cell.metadata.get("tags", []))
            if asserts >= 2 and not tags & {"hide-input", "hide-cell", "remove-input"}:
                unfolded.append(f"{docname}: {cell.source.splitlines()[0]}")
    assert not unfolded, "check cells shown in full:\n" + "\n".join(unfolded)


_SUM_ROLE = re.compile(r"\{reading-minutes\}`([^`]*)`")


def test_the_sums_of_minutes_are_the_pages_own(html_dir):
    """A page that states how long a path through the book takes ({reading-minutes}) states
    the sum of the minutes those pages state under their titles."""
    from tests.book._book import BOOK_ROOT

    checked = 0
    for docname in toc_docnames():
        source = (BOOK_ROOT / f"{docname}.md").read_text(encoding="utf-8")
        roles = _SUM_ROLE.findall(source)
        if not roles:
            continue
        text = re.sub(r"<[^>]+>", "", (html_dir / f"{docname}.html").read_text(encoding="utf-8"))
        assert "{reading-minutes}" not in text and "reading-minutes" not in text, docname
        for role in roles:
            stated = 0
            for page in role.split():
                line = _LINE.search((html_dir / f"{page}.html").read_text(encoding="utf-8"))
                assert line, f"{page}: no reading time"
                stated += int(line.group(1))
            assert re.search(rf"takes about\s+{stated}\s+minutes", text), (docname, stated)
            checked += 1
    assert checked, "no page states the reading time of the required chapters"

"""Every number the book states comes from its code: glued, or a literal of the code beside it.

A number typed into prose goes stale at the next change of data or hyperparameters, and a
figure then contradicts its own caption. The book's rule is that a number in prose, in a
caption or in an alt text is either pasted from the executed code (myst-nb ``glue``) or is a
literal of the code right next to it, where an ``assert`` holds it to the data
(``tests/book/_numbers.py`` says exactly what counts). These tests read every page of
``_toc.yml`` and list each number that nothing backs; and they check that every glued key is
defined by the executed page of this build.

The first tests run the scanner on small made-up pages, so that a change that blinds it
fails here before it silently passes the real book.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.book._book import BOOK_ROOT, executed_notebook, require_built_book, toc_docnames
from tests.book._numbers import (
    glue_keys_used,
    numbers_in,
    prose_text,
    unbacked_numbers,
)

# Numbers a page may state with nothing in its code to back them, each with its reason.
# Keep this list short: a measured quantity belongs in a glue call, not here.
ALLOWED: dict[str, dict[float, str]] = {
    "book/gradient_check": {
        6.0: "the Taylor coefficient 1/3! = 1/6 of the finite-difference expansions",
    },
}

PAGES = [d for d in toc_docnames() if (BOOK_ROOT / f"{d}.md").is_file()]


# --- the scanner on made-up pages ----------------------------------------------------------


def _page(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "page.md"
    header = (
        "---\njupytext:\n  text_representation:\n    extension: .md\n"
        "    format_name: myst\nkernelspec:\n  display_name: Python 3\n"
        "  language: python\n  name: python3\n---\n\n"
    )
    path.write_text(header + body, encoding="utf-8")
    return path


def _flagged(tmp_path: Path, body: str, allowed=None) -> list[str]:
    problems, _ = unbacked_numbers(_page(tmp_path, body), "page", allowed)
    return [claim.number.text for claim in problems]


def test_a_typed_number_is_flagged_and_a_glued_one_is_not(tmp_path):
    body = (
        "The loss after training is 0.119.\n\nThe loss after training is {glue:text}`loss:.3f`.\n"
    )
    assert _flagged(tmp_path, body) == ["0.119"]


def test_a_number_asserted_by_the_next_cell_is_backed_and_a_stale_one_is_not(tmp_path):
    cell = "```{code-cell} ipython3\nassert abs(loss - 0.119) < 0.0005\n```\n"
    assert _flagged(tmp_path, "The loss is 0.119.\n\n" + cell) == []
    # Someone changed the data (and the assert); the prose kept the old value.
    stale = cell.replace("0.119", "0.121")
    assert _flagged(tmp_path, "The loss is 0.119.\n\n" + stale) == ["0.119"]
    # Only the neighbouring code counts, not a cell further down the page.
    far = "The loss is 0.119.\n\n```{code-cell} ipython3\nx = 1\n```\n\nText.\n\n" + cell
    assert _flagged(tmp_path, far) == ["0.119"]
    # A removed cell is invisible: it backs nothing, and the next visible cell counts.
    hidden = "```{code-cell} ipython3\n:tags: [remove-cell]\n\nassert x == 0.119\n```\n"
    assert _flagged(tmp_path, "The loss is 0.119.\n\n" + hidden) == ["0.119"]
    assert _flagged(tmp_path, "The loss is 0.119.\n\n" + hidden + "\n" + cell) == []


def test_inputs_in_the_code_back_the_prose_that_describes_them(tmp_path):
    body = (
        "We use 41 points between 0.5 and 2 and the step $h = 10^{-6}$ (1 %).\n\n"
        "```{code-cell} ipython3\nx = np.linspace(0.5, 2.0, 41)\nh = 1e-6\n"
        "assert err < 0.01\n```\n"
    )
    assert _flagged(tmp_path, body) == []
    assert _flagged(tmp_path, body.replace("41)", "81)")) == ["41"]


def test_captions_and_alt_texts_need_their_own_cell_to_back_them(tmp_path):
    figure = (
        "```{code-cell} ipython3\n---\nmystnb:\n  figure:\n    caption: |\n"
        "      The spike reaches {glue:text}`spike:.3f` at epoch 147.\n"
        '  image:\n    alt: "A spike of 0.417 at epoch 147."\n---\n'
        "plt.plot(h)\nassert abs(h.max() - 0.417) < 0.0005\n```\n"
    )
    # 147 is neither glued nor asserted (twice: caption and alt); 0.417 is asserted.
    assert _flagged(tmp_path, figure) == ["147", "147"]
    assert _flagged(tmp_path, figure.replace("0.417) <", "0.38) <")) == ["147", "0.417", "147"]


def test_math_words_and_the_allow_list(tmp_path):
    body = (
        "$\\sigma' \\le \\tfrac14$, $W_{D+1}$, $x_{ij}^2$, shape (D+1, 1), step 2, and\n"
        "$\\lambda \\approx 2.2 \\times 10^{-16}$, nine times smaller, about 1e-8.\n"
    )
    assert _flagged(tmp_path, body) == ["2.2 \\times 10^{-16}", "1e-8", "nine"]
    allowed = {2.2e-16: "a made-up reason", 9.0: "another", 1e-8: "a third"}
    assert _flagged(tmp_path, body, allowed) == []


def test_code_blocks_roles_and_labels_are_not_prose(tmp_path):
    body = (
        "(sec-17)=\n## A heading\n\n"
        "See {eq}`eq-17`, {numref}`fig-23`, `x = 0.37` and [the 99 link](https://e.org/5).\n\n"
        "```bash\nmake -j 8\n```\n\n"
        "$$\nx = y\n$$ (eq-17)\n\n"
        "```{admonition} Predict first\n:class: tip\n\nIs it 42?\n```\n"
    )
    assert _flagged(tmp_path, body) == ["99", "42"]  # link text and admonition are prose


def test_numbers_in_recognises_the_forms_the_book_writes():
    values = {n.text: (n.value, n.percent) for n in numbers_in(prose_text(
        "0.83 % of 20 000, $6.4 \\times 10^{-6}$, $10^{-7}$, 1.5e-3. And -709.78."
    ))}  # fmt: skip
    assert values["0.83"] == (0.83, True)
    assert values["20 000"] == (20000.0, False)
    assert math.isclose(values["6.4 \\times 10^{-6}"][0], 6.4e-6)
    assert math.isclose(values["10^{-7}"][0], 1e-7)
    assert math.isclose(values["1.5e-3"][0], 1.5e-3)
    assert values["709.78"] == (709.78, False)


# --- the book ------------------------------------------------------------------------------


@pytest.mark.parametrize("docname", PAGES)
def test_every_stated_number_is_glued_or_backed_by_code(docname):
    """No number in prose, captions or alt texts that the page's code does not produce."""
    problems, _ = unbacked_numbers(BOOK_ROOT / f"{docname}.md", docname, ALLOWED.get(docname))
    assert not problems, (
        f"{len(problems)} number(s) that nothing in the code backs; glue them "
        "(myst_nb.glue + {glue:text}), assert them in the cell beside the text, or (for a "
        "true constant) allow them in ALLOWED with the reason:\n"
        + "\n".join(f"  {claim}" for claim in problems)
    )


def test_the_allow_list_holds_nothing_stale():
    """Every allowed number is still stated by its page (a stale entry would hide a new one)."""
    stale = []
    for docname, allowed in ALLOWED.items():
        _, used = unbacked_numbers(BOOK_ROOT / f"{docname}.md", docname, allowed)
        stale += [f"{docname}: {v} ({why})" for v, why in allowed.items() if v not in used]
    assert not stale, "allowed numbers no page states any more:\n" + "\n".join(stale)


@pytest.mark.parametrize("docname", PAGES)
def test_every_glued_key_is_defined_by_the_executed_page(docname):
    """The keys a page pastes are glued by its own cells in this build (none left undefined)."""
    used = glue_keys_used(BOOK_ROOT / f"{docname}.md")
    if not used:
        return
    require_built_book()
    nb = executed_notebook(docname)
    defined = {
        out["metadata"]["scrapbook"]["name"]
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if "scrapbook" in out.get("metadata", {})
    }
    assert not used - defined, f"{docname}: pasted but never glued: {sorted(used - defined)}"


def test_the_book_pastes_what_it_glues(html_dir):
    """The html of the pages with glue roles shows pasted values, not the roles themselves."""
    for docname in PAGES:
        if not glue_keys_used(BOOK_ROOT / f"{docname}.md"):
            continue
        page = (html_dir / f"{docname}.html").read_text(encoding="utf-8")
        assert "{glue" not in page, f"{docname}: a glue role was not rendered"
        assert 'class="pasted-text"' in page or "pasted" in page, docname


def _glue_helpers() -> dict[str, str]:
    """The source of the cell that defines glue() on each page that pastes numbers."""
    from myst_nb.core.read import read_myst_markdown_notebook

    helpers = {}
    for docname in PAGES:
        path = BOOK_ROOT / f"{docname}.md"
        if not glue_keys_used(path):
            continue
        nb = read_myst_markdown_notebook(path.read_text(encoding="utf-8"), path=str(path))
        cells = [c.source for c in nb.cells if c.cell_type == "code" and "def glue(" in c.source]
        assert len(cells) == 1, f"{docname}: {len(cells)} cells define glue()"
        helpers[docname] = cells[0]
    return helpers


def test_the_pages_glue_writes_what_myst_nb_glue_writes(monkeypatch):
    """The pages' glue() (myst_nb.glue written out, without its slow imports) is the same.

    Every page carries the same cell, and for numbers, strings and Markdown it displays the
    very bundle and metadata that ``myst_nb.glue`` displays, so the roles find the values.
    """
    import IPython.display
    from IPython.display import Markdown
    from myst_nb.ext import glue as myst_glue

    helpers = _glue_helpers()
    assert len(set(helpers.values())) == 1, "the pages' glue cells differ"
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append((a, k)))
    monkeypatch.setattr(myst_glue, "ipy_display", lambda *a, **k: shown.append((a, k)))
    namespace: dict = {}
    exec(next(iter(helpers.values())), namespace)
    for value in (0.5, 42, "0.83 %", Markdown("$2.2 \\times 10^{-16}$")):
        for display in (False, True):
            shown.clear()
            namespace["glue"]("key", value, display=display)
            myst_glue.glue("key", value, display)
            assert len(shown) == 2 and shown[0] == shown[1], shown

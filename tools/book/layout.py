"""Small layout and accessibility fixes in the built html pages that CSS alone cannot make.

Sphinx writes inline code such as ``(N, 1)`` as ``<code ...><span class="pre">(N,</span>
<span class="pre">1)</span></code>``: the browser may break the line at that space, and a
table cell on a phone then shows "(N," above "1)". :func:`keep_short_code_together` joins the
words of a short inline code (a shape, a call like ``W[:D]``) with a no-break space and marks it
with the class ``book-short``, which ``book.css`` keeps on one line; long code still wraps at its
spaces and, on a phone, inside a long name or path where it must.
"""

from __future__ import annotations

import re
from pathlib import Path

# Inline code up to this many characters is never broken at a space.
SHORT_CODE = 16

_CODE = re.compile(r'<code class="docutils literal notranslate">(.*?)(</code>)', re.DOTALL)
# The class book.css keeps on one line.
SHORT_CLASS = "book-short"
_SHORT_OPEN = f'<code class="docutils literal notranslate {SHORT_CLASS}">'
_GAP = re.compile(r'(</span>) (<span class="pre">)')
_TAGS = re.compile(r"<[^>]+>")


def keep_short_code_together(text: str) -> str:
    """The page with every short inline code unbreakable (idempotent)."""

    def join(match: re.Match) -> str:
        inner = match.group(1)
        if len(_TAGS.sub("", inner)) > SHORT_CODE:
            return match.group(0)
        return _SHORT_OPEN + _GAP.sub(r"\1&#160;\2", inner) + match.group(2)

    return _CODE.sub(join, text)


# Sphinx marks the bibliography as role="list" whose entries have role="doc-biblioentry" (a role
# deprecated in ARIA 1.3): a list without list items, an error for screen readers and axe.
_BIBLIO_ENTRY = re.compile(r'(<div class="citation" id="[^"]*") role="doc-biblioentry"')


def fix_bibliography(text: str) -> str:
    """Bibliography entries as list items of their list (idempotent)."""
    return _BIBLIO_ENTRY.sub(r'\1 role="listitem"', text)


def fix_pages(html_dir: Path) -> int:
    """Apply the fixes to every html page; returns how many pages changed."""
    changed = 0
    for page in sorted(html_dir.rglob("*.html")):
        if "_static" in page.relative_to(html_dir).parts:
            continue
        text = page.read_text(encoding="utf-8")
        fixed = fix_bibliography(keep_short_code_together(text))
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
            changed += 1
    return changed

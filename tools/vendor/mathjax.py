"""The course's one MathJax driver, for the book and the feedback: ``mathjax.js`` on node.

The book (``tools.book.math``) and the feedback (``tools.grader.feedback``) typeset their TeX
with the same vendored MathJax (``tools.vendor.NPM_PACKAGES``) and the same TeX setup (the
packages of ``mathjax.js``), so a TeX package added for the book is there for the feedback
too (``tests/book/test_mathjax.py`` typesets every formula of the book both ways).

- :func:`typeset_formulas`: formulas, page by page, into MathJax CommonHTML (the book: its
  pages then load the fonts they use and no script). Any TeX error raises.
- :func:`typeset_files`: HTML files typeset in place into SVG (the feedback: no script, no
  font, no network). A TeX error is shown in the page and returned.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

DRIVER = Path(__file__).with_name("mathjax.js")


class MathJaxError(RuntimeError):
    """node is missing, or MathJax failed (for the book: a formula it cannot typeset)."""


def _run(args: list[str], node_modules: Path, stdin: str | None = None) -> dict:
    node = shutil.which("node")
    if node is None:
        raise MathJaxError("node is needed to typeset the math (apt-get install nodejs)")
    proc = subprocess.run(
        [node, str(DRIVER), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=dict(os.environ, MATHJAX_MODULES=str(node_modules)),
        check=False,
    )
    if proc.returncode:
        raise MathJaxError(proc.stderr[-4000:])
    return json.loads(proc.stdout)


def typeset_formulas(pages: list[dict], node_modules: Path) -> list[dict]:
    """Typeset each page's formulas into CommonHTML.

    :param pages: ``[{"id": str, "fontURL": str, "formulas": [{"tex": str, "display": bool}]}]``
    :param node_modules: the vendored ``node_modules`` (``tools.vendor.node_modules(root)``).
    :return: ``[{"id": str, "html": [markup of each formula, in order], "css": str}]``
    :raises MathJaxError: node is missing, or a formula does not typeset (its page and TeX
        are named).
    """
    return _run(["formulas"], node_modules, json.dumps({"pages": pages}))["pages"]


def typeset_files(paths: list[str], node_modules: Path) -> dict:
    """Typeset the math of the HTML files ``paths`` in place, into SVG.

    :return: ``{"files": int, "formulas": int, "errors": [message, ...]}``; a formula with an
        error is shown as MathJax shows it (the page is still written).
    :raises MathJaxError: node is missing, or MathJax failed as a whole.
    """
    if not paths:
        return {"files": 0, "formulas": 0, "errors": []}
    return _run(["files", *map(str, paths)], node_modules)

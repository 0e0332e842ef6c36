"""Sphinx extension: every executable page of the book is downloadable as a Jupyter notebook.

A page written as a MyST notebook (a ``.md`` file with a jupytext header) is converted with
jupytext into ``<html>/_sources/<docname>.ipynb`` when the build finishes, and the theme's
download menu (sphinx-book-theme reads ``context["ipynb_source"]``) offers it as ``.ipynb``
beside the ``.md`` source and the print-to-PDF button.

The notebook holds the page's cells without outputs: it runs top to bottom in Jupyter next to a
copy of ``exercise_code`` (see the book's page ``run_locally``). Its markdown cells keep the MyST
syntax (``{eq}`` references, directives), which Jupyter shows as plain text.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
from sphinx.application import Sphinx

# Pages whose code reads the course repository itself (nbgrader_config.py, tools/): a
# downloaded notebook cannot carry it, so they are offered as pages only.
COURSE_PAGES = {"instructors"}


def is_notebook_page(source: Path) -> bool:
    """True for a MyST notebook (a markdown page whose front matter has a jupytext header)
    that runs on its own beside ``exercise_code``."""
    if source.suffix != ".md" or not source.is_file() or source.stem in COURSE_PAGES:
        return False
    text = source.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return False
    front = text[4 : text.find("\n---", 4)]
    return "jupytext:" in front and "kernelspec:" in front


def notebook_name(docname: str) -> str:
    """Where the notebook of ``docname`` lives, relative to ``<html>/_sources``."""
    return f"{docname}.ipynb"


def _add_download(app: Sphinx, pagename: str, templatename, context, doctree) -> None:
    if pagename in app.env.found_docs and is_notebook_page(Path(app.env.doc2path(pagename))):
        context["ipynb_source"] = notebook_name(pagename)


def write_notebook(source: Path, dest: Path) -> None:
    """Convert one MyST notebook page into a clean ``.ipynb`` (no outputs)."""
    notebook = jupytext.read(source)
    notebook.metadata.pop("jupytext", None)  # the pairing with the .md does not travel
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, dest)


def _write_notebooks(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for docname in sorted(app.env.found_docs):
        source = Path(app.env.doc2path(docname))
        if is_notebook_page(source):
            write_notebook(source, Path(app.outdir) / "_sources" / notebook_name(docname))


def setup(app: Sphinx) -> dict:
    # Before sphinx-book-theme builds its header buttons (priority 501).
    app.connect("html-page-context", _add_download, priority=500)
    app.connect("build-finished", _write_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

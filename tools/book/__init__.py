"""The book: its strict offline build (``python -m tools.book.build``) and the steps after it.

``build`` runs jupyter-book, then ``math`` (static math, with ``tools.vendor.mathjax``),
``icons`` (the icons the pages use) and ``layout``; ``notebooks`` and ``reading_time`` are
Sphinx extensions (``_config.yml``). Imports the vendored npm packages and the course's names,
never the grader or the release (``make lint``).
"""

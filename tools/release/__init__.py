"""The student release: ``python -m tools.release.generate`` builds ``release/ex04`` with
nbgrader and verifies it; ``strip_solutions`` stubs the solution regions of ``.py`` files (the
release hook in ``tools.grader.hooks`` runs it). Never imports the grader or the book
(``make lint``).
"""

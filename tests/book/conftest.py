"""Fixtures for the tests of the built book (paths and helpers live in ``_book.py``)."""

from pathlib import Path

import pytest

from tests.book._book import require_built_book


@pytest.fixture(scope="session")
def html_dir() -> Path:
    """The built html folder; the test fails with "run make book" if it is missing."""
    return require_built_book()

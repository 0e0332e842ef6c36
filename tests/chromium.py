"""Debian's Chromium for the browser tests (``tools.chromium`` starts it for tests and tools)."""

from contextlib import contextmanager
from pathlib import Path

import pytest

from tools.chromium import CHROMIUM, MISSING, launch


@contextmanager
def chromium():
    """A headless Chromium (fails the test, naming the fix, if it is not installed)."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(MISSING)
    with launch() as browser:
        yield browser

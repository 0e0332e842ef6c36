"""Debian's Chromium, driven by Playwright: how every browser test and tool starts it.

Playwright never downloads a browser of its own here; the flags keep Chromium from reaching
for the network in the background (this machine's network is closed).
"""

from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = f"{CHROMIUM} missing: run `make browser` (apt-get install chromium)"


@contextmanager
def launch(env=None):
    """A headless Chromium, closed on exit. ``env``: the browser's environment (default: ours).

    :raises FileNotFoundError: Chromium is not installed (the message names the fix).
    """
    if not Path(CHROMIUM).is_file():
        raise FileNotFoundError(MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, env=env
        )
        try:
            yield browser
        finally:
            browser.close()

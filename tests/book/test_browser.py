"""Every page of the built book in a real browser (Debian's Chromium through Playwright), offline.

A local HTTP server serves ``_build/html``; every request to another host is blocked and counted
as a failure. For each page: math is typeset by the vendored MathJax, every image loaded, no
console error, no failed request, every internal link and anchor resolves, widgets render where
the page embeds them. A full-page screenshot of each page goes to ``_build/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.book._book import (
    HTML_DIR,
    SCREENSHOT_DIR,
    WIDGET_PAGE,
    expected_html_pages,
    require_built_book,
)
from tests.book._html import read_page

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

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
# Seconds to wait for MathJax or the widget manager to finish on a page.
RENDER_TIMEOUT_MS = 15_000


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def server():
    """Serve the html folder on 127.0.0.1 (random free port); yields the base URL."""
    html_dir = require_built_book()
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium; Playwright never downloads a browser of its own here."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


# Run in the page: strip code, scripts and typeset math, then look for TeX left as raw text.
_RAW_TEX_JS = """() => {
    const clone = document.body.cloneNode(true);
    clone.querySelectorAll('pre, code, script, style, mjx-container, textarea')
         .forEach(e => e.remove());
    const text = clone.textContent;
    return ['$$', '\\\\[', '\\\\(', '\\\\begin{'].filter(s => text.includes(s));
}"""

_MATH_JS = """() => {
    const math = Array.from(document.querySelectorAll('.math'));
    return {
        total: math.length,
        untypeset: math.filter(e => !e.querySelector('mjx-container'))
                       .map(e => e.textContent.slice(0, 80)),
        containers: document.querySelectorAll('mjx-container').length,
        errors: Array.from(document.querySelectorAll('mjx-merror, [data-mjx-error]'))
                     .map(e => (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 80)),
    };
}"""

_IMAGES_JS = """async () => {
    const imgs = Array.from(document.images);
    imgs.forEach(img => { img.loading = 'eager'; });
    await Promise.all(imgs.map(img => img.complete ? null :
        new Promise(resolve => { img.onload = img.onerror = resolve; })));
    return imgs.filter(img => !(img.naturalWidth > 0)).map(img => img.getAttribute('src'));
}"""

_WIDGETS_JS = """() => ({
    views: document.querySelectorAll(
        'script[type="application/vnd.jupyter.widget-view+json"]').length,
    rendered: document.querySelectorAll('.jupyter-widgets').length,
    sliders: document.querySelectorAll('.widget-slider, .jupyter-widget-slider').length,
    errors: Array.from(document.querySelectorAll('.jupyter-widgets'))
        .filter(e => /Error displaying widget|model not found/i.test(e.textContent)).length,
})"""


def _target_file(url_path: str) -> Path:
    """The file the local server answers ``url_path`` with."""
    rel = unquote(url_path).lstrip("/")
    target = HTML_DIR / rel
    if not rel or rel.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def _check_links(page_rel: str, hrefs: list[str], live_ids: set[str], origin: str) -> list[str]:
    """Internal links: the target file exists; a #fragment names an id in the target."""
    problems = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue  # a plain hyperlink to another site (not followed: we are offline)
        target = _target_file(parts.path)
        if not target.is_file():
            problems.append(f"broken link {href!r}")
            continue
        fragment = unquote(parts.fragment)
        if not fragment:
            continue
        if target == HTML_DIR / page_rel:
            ids = live_ids  # the live DOM also holds ids made by scripts
        elif target.suffix == ".html":
            ids = read_page(target).ids
        else:
            continue
        if fragment not in ids:
            problems.append(f"missing anchor {href!r}")
    return problems


@pytest.mark.parametrize("page_rel", expected_html_pages())
def test_page_in_browser(page_rel, server, browser):
    html_dir = require_built_book()
    assert (html_dir / page_rel).is_file(), f"{page_rel} was not built: run `make book`"
    origin = server.rstrip("/")
    failures: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    def route(route):
        url = route.request.url
        if url.startswith(server) or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            failures.append(f"blocked non-local request: {url}")
            route.abort()

    page.route("**/*", route)
    page.on(
        "console",
        lambda msg: (
            failures.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: failures.append(f"page error: {exc}"))
    page.on(
        "requestfailed",
        lambda req: failures.append(f"request failed: {req.url} ({req.failure})"),
    )
    page.on(
        "response",
        lambda resp: (
            failures.append(f"HTTP {resp.status}: {resp.url}") if resp.status >= 400 else None
        ),
    )
    try:
        page.goto(server + page_rel, wait_until="load")
        if page_rel == "index.html":
            # The root page is jupyter-book's redirect to the first chapter: follow it.
            page.wait_for_url("**/book/*.html", wait_until="load", timeout=RENDER_TIMEOUT_MS)

        # Math: every Sphinx math node holds MathJax output, no TeX is left as text.
        # MathJax's script is deferred, so by the load event it has run (if the page has it).
        if page.locator(".math").count():
            if page.evaluate("() => !!(window.MathJax && MathJax.startup)"):
                page.evaluate("() => MathJax.startup.promise")
                math = page.evaluate(_MATH_JS)
                if not math["containers"]:
                    failures.append("MathJax produced no output")
                failures += [f"math not typeset: {t!r}" for t in math["untypeset"]]
                failures += [f"MathJax error: {t!r}" for t in math["errors"]]
            else:
                # Sphinx loads MathJax only on pages with math in their *body*: math in a
                # page title shows up raw in the navigation of every other page.
                raw = page.eval_on_selector_all(".math", "els => els.map(e => e.textContent)")
                failures.append(f"math on a page without MathJax (math in a title?): {raw}")
        failures += [f"raw TeX left in the text: {s!r}" for s in page.evaluate(_RAW_TEX_JS)]

        # Images: all loaded.
        failures += [f"image not loaded: {src}" for src in page.evaluate(_IMAGES_JS)]

        # Widgets: the embedded state is rendered by the local widget manager.
        widgets = page.evaluate(_WIDGETS_JS)
        if widgets["views"] or page_rel == f"{WIDGET_PAGE}.html":
            try:
                page.wait_for_selector(".jupyter-widgets", timeout=RENDER_TIMEOUT_MS)
            except Exception:
                failures.append("widgets were not rendered")
            widgets = page.evaluate(_WIDGETS_JS)
            if page_rel == f"{WIDGET_PAGE}.html" and not widgets["sliders"]:
                failures.append(f"no slider rendered on the widget page: {widgets}")
            if widgets["errors"]:
                failures.append(f"{widgets['errors']} widget(s) failed to display")

        # Links and anchors.
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        live_ids = set(
            page.eval_on_selector_all("[id], a[name]", "els => els.map(e => e.id || e.name)")
        )
        failures += _check_links(page_rel, hrefs, live_ids, origin)

        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOT_DIR / (page_rel.removesuffix(".html").replace("/", "__") + ".png")
        page.screenshot(path=str(shot), full_page=True, animations="disabled")
    finally:
        context.close()
    assert not failures, f"{page_rel}:\n  " + "\n  ".join(failures)

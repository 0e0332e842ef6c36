"""Every page of the built book in a real browser (Debian's Chromium through Playwright), offline.

A local HTTP server serves ``_build/html``; every request to another host is blocked and counted
as a failure. For each page: math is typeset, every image loaded, no console error, no failed
request, every internal link and anchor resolves; a cold load (empty cache) transfers less than
``MAX_PAGE_BYTES``; axe-core finds no critical or serious accessibility violation; at a phone's
width (390 px) and a desktop's (1280 px) nothing is wider than its box and every equation number
is visible beside its equation. Full-page screenshots at both widths go to
``_build/screenshots/``, and the measurements of every page to ``_build/browser-report.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.book._book import (
    BUILD_DIR,
    HTML_DIR,
    SCREENSHOT_DIR,
    expected_html_pages,
    require_built_book,
)
from tests.book._browser import (
    AXE_JS,
    DESKTOP,
    IMAGES_JS,
    LAYOUT_JS,
    LAYOUT_SLACK_PX,
    MATH_JS,
    MAX_PAGE_BYTES,
    PHONE,
    RAW_TEX_JS,
    UNFOLD_JS,
    serve,
)
from tests.book._html import read_page
from tools.build_book import ensure_test_vendor

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
# Milliseconds to wait for a redirect or a rendering script on a page.
RENDER_TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def server():
    """Serve the html folder on 127.0.0.1 (random free port); yields the base URL."""
    with serve(require_built_book()) as url:
        yield url


@pytest.fixture(scope="module")
def axe_source() -> str:
    """axe-core's script (pinned npm package, installed once under _build/.vendor/test)."""
    return ensure_test_vendor().read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report():
    """Per-page measurements, written to _build/browser-report.json at the end."""
    data: dict[str, dict] = {}
    yield data
    path = BUILD_DIR / "browser-report.json"
    old = json.loads(path.read_text()) if path.is_file() else {}
    path.write_text(json.dumps(old | data, indent=1, sort_keys=True))


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


class PageWatch:
    """A fresh browser context (empty cache) watching one page for failures and bytes."""

    def __init__(self, browser, base_url: str, viewport: dict[str, int]):
        self.base_url = base_url
        self.failures: list[str] = []
        self.bytes = 0
        self.requests = 0
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.failures.append(f"page error: {exc}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("requestfinished", self._finished)
        self.page.on("response", self._response)

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base_url) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.failures.append(f"blocked non-local request: {url}")
            route.abort()

    def _console(self, msg):
        if msg.type == "error":
            self.failures.append(f"console {msg.type}: {msg.text}")

    def _failed(self, req):
        self.failures.append(f"request failed: {req.url} ({req.failure})")

    def _finished(self, req):
        if req.url.startswith(("data:", "blob:")):
            return
        sizes = req.sizes()
        self.bytes += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        self.requests += 1

    def _response(self, resp):
        if resp.status >= 400:
            self.failures.append(f"HTTP {resp.status}: {resp.url}")

    def check_math(self) -> None:
        """Every math node typeset, no MathJax error, no TeX left as text, fonts loaded."""
        page = self.page
        if page.evaluate("() => !!(window.MathJax && MathJax.startup)"):
            page.evaluate("() => MathJax.startup.promise")  # typesetting in the browser
        page.evaluate("() => document.fonts.ready.then(() => true)")
        if page.locator(".math").count():
            math = page.evaluate(MATH_JS)
            if not math["containers"]:
                self.failures.append("no typeset math on a page with math")
            self.failures += [f"math not typeset: {t!r}" for t in math["untypeset"]]
            self.failures += [f"MathJax error: {t!r}" for t in math["errors"]]
            self.failures += [f"math font failed: {f}" for f in math["fonts"] if "error" in f]
        self.failures += [f"raw TeX left in the text: {s!r}" for s in page.evaluate(RAW_TEX_JS)]

    def check_images(self) -> None:
        self.failures += [f"image not loaded: {src}" for src in self.page.evaluate(IMAGES_JS)]

    def close(self) -> None:
        self.context.close()


def _screenshot(page, page_rel: str, width: int) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    stem = page_rel.removesuffix(".html").replace("/", "__")
    page.screenshot(path=str(SCREENSHOT_DIR / f"{stem}-{width}.png"), full_page=True)


@pytest.mark.parametrize("page_rel", expected_html_pages())
def test_page_in_browser(page_rel, server, browser, axe_source, report):
    html_dir = require_built_book()
    assert (html_dir / page_rel).is_file(), f"{page_rel} was not built: run `make book`"
    watch = PageWatch(browser, server, DESKTOP)
    page = watch.page
    failures = watch.failures
    metrics: dict = {}
    try:
        page.goto(server + page_rel, wait_until="load")
        if page_rel == "index.html":
            # The root page is jupyter-book's redirect to the first chapter: follow it.
            page.wait_for_url("**/book/*.html", wait_until="load", timeout=RENDER_TIMEOUT_MS)
        watch.check_math()
        watch.check_images()
        page.wait_for_load_state("networkidle")
        metrics["bytes"] = watch.bytes
        metrics["requests"] = watch.requests
        if watch.bytes >= MAX_PAGE_BYTES:
            failures.append(f"cold load of {watch.bytes} bytes (budget {MAX_PAGE_BYTES})")

        # Links and anchors.
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        live_ids = set(
            page.eval_on_selector_all("[id], a[name]", "els => els.map(e => e.id || e.name)")
        )
        failures += _check_links(page_rel, hrefs, live_ids, server.rstrip("/"))

        # Accessibility: axe-core, injected as a script text (no request).
        page.add_script_tag(content=axe_source)
        violations = page.evaluate(AXE_JS)
        metrics["axe"] = {v["id"]: [v["impact"], v["count"]] for v in violations}
        failures += [
            f"axe {v['impact']} {v['id']} ({v['count']}x, e.g. {v['targets']}): {v['help']}"
            for v in violations
            if v["impact"] in ("critical", "serious")
        ]

        # Layout at both widths, folded blocks unfolded.
        page.evaluate(UNFOLD_JS)
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            page.wait_for_timeout(100)  # let the layout settle (media queries, sidebars)
            problems = page.evaluate(LAYOUT_JS, LAYOUT_SLACK_PX)
            metrics[f"layout_{viewport['width']}"] = problems
            failures += [f"at {viewport['width']} px: {p}" for p in problems]
            _screenshot(page, page_rel, viewport["width"])
    finally:
        watch.close()
        report[page_rel] = metrics
    assert not failures, f"{page_rel}:\n  " + "\n  ".join(failures)

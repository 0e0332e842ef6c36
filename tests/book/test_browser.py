"""Every page of the built book in a real browser (Debian's Chromium through Playwright), offline.

A local HTTP server serves ``_build/html``; every request to another host is blocked and counted
as a failure. For each page: math is typeset, every image loaded, no console error, no failed
request, every internal link and anchor resolves; a cold load (empty cache) transfers less than
``MAX_PAGE_BYTES``; axe-core finds no critical or serious accessibility violation; at a phone's
width (390 px) and a desktop's (1280 px) nothing is wider than its box and every equation number
is visible beside its equation. Full-page screenshots at both widths and the measurements of
every page (``browser-report.json``) go to the test's own temporary folder, printed at the end.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.book._book import (
    EXPLORER_PAGE,
    HTML_DIR,
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
from tests.chromium import chromium
from tools.vendor import ensure_test_vendor

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

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
def artifacts(tmp_path_factory):
    """The test's own folder for screenshots and the report (pytest keeps the last runs)."""
    return tmp_path_factory.mktemp("book-browser")


@pytest.fixture(scope="module")
def report(artifacts):
    """Per-page measurements, written to browser-report.json (in ``artifacts``) at the end."""
    data: dict[str, dict] = {}
    yield data
    path = artifacts / "browser-report.json"
    path.write_text(json.dumps(data, indent=1, sort_keys=True))
    print(f"\nbrowser test: screenshots and report in {artifacts}")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium; Playwright never downloads a browser of its own here."""
    with chromium() as browser:
        yield browser


INERT_CONTROLS_JS = """() => {
    const article = document.querySelector('article.bd-article') || document.body;
    const controls = article.querySelectorAll('input, select, textarea, .jupyter-widgets,' +
        ' .animation, script[type^="application/vnd.jupyter.widget"]');
    return Array.from(controls)
        .filter(c => !c.closest('.gd-explorer[data-mounted], form[action]'))
        .map(c => c.outerHTML.slice(0, 80));
}"""


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
        page = self.page  # math is typeset at build time: no page loads MathJax (test_book_output)
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


def _screenshot(page, page_rel: str, width: int, folder: Path) -> None:
    stem = page_rel.removesuffix(".html").replace("/", "__")
    page.screenshot(path=str(folder / f"{stem}-{width}.png"), full_page=True)


@pytest.mark.parametrize("page_rel", expected_html_pages())
def test_page_in_browser(page_rel, server, browser, axe_source, report, artifacts):
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

        # Every control of the page's content does something: the only ones are the explorers'
        # (mounted by gd_explorer.js); no inert widget (ipywidgets' static state) is left.
        inert = page.evaluate(INERT_CONTROLS_JS)
        failures += [f"control with no effect: {c}" for c in inert]

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
            _screenshot(page, page_rel, viewport["width"], artifacts)
    finally:
        watch.close()
        report[page_rel] = metrics
    assert not failures, f"{page_rel}:\n  " + "\n  ".join(failures)


# A loss readout has five decimals: it may differ from the stored value by half a unit of the
# fifth decimal (rounding), never more.
READOUT_TOL = 0.5e-5
# The plots' SVG coordinates are written as floats; mapping them back to data units loses a
# few ulps.
SVG_TOL = 1e-6
_LOSS = re.compile(r"loss (\d+\.\d{5})")


def _explorer(page):
    """The page's one explorer (the loss map and the replay of training) and its JSON data."""
    roots = page.locator(".gd-explorer[data-mounted]")
    assert roots.count() == 1, f"{roots.count()} mounted explorers (one is agreed)"
    root = roots.first
    return root, json.loads(root.locator("script.gd-data").text_content())


def _losses_shown(root) -> list[float]:
    """Every loss the explorer shows: the readout and the plot titles."""
    texts = [root.locator(".gd-readout").text_content()]
    texts += root.locator(".gd-title").all_text_contents()
    found = [float(m) for t in texts for m in _LOSS.findall(t)]
    assert len(found) == len(texts), texts
    return found


def _to_data(root, plot_class: str):
    """Maps SVG pixel coordinates of a plot back to data coordinates."""
    svg = root.locator(f"svg.{plot_class}")
    x0, x1 = map(float, svg.get_attribute("data-x-domain").split(","))
    y0, y1 = map(float, svg.get_attribute("data-y-domain").split(","))
    left, top, right, bottom = map(float, svg.get_attribute("data-box").split(","))

    def to_data(px: float, py: float) -> tuple[float, float]:
        return (
            x0 + (px - left) / (right - left) * (x1 - x0),
            y0 + (bottom - py) / (bottom - top) * (y1 - y0),
        )

    return svg, to_data


def _check_weights_drawn(root, W: list[float], loss: float) -> None:
    """Readout, titles, boundary line (and marker, if any) agree with W and its loss."""
    for shown in _losses_shown(root):
        assert abs(shown - loss) <= READOUT_TOL, (shown, loss)
    svg, to_data = _to_data(root, "gd-data-plot")
    line = svg.locator("line.gd-boundary")
    for end in ("1", "2"):
        x, y = to_data(float(line.get_attribute(f"x{end}")), float(line.get_attribute(f"y{end}")))
        assert abs(W[0] * x + W[1] * y + W[2]) <= SVG_TOL * (1 + abs(W[0]) + abs(W[1])), (x, y, W)
    svg, to_data = _to_data(root, "gd-loss-plot")
    marker = svg.locator("circle.gd-marker")
    w1, w2 = to_data(float(marker.get_attribute("cx")), float(marker.get_attribute("cy")))
    assert abs(w1 - W[0]) <= SVG_TOL and abs(w2 - W[1]) <= SVG_TOL, (w1, w2, W)


def _drag_to_end(page, slider) -> None:
    """Drag a range input's thumb with the mouse to its right end."""
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    value = float(slider.input_value())
    low, high = float(slider.get_attribute("min")), float(slider.get_attribute("max"))
    thumb_x = box["x"] + box["width"] * (value - low) / (high - low)
    page.mouse.move(thumb_x, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] + 20, box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()


def test_explorer_moves(server, browser):
    """The explorer's controls change the plots and the readouts, to the precomputed values."""
    watch = PageWatch(browser, server, DESKTOP)
    page = watch.page
    try:
        page.goto(f"{server}{EXPLORER_PAGE}.html", wait_until="load")
        root, data = _explorer(page)
        grid = data["grid"]
        n1, n2 = len(grid["w1"]), len(grid["w2"])
        sliders = {name: root.locator(f'input[data-weight="{name}"]') for name in ("w1", "w2", "b")}
        cells = root.locator(".gd-loss-plot rect[fill]")
        fills_before = cells.evaluate_all("els => els.map(e => e.getAttribute('fill'))")

        # Keyboard on w1 (to its lowest value), typed value on w2, mouse drag on b.
        sliders["w1"].focus()
        page.keyboard.press("Home")
        sliders["w2"].fill("3")
        _drag_to_end(page, sliders["b"])
        i, j, k = (int(sliders[n].input_value()) for n in ("w1", "w2", "b"))
        assert (i, j, k) == (0, 3, len(grid["b"]) - 1)
        flat = (k * n2 + j) * n1 + i
        W = [grid["w1"][i], grid["w2"][j], grid["b"][k]]
        _check_weights_drawn(root, W, grid["loss"][flat])
        assert "your weights: w = (−2.00, −0.50, 2.00)" in root.locator(".gd-readout").inner_text()
        fills_after = cells.evaluate_all("els => els.map(e => e.getAttribute('fill'))")
        assert fills_after != fills_before, "the loss map did not follow b"

        # Gradient descent: another learning rate, then an epoch by keyboard.
        path_index = next(n for n, p in enumerate(data["paths"]) if p["lr"] == 10.0)
        root.locator("select").select_option(str(path_index))
        epoch = root.locator("input[type=range]:not([data-weight])")
        epoch.focus()
        for _ in range(37):
            page.keyboard.press("ArrowRight")
        path = data["paths"][path_index]
        assert int(epoch.input_value()) == 37
        _check_weights_drawn(root, path["W"][37], path["loss"][37])
        points = root.locator(".gd-loss-plot polyline.gd-path").get_attribute("points").split()
        assert len(points) == 38, "the drawn path should end at epoch 37"

        # Play advances the epoch; Pause stops it.
        root.locator("button.gd-play").click()
        page.wait_for_function("el => +el.value > 37", arg=epoch.element_handle(), timeout=5000)
        root.locator("button.gd-play").click()
        t = int(epoch.input_value())
        _check_weights_drawn(root, path["W"][t], path["loss"][t])

        # The replay of the training run at eta = 1: the last epoch's weights, by mouse.
        root.locator("select").select_option(str(data["default_path"]))
        frames = data["paths"][data["default_path"]]
        _drag_to_end(page, epoch)
        last = len(frames["epochs"]) - 1
        assert int(epoch.input_value()) == last
        _check_weights_drawn(root, frames["W"][last], frames["loss"][last])
        assert f"epoch {frames['epochs'][last]}:" in root.locator(".gd-readout").inner_text()
    finally:
        watch.close()
    assert not watch.failures, watch.failures


def test_explorer_has_a_colour_bar_and_a_legend(server, browser):
    """The loss map's colours are explained: a colour bar whose ticks span the grid's losses
    (on the map's logarithmic scale), and a legend naming every mark of both plots."""
    watch = PageWatch(browser, server, DESKTOP)
    page = watch.page
    try:
        page.goto(f"{server}{EXPLORER_PAGE}.html", wait_until="load")
        root, data = _explorer(page)
        low, high = data["grid"]["loss_range"]
        bar = root.locator(".gd-loss-plot .gd-colourbar")
        assert bar.locator("rect").count() == 1 and bar.locator("stop").count() >= 2
        ticks = [float(t) for t in bar.locator("text").all_text_contents() if t != "loss"]
        assert len(ticks) >= 3 and all(low <= t <= high for t in ticks), (ticks, low, high)
        assert ticks == sorted(ticks) and len(set(ticks)) == len(ticks), ticks
        legend = root.locator(".gd-legend li").all_inner_texts()
        levels = data["levels"]
        expected = ["minimum", "weights drawn", "path of gradient descent", "decision line",
                    f"z = {levels[0]} and z = {levels[1]}", "malignant", "benign"]  # fmt: skip
        for name in expected:
            assert any(name in item for item in legend), (name, legend)
    finally:
        watch.close()
    assert not watch.failures, watch.failures


# Lets a drawn label overhang its SVG by this much (anti-aliasing of the glyphs' edges).
CLIP_SLACK_PX = 0.5

CLIPPED_TEXT_JS = """(slack) => {
    const out = [];
    for (const svg of document.querySelectorAll('article svg')) {
        const box = svg.getBoundingClientRect();
        if (!box.width) continue;
        for (const t of svg.querySelectorAll('text')) {
            const r = t.getBoundingClientRect();
            if (!r.width || !t.textContent.trim()) continue;
            if (r.left < box.left - slack || r.right > box.right + slack ||
                r.top < box.top - slack || r.bottom > box.bottom + slack ||
                r.left < -slack || r.right > window.innerWidth + slack) {
                out.push(t.textContent.trim() + ' at ' + [r.left, r.top, r.right, r.bottom]
                    .map(v => v.toFixed(1)).join(',') + ' in ' + [box.left, box.top, box.right,
                    box.bottom].map(v => v.toFixed(1)).join(','));
            }
        }
    }
    return out;
}"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=lambda v: f"{v['width']}px")
def test_no_axis_label_is_clipped(server, browser, viewport):
    """Every label the explorer draws (titles, ticks, axis names, the colour bar's) lies inside
    its SVG and inside the window, at a phone's width as on a desktop."""
    watch = PageWatch(browser, server, viewport)
    page = watch.page
    try:
        page.goto(f"{server}{EXPLORER_PAGE}.html", wait_until="load")
        page.wait_for_load_state("networkidle")  # fonts in: the labels have their widths
        root, _ = _explorer(page)
        assert root.locator("svg text").count() > 20  # titles, ticks, axis labels, colour bar
        clipped = page.evaluate(CLIPPED_TEXT_JS, CLIP_SLACK_PX)
    finally:
        watch.close()
    assert not clipped, f"at {viewport['width']} px, labels outside their plot:\n" + "\n".join(
        clipped
    )
    assert not watch.failures, watch.failures


def test_glued_numbers_are_in_the_text_weight(server, browser):
    """A number pasted by glue reads like the words around it (myst-nb would make it bold)."""
    watch = PageWatch(browser, server, DESKTOP)
    page = watch.page
    try:
        page.goto(f"{server}book/gradient_descent.html", wait_until="load")
        page.wait_for_load_state("networkidle")
        weights = page.eval_on_selector_all(
            "article p span.pasted-text",
            "els => els.map(e => [getComputedStyle(e).fontWeight,"
            " getComputedStyle(e.parentElement).fontWeight])",
        )
    finally:
        watch.close()
    assert len(weights) > 5, weights
    assert all(mine == around for mine, around in weights), weights


# The pages gradient_descent was split into (it was over 16,000 px tall on a desktop), and the
# height each must stay under, as the reader first sees it (dropdowns and folded code closed).
SPLIT_PAGES = ("book/gradient_descent", "book/learning_rate", EXPLORER_PAGE)
MAX_HEIGHT_PX = {DESKTOP["width"]: 12_000, PHONE["width"]: 20_000}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=lambda v: f"{v['width']}px")
def test_the_gradient_descent_pages_are_of_a_readable_length(server, browser, viewport):
    watch = PageWatch(browser, server, viewport)
    page = watch.page
    heights = {}
    try:
        for docname in SPLIT_PAGES:
            page.goto(f"{server}{docname}.html", wait_until="load")
            # Leaving before the math fonts are in would abort their requests (a failure).
            page.wait_for_load_state("networkidle")
            heights[docname] = page.evaluate("() => document.documentElement.scrollHeight")
    finally:
        watch.close()
    limit = MAX_HEIGHT_PX[viewport["width"]]
    assert all(h < limit for h in heights.values()), (heights, limit)
    assert not watch.failures, watch.failures


SUB_PATH = "/course/ex04/"


def test_site_under_a_sub_path(browser):
    """Served below a sub-path (as GitHub Pages serves a project site): the root redirects,
    pages, math fonts, images, downloads and the search work, and nothing is asked of the
    server's root."""
    with serve(require_built_book(), prefix=SUB_PATH) as base:
        watch = PageWatch(browser, base, DESKTOP)
        page = watch.page
        try:
            page.goto(base, wait_until="load")
            page.wait_for_url("**/book/intro.html", wait_until="load", timeout=RENDER_TIMEOUT_MS)
            page.wait_for_load_state("networkidle")  # leaving earlier would abort its fonts
            for rel in ("book/gradient_descent.html", "book/chain_rule.html"):
                page.goto(base + rel, wait_until="load")
                watch.check_math()
                watch.check_images()
                # The math's fonts come from the sub-path too (a font loads when first drawn).
                page.wait_for_function(
                    "() => Array.from(document.fonts).some("
                    "f => f.family.startsWith('MJX') && f.status === 'loaded')",
                    timeout=RENDER_TIMEOUT_MS,
                )
                hrefs = page.eval_on_selector_all(
                    "a[href$='.ipynb'], a[href$='.zip']", "els => els.map(e => e.href)"
                )
                for href in hrefs:
                    assert page.request.get(href).ok, href
                # Let the page's font loads finish: leaving the page would abort them.
                page.wait_for_load_state("networkidle")
            assert page.locator(".gd-explorer[data-mounted]").count() == 0  # chain_rule
            page.goto(base + "search.html?q=sigmoid", wait_until="load")
            page.wait_for_selector("#search-results li", timeout=RENDER_TIMEOUT_MS)
            results = page.eval_on_selector_all("#search-results li a", "a => a.map(e => e.href)")
            assert results and all(r.startswith(base) for r in results), results
            assert any("book/sigmoid.html" in r for r in results), results
        finally:
            watch.close()
    assert not watch.failures, watch.failures

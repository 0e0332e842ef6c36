"""What the browser tests run in a page: small JavaScript probes and the local servers.

Each probe is a JavaScript function evaluated with Playwright's ``page.evaluate``; it returns
plain data (lists of problems, numbers) for the test to assert on.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Budget of a cold page load (cache empty): the sum of the response bodies and headers of every
# request the page makes until it has rendered (math, images, scripts, fonts).
MAX_PAGE_BYTES = 1_500_000
# The two widths every page must fit: a phone (iPhone 12 to 15, in CSS pixels) and a desktop.
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
# Slack for sub-pixel rounding of layout widths (CSS pixels).
LAYOUT_SLACK_PX = 1

# Run in the page: strip code, scripts and typeset math, then look for TeX left as raw text.
RAW_TEX_JS = """() => {
    const clone = document.body.cloneNode(true);
    clone.querySelectorAll('pre, code, script, style, mjx-container, textarea')
         .forEach(e => e.remove());
    const text = clone.textContent;
    return ['$$', '\\\\[', '\\\\(', '\\\\begin{'].filter(s => text.includes(s));
}"""

MATH_JS = """() => {
    const math = Array.from(document.querySelectorAll('.math'));
    return {
        total: math.length,
        untypeset: math.filter(e => !e.querySelector('mjx-container'))
                       .map(e => e.textContent.slice(0, 80)),
        containers: document.querySelectorAll('mjx-container').length,
        errors: Array.from(document.querySelectorAll('mjx-merror, [data-mjx-error]'))
                     .map(e => (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 80)),
        // The font MathJax draws with must have loaded (else the math shows as tofu).
        fonts: Array.from(document.fonts).filter(f => f.family.startsWith('MJX'))
                    .map(f => f.family + ':' + f.status),
    };
}"""

IMAGES_JS = """async () => {
    const imgs = Array.from(document.images);
    imgs.forEach(img => { img.loading = 'eager'; });
    await Promise.all(imgs.map(img => img.complete ? null :
        new Promise(resolve => { img.onload = img.onerror = resolve; })));
    return imgs.filter(img => !(img.naturalWidth > 0)).map(img => img.getAttribute('src'));
}"""

# Unfold every folded block (solutions, hints), so that the layout check sees their content.
UNFOLD_JS = """() => {
    document.querySelectorAll('details').forEach(d => { d.open = true; });
    document.querySelectorAll('button.toggle-button[aria-expanded="false"]')
            .forEach(b => b.click());
}"""

# Layout at the current viewport: the page must not scroll sideways; no equation, code block,
# table, figure or output may be wider than its box (cut, or hidden in a scroll box); every
# equation number must be inside the page and clear of its equation.
LAYOUT_JS = """(slack) => {
    const problems = [];
    const name = (el) => {
        const id = el.id || (el.closest('[id]') || {}).id || '';
        const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
        return `<${el.tagName.toLowerCase()}${id ? ' #' + id : ''}> "${text}"`;
    };
    const page = document.scrollingElement;
    if (page.scrollWidth > window.innerWidth + slack) {
        problems.push(`the page scrolls sideways by ${page.scrollWidth - window.innerWidth}px`);
    }
    const article = document.querySelector('article.bd-article') || document.body;
    const boxes = article.querySelectorAll(
        'div.math, mjx-container[display="true"], pre, table, .pst-scrollable-table-container,' +
        ' .highlight, figure, img, .cell_output, .output, .gd-explorer, .table-wrapper');
    for (const el of boxes) {
        if (!el.getClientRects().length) continue;  // not displayed
        const over = el.scrollWidth - el.clientWidth;
        if (el.clientWidth && over > slack) {
            problems.push(`${name(el)} is ${over}px wider than its box`);
        }
        const r = el.getBoundingClientRect();
        if (r.right > window.innerWidth + slack || r.left < -slack) {
            problems.push(`${name(el)} sticks out of the window (${r.left}..${r.right})`);
        }
    }
    // Inline math: inside the block that holds it (a glyph's italic overhang is allowed).
    for (const span of article.querySelectorAll('span.math')) {
        const block = span.closest('p, li, td, th, dd, dt, figcaption, div');
        if (!span.getClientRects().length || !block) continue;
        const r = span.getBoundingClientRect(), b = block.getBoundingClientRect();
        if (r.right > b.right + 4 * slack || r.left < b.left - 4 * slack) {
            problems.push(`${name(span)} sticks out of its ${block.tagName.toLowerCase()}`);
        }
    }
    for (const div of article.querySelectorAll('div.math')) {
        if (!div.getClientRects().length) continue;
        const eqno = div.querySelector('.eqno');
        const math = div.querySelector('mjx-math');
        if (!eqno || !math) continue;
        const n = eqno.getBoundingClientRect(), m = math.getBoundingClientRect();
        const d = div.getBoundingClientRect();
        const overlap = n.left < m.right - slack && m.left < n.right - slack &&
                        n.top < m.bottom - slack && m.top < n.bottom - slack;
        const label = eqno.textContent.replace('#', '').trim();
        if (overlap) problems.push(`equation number ${label} covers its equation`);
        if (n.right > d.right + slack || n.left < d.left - slack || n.width < 1) {
            problems.push(`equation number ${label} is not fully visible`);
        }
        if (m.right > d.right + slack || m.left < d.left - slack) {
            problems.push(`equation ${label} is cut (${m.width}px in ${d.width}px)`);
        }
    }
    return problems;
}"""

AXE_JS = """async () => {
    // preload: false, or axe fetches every stylesheet again for its CSSOM rules and resolves
    // their @import against the page instead of the stylesheet (a 404 that is axe's, not ours).
    const result = await axe.run(document, {resultTypes: ['violations'], preload: false});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
        targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
    }));
}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


class _SubPathHandler(_QuietHandler):
    """Serves the site only below ``prefix`` (like GitHub Pages serves a project site)."""

    prefix = "/"

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / ".no-such-file")  # 404 outside the sub-path
        return super().translate_path("/" + path[len(self.prefix) :])


@contextmanager
def serve(html_dir: Path, prefix: str = "/") -> Iterator[str]:
    """Serve ``html_dir`` at ``http://127.0.0.1:<port><prefix>``; yields that URL."""
    handler_cls = type("Handler", (_SubPathHandler,), {"prefix": prefix})
    handler = functools.partial(handler_cls, directory=str(html_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}{prefix}"
    finally:
        httpd.shutdown()
        httpd.server_close()

"""Feedback HTML that reads well offline: static math, no script, long messages wrapped.

nbgrader's feedback template loads MathJax 2 from a CDN, so a student offline (or behind a
firewall) sees raw TeX. After ``generate_feedback``, ``finish(paths)``:

- typesets the math of each page as static SVG with MathJax on node (``tools.vendor.mathjax``,
  the course's one MathJax driver: the book's MathJax and TeX packages);
- removes every ``<script>`` (remote MathJax 2, its configuration, widget snippets that
  need jQuery; widget data, which is JSON, stays);
- adds a stylesheet that wraps long lines of outputs (a failure message, an array) instead of
  running them off the right edge.

The page then makes no request to any other host.
"""

import re
from pathlib import Path

from tools.vendor import REPO_ROOT, ensure_vendor, node_modules
from tools.vendor.mathjax import MathJaxError, typeset_files

# Every script but data (widget state is JSON): remote ones (MathJax 2 from a CDN), MathJax's
# configuration, and the snippets of widget outputs that need jQuery. The page needs none.
_SCRIPT = re.compile(
    r'<script(?![^>]*type="application/[^"]*json")[^>]*>.*?</script>\s*', re.I | re.S
)
WRAP_CSS = """<style type="text/css">
/* Long failure messages, arrays and code lines wrap instead of running off the page. */
div.output_area pre, div.output_subarea pre, div.input_area pre {
  white-space: pre-wrap; overflow-wrap: anywhere;
}
mjx-container[display="true"] { overflow-x: auto; max-width: 100%; }
</style>
"""


def strip_scripts(html):
    """``html`` without scripts (data excepted), with the wrapping style."""
    return _SCRIPT.sub("", html).replace("</head>", WRAP_CSS + "</head>", 1)


def finish(paths, root=REPO_ROOT):
    """Make the feedback pages ``paths`` self-contained; returns the number of formulas."""
    paths = [str(p) for p in paths]
    if not paths:
        return 0
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        Path(path).write_text(strip_scripts(text), encoding="utf-8")
    root = Path(root)
    ensure_vendor(root, quiet=True)
    try:
        return typeset_files(paths, node_modules(root))["formulas"]
    except MathJaxError as err:
        raise RuntimeError(f"typesetting the feedback failed:\n{err}") from None

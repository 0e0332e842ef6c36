// Typeset TeX into MathJax CommonHTML at build time (node; mathjax-full, vendored from npm by
// tools/vendor). Called by tools/book/math.py once per build with every page's formulas.
//
// Input (stdin, JSON): {"pages": [{"id": ..., "fontURL": "../_static/...", "formulas":
//   [{"tex": "...", "display": true|false}, ...]}, ...]}
// Output (stdout, JSON): {"pages": [{"id": ..., "html": ["<mjx-container ...>", ...],
//   "css": "..."}, ...]}
//
// Each page gets its own MathDocument, so its stylesheet holds only the characters and fonts
// that page uses. Each formula carries assistive MathML (visually hidden) for screen readers
// and for the browser's find-in-page. A TeX error is fatal: the build must not publish it.
"use strict";

const path = require("path");
const modules = process.env.MATHJAX_MODULES;
const req = (name) => require(path.join(modules, "mathjax-full", "js", name));

const { mathjax } = req("mathjax.js");
const { TeX } = req("input/tex.js");
const { CHTML } = req("output/chtml.js");
const { liteAdaptor } = req("adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = req("handlers/html.js");
const { AssistiveMmlHandler } = req("a11y/assistive-mml.js");
req("input/tex/AllPackages.js");

// The packages the book's TeX uses (amsmath environments and symbols, \newcommand, boldsymbol).
const PACKAGES = ["base", "ams", "newcommand", "noundefined", "boldsymbol", "textmacros"];

function main(request) {
  const adaptor = liteAdaptor();
  AssistiveMmlHandler(RegisterHTMLHandler(adaptor));
  const pages = request.pages.map((page) => {
    const tex = new TeX({ packages: PACKAGES, formatError: (jax, err) => { throw err; } });
    const chtml = new CHTML({ fontURL: page.fontURL, adaptiveCSS: true });
    const doc = mathjax.document("", { InputJax: tex, OutputJax: chtml });
    const html = page.formulas.map((f) => {
      try {
        const node = doc.convert(f.tex, { display: f.display, em: 16, ex: 8, containerWidth: 80 * 16 });
        return adaptor.outerHTML(node);
      } catch (err) {
        throw new Error(`${page.id}: cannot typeset ${JSON.stringify(f.tex)}: ${err.message}`);
      }
    });
    return { id: page.id, html, css: adaptor.textContent(chtml.styleSheet(doc)) };
  });
  return { pages };
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  try {
    process.stdout.write(JSON.stringify(main(JSON.parse(input))));
  } catch (err) {
    process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
    process.exit(1);
  }
});

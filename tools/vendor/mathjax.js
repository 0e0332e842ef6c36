// The course's one MathJax driver (node; mathjax-full, the npm package tools/vendor vendors),
// for the book and for the feedback: one TeX setup (TEX_PACKAGES), so that what the book's TeX
// needs is what the feedback's TeX gets. Called by tools/vendor/mathjax.py, in one of two modes:
//
// node mathjax.js formulas   (the book: tools/book/math.py, once per build)
//   stdin, JSON: {"pages": [{"id": ..., "fontURL": "../_static/...", "formulas":
//     [{"tex": "...", "display": true|false}, ...]}, ...]}
//   stdout, JSON: {"pages": [{"id": ..., "html": ["<mjx-container ...>", ...], "css": "..."}]}
//   MathJax CommonHTML; each page gets its own MathDocument, so its stylesheet holds only the
//   characters and fonts that page uses. A TeX error is fatal: the build must not publish it.
//
// node mathjax.js files FILE...   (the feedback: tools/grader/feedback.py, per generate_feedback)
//   Each HTML file is typeset in place as a browser would: TeX between $...$, $$...$$, \(...\)
//   or \[...\] in the text (not in <pre>, <code> or <script>) becomes an SVG with its glyphs
//   defined once per page (fontCache "global"): no script, no font file, no network needed.
//   A TeX error (a student's own markdown may hold one) is shown in the page as MathJax shows
//   it, and reported: stdout, JSON: {"files": N, "formulas": N, "errors": ["message", ...]}.
//
// Every formula carries assistive MathML (visually hidden) for screen readers and for the
// browser's find-in-page.
"use strict";

const fs = require("fs");
const path = require("path");
const modules = process.env.MATHJAX_MODULES;
const req = (name) => require(path.join(modules, "mathjax-full", "js", name));

const { mathjax } = req("mathjax.js");
const { TeX } = req("input/tex.js");
const { CHTML } = req("output/chtml.js");
const { SVG } = req("output/svg.js");
const { liteAdaptor } = req("adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = req("handlers/html.js");
const { AssistiveMmlHandler } = req("a11y/assistive-mml.js");
req("input/tex/AllPackages.js");

// The TeX packages of the book and the feedback (amsmath environments and symbols,
// \newcommand, \boldsymbol, \text{...} with macros). No "noundefined": an undefined macro is
// an error (fatal in the book, reported for the feedback), never red text that looks typeset.
const TEX_PACKAGES = ["base", "ams", "newcommand", "boldsymbol", "textmacros"];

const adaptor = liteAdaptor();
AssistiveMmlHandler(RegisterHTMLHandler(adaptor));

function tex(options) {
  return new TeX({ packages: TEX_PACKAGES, ...options });
}

function formulas(request) {
  const pages = request.pages.map((page) => {
    const input = tex({ formatError: (jax, err) => { throw err; } });
    const chtml = new CHTML({ fontURL: page.fontURL, adaptiveCSS: true });
    const doc = mathjax.document("", { InputJax: input, OutputJax: chtml });
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

function files(names) {
  let count = 0;
  const errors = [];
  for (const file of names) {
    const input = tex({
      inlineMath: [["$", "$"], ["\\(", "\\)"]],
      displayMath: [["$$", "$$"], ["\\[", "\\]"]],
      processEscapes: true,
      formatError: (jax, err) => {
        errors.push(`${file}: ${err.message}`);
        return jax.formatError(err);
      },
    });
    const doc = mathjax.document(fs.readFileSync(file, "utf8"), {
      InputJax: input,
      OutputJax: new SVG({ fontCache: "global" }),
    });
    doc.render();
    count += Array.from(doc.math).length;
    const html = adaptor.doctype(doc.document) + "\n" + adaptor.outerHTML(adaptor.root(doc.document));
    fs.writeFileSync(file, html);
  }
  return { files: names.length, formulas: count, errors };
}

function main() {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === "files") {
    process.stdout.write(JSON.stringify(files(args)) + "\n");
    return;
  }
  if (mode !== "formulas") {
    throw new Error(`usage: mathjax.js formulas < request.json | mathjax.js files FILE...`);
  }
  let input = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (input += chunk));
  process.stdin.on("end", () => {
    try {
      process.stdout.write(JSON.stringify(formulas(JSON.parse(input))));
    } catch (err) {
      fail(err);
    }
  });
}

function fail(err) {
  process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
  process.exit(1);
}

try {
  main();
} catch (err) {
  fail(err);
}

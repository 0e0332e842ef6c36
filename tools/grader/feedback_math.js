// Typeset the math of feedback HTML files in place, as static SVG (node; mathjax-full, the
// npm package tools/vendor vendors). Called by tools/grader/feedback.py with the files
// of one generate_feedback run as arguments.
//
// Each page is processed as a browser would: TeX between $...$, $$...$$, \(...\) or \[...\]
// in the text (not in <pre>, <code> or <script>) becomes an SVG with its glyphs defined once
// per page (fontCache "global"), plus visually hidden MathML for screen readers and
// find-in-page. The result needs no script, no font file and no network to show its math.
"use strict";

const fs = require("fs");
const path = require("path");
const modules = process.env.MATHJAX_MODULES;
const req = (name) => require(path.join(modules, "mathjax-full", "js", name));

const { mathjax } = req("mathjax.js");
const { TeX } = req("input/tex.js");
const { SVG } = req("output/svg.js");
const { liteAdaptor } = req("adaptors/liteAdaptor.js");
const { RegisterHTMLHandler } = req("handlers/html.js");
const { AssistiveMmlHandler } = req("a11y/assistive-mml.js");
req("input/tex/AllPackages.js");

const PACKAGES = ["base", "ams", "newcommand", "noundefined", "boldsymbol", "textmacros"];
const adaptor = liteAdaptor();
AssistiveMmlHandler(RegisterHTMLHandler(adaptor));

let formulas = 0;
for (const file of process.argv.slice(2)) {
  const tex = new TeX({
    packages: PACKAGES,
    inlineMath: [["$", "$"], ["\\(", "\\)"]],
    displayMath: [["$$", "$$"], ["\\[", "\\]"]],
    processEscapes: true,
  });
  const doc = mathjax.document(fs.readFileSync(file, "utf8"), {
    InputJax: tex,
    OutputJax: new SVG({ fontCache: "global" }),
  });
  doc.render();
  formulas += Array.from(doc.math).length;
  const html = adaptor.doctype(doc.document) + "\n" + adaptor.outerHTML(adaptor.root(doc.document));
  fs.writeFileSync(file, html);
}
process.stdout.write(JSON.stringify({ files: process.argv.length - 2, formulas }) + "\n");

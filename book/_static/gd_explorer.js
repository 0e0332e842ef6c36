// The gradient-descent explorer of book/gd_explorer.md, drawn in the static page.
//
// Nothing is computed here that the book states: the losses, accuracies and gradient-descent
// paths were computed with exercise_code when the book was built, and a page cell wrote them
// into the page as JSON (<script type="application/json" class="gd-data"> inside
// <div class="gd-explorer">). This script only looks them up and draws them as SVG:
// sliders for w1, w2 and b move over the precomputed grid; the left plot is the training loss
// over (w1, w2) at the chosen b, with its colour bar, the right plot the training data with
// the decision line w1 x1 + w2 x2 + b = 0 and the lines of the probability levels given
// (z = 0.1 and z = 0.9); a learning-rate menu, an epoch slider and a play button replay
// gradient descent from the same start. A legend under the plots names every mark.
//
// The readout line and each plot's title always show the loss of the weights drawn (a grid
// value or a value along the path), formatted with five decimals.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 360;
  var HEIGHT = 330;
  var MARGIN = { left: 46, right: 10, top: 30, bottom: 40 };
  // The loss map is wider by its colour bar: a gap, the bar and its tick labels.
  var BAR = { gap: 10, width: 12, extra: 56 };
  // Perceptually ordered colours (viridis, 6 stops) for the loss map, low loss = dark.
  var STOPS = [
    [68, 1, 84],
    [65, 68, 135],
    [42, 120, 142],
    [34, 168, 132],
    [122, 209, 81],
    [253, 231, 37],
  ];

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) {
      node.setAttribute(k, attrs[k]);
    });
    if (parent) parent.appendChild(node);
    return node;
  }

  function html(name, attrs, parent, text) {
    var node = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) {
      node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function colour(t) {
    t = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
    var i = Math.min(STOPS.length - 2, Math.floor(t));
    var f = t - i;
    var c = STOPS[i].map(function (v, k) {
      return Math.round(v + f * (STOPS[i + 1][k] - v));
    });
    return "rgb(" + c.join(",") + ")";
  }

  // The logit of a probability: the score s at which sigma(s) = p.
  function logit(p) {
    return Math.log(p / (1 - p));
  }

  function fmt(v, digits) {
    var text = v.toFixed(digits);
    if (Number(text) === 0) text = (0).toFixed(digits); // no "-0.0"
    return text.replace("-", "\u2212");
  }

  // A plot: an SVG with a title, axes and a data-to-pixel map over the given domain.
  function Plot(parent, id, xDomain, yDomain, xLabel, yLabel, description, extra) {
    var width = WIDTH + (extra || 0);
    this.width = width;
    this.right = WIDTH - MARGIN.right; // the right edge of the plotting box
    this.x0 = xDomain[0];
    this.x1 = xDomain[1];
    this.y0 = yDomain[0];
    this.y1 = yDomain[1];
    var svg = el(
      "svg",
      {
        viewBox: "0 0 " + width + " " + HEIGHT,
        role: "img",
        class: "gd-plot",
        "data-x-domain": xDomain.join(","),
        "data-y-domain": yDomain.join(","),
        "data-box": [MARGIN.left, MARGIN.top, WIDTH - MARGIN.right, HEIGHT - MARGIN.bottom].join(","),
      },
      parent
    );
    this.svg = svg;
    this.desc = el("desc", {}, svg);
    this.desc.textContent = description;
    this.title = el("text", { x: width / 2, y: 18, class: "gd-title", "text-anchor": "middle" }, svg);
    el("clipPath", { id: id + "-clip" }, svg).appendChild(
      el("rect", {
        x: MARGIN.left,
        y: MARGIN.top,
        width: WIDTH - MARGIN.left - MARGIN.right,
        height: HEIGHT - MARGIN.top - MARGIN.bottom,
      })
    );
    this.body = el("g", { "clip-path": "url(#" + id + "-clip)" }, svg);
    var axes = el("g", { class: "gd-axes" }, svg);
    el("rect", {
      x: MARGIN.left,
      y: MARGIN.top,
      width: WIDTH - MARGIN.left - MARGIN.right,
      height: HEIGHT - MARGIN.top - MARGIN.bottom,
      fill: "none",
    }, axes);
    this.ticks(axes, xDomain, true);
    this.ticks(axes, yDomain, false);
    el("text", { x: (WIDTH + MARGIN.left) / 2, y: HEIGHT - 6, "text-anchor": "middle" }, axes)
      .textContent = xLabel;
    var yl = el("text", { x: 12, y: (HEIGHT - MARGIN.bottom + MARGIN.top) / 2, "text-anchor": "middle" }, axes);
    yl.setAttribute("transform", "rotate(-90 12 " + (HEIGHT - MARGIN.bottom + MARGIN.top) / 2 + ")");
    yl.textContent = yLabel;
  }

  Plot.prototype.px = function (x) {
    return MARGIN.left + ((x - this.x0) / (this.x1 - this.x0)) * (this.right - MARGIN.left);
  };
  Plot.prototype.py = function (y) {
    return HEIGHT - MARGIN.bottom - ((y - this.y0) / (this.y1 - this.y0)) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  };
  // Ticks at round values (steps of 1, 2 or 5 times a power of ten), four to eight of them;
  // the labels keep clear of the box and of each other at its lower left corner.
  Plot.prototype.ticks = function (axes, domain, horizontal) {
    var span = domain[1] - domain[0];
    var unit = Math.pow(10, Math.floor(Math.log10(span / 4)));
    var step = [1, 2, 5, 10].map(function (m) {
      return m * unit;
    }).filter(function (s) {
      return span / s <= 8;
    })[0];
    for (var v = Math.ceil(domain[0] / step) * step; v <= domain[1] + 1e-9; v += step) {
      var label = fmt(v, step < 1 ? 1 : 0);
      if (horizontal) {
        el("text", { x: this.px(v), y: HEIGHT - MARGIN.bottom + 15, "text-anchor": "middle" }, axes).textContent = label;
      } else {
        el("text", { x: MARGIN.left - 6, y: this.py(v) + 4, "text-anchor": "end" }, axes).textContent = label;
      }
    }
  };
  // The segment of the line a x + c y + d = 0 across the plot's domain.
  Plot.prototype.line = function (node, a, c, d) {
    var pts;
    if (Math.abs(c) > 1e-12) {
      pts = [this.x0, this.x1].map(function (x) {
        return [x, -(a * x + d) / c];
      });
    } else if (Math.abs(a) > 1e-12) {
      pts = [this.y0, this.y1].map(function (y) {
        return [-d / a, y];
      });
    } else {
      pts = [[0, 0], [0, 0]];
    }
    node.setAttribute("x1", this.px(pts[0][0]));
    node.setAttribute("y1", this.py(pts[0][1]));
    node.setAttribute("x2", this.px(pts[1][0]));
    node.setAttribute("y2", this.py(pts[1][1]));
  };

  function nearest(values, v) {
    var best = 0;
    for (var i = 1; i < values.length; i++) {
      if (Math.abs(values[i] - v) < Math.abs(values[best] - v)) best = i;
    }
    return best;
  }

  function Explorer(root, data, index) {
    var self = this;
    this.root = root;
    this.data = data;
    this.id = "gd-explorer-" + index;
    this.n = data.points.y.length;
    var fallback = root.querySelector(".gd-fallback");
    if (fallback) root.removeChild(fallback);
    var plots = html("div", { class: "gd-plots" }, root);
    var controls = html("div", { class: "gd-controls" }, root);
    this.readout = html("p", { class: "gd-readout", "aria-live": "polite" }, root);

    this.buildLossPlot(plots);
    this.buildDataPlot(plots);
    this.buildLegend(root, plots);

    var mine = html("fieldset", {}, controls);
    html("legend", {}, mine, "Your weights");
    this.sliders = {};
    ["w1", "w2", "b"].forEach(function (name, k) {
      var values = data.grid[name];
      var label = html("label", { class: "gd-slider" }, mine);
      html("span", {}, label, name);
      var input = html("input", {
        type: "range",
        min: 0,
        max: values.length - 1,
        step: 1,
        value: nearest(values, data.start[k]),
        "data-weight": name,
      }, label);
      var out = html("output", {}, label);
      input.addEventListener("input", function () {
        self.fromGrid();
      });
      self.sliders[name] = { input: input, out: out, values: values };
    });

    var gd = html("fieldset", {}, controls);
    html("legend", {}, gd, "Gradient descent from the same start");
    var lrLabel = html("label", { class: "gd-slider" }, gd);
    html("span", {}, lrLabel, "learning rate \u03b7");
    this.lrSelect = html("select", {}, lrLabel);
    data.paths.forEach(function (p, k) {
      html("option", { value: k }, self.lrSelect, "\u03b7 = " + p.lr);
    });
    this.lrSelect.value = String(data.default_path || 0);
    this.lrSelect.addEventListener("change", function () {
      self.fromPath();
    });
    var epochLabel = html("label", { class: "gd-slider" }, gd);
    html("span", {}, epochLabel, "epoch");
    this.epoch = html("input", { type: "range", min: 0, max: 0, step: 1, value: 0 }, epochLabel);
    this.epochOut = html("output", {}, epochLabel);
    this.epoch.addEventListener("input", function () {
      self.fromPath();
    });
    this.play = html("button", { type: "button", class: "gd-play" }, gd, "Play");
    this.play.addEventListener("click", function () {
      self.toggle();
    });

    this.fromGrid();
  }

  Explorer.prototype.buildLossPlot = function (parent) {
    var g = this.data.grid;
    var w1 = g.w1;
    var w2 = g.w2;
    var step1 = w1[1] - w1[0];
    var step2 = w2[1] - w2[0];
    var plot = new Plot(
      parent,
      this.id + "-loss",
      [w1[0] - step1 / 2, w1[w1.length - 1] + step1 / 2],
      [w2[0] - step2 / 2, w2[w2.length - 1] + step2 / 2],
      "w1",
      "w2",
      "Training loss over the weights (w1, w2) at the chosen bias b: darker is lower, as the " +
        "colour bar shows. The circle marks the weights drawn, the line the path of gradient " +
        "descent, the star the minimum.",
      BAR.extra
    );
    plot.svg.classList.add("gd-loss-plot");
    this.cells = [];
    var lo = Math.log(g.loss_range[0]);
    var hi = Math.log(g.loss_range[1]);
    this.colourOf = function (loss) {
      return colour((Math.log(loss) - lo) / (hi - lo));
    };
    this.colourBar(plot, lo, hi);
    for (var j = 0; j < w2.length; j++) {
      for (var i = 0; i < w1.length; i++) {
        this.cells.push(
          el("rect", {
            x: plot.px(w1[i] - step1 / 2),
            y: plot.py(w2[j] + step2 / 2),
            width: plot.px(w1[i] + step1 / 2) - plot.px(w1[i] - step1 / 2) + 0.5,
            height: plot.py(w2[j] - step2 / 2) - plot.py(w2[j] + step2 / 2) + 0.5,
          }, plot.body)
        );
      }
    }
    this.path = el("polyline", { class: "gd-path", fill: "none" }, plot.body);
    var best = this.data.minimum.W;
    var s = el("text", { x: plot.px(best[0]), y: plot.py(best[1]) + 5, class: "gd-star", "text-anchor": "middle" }, plot.body);
    s.textContent = "\u2605";
    this.marker = el("circle", { r: 5, class: "gd-marker" }, plot.body);
    this.lossPlot = plot;
  };

  // The colour bar right of the loss map: the map's colours against the training loss, on the
  // map's logarithmic scale, with ticks at 1, 2 and 5 times powers of ten inside its range.
  Explorer.prototype.colourBar = function (plot, lo, hi) {
    var top = MARGIN.top;
    var bottom = HEIGHT - MARGIN.bottom;
    var x = plot.right + BAR.gap;
    var id = this.id + "-bar";
    var bar = el("g", { class: "gd-colourbar" }, plot.svg);
    var gradient = el("linearGradient", { id: id, x1: 0, y1: 1, x2: 0, y2: 0 }, el("defs", {}, bar));
    STOPS.forEach(function (c, k) {
      el("stop", { offset: k / (STOPS.length - 1), "stop-color": "rgb(" + c.join(",") + ")" }, gradient);
    });
    el("rect", { x: x, y: top, width: BAR.width, height: bottom - top, fill: "url(#" + id + ")" }, bar);
    el("text", { x: x + BAR.width / 2, y: top - 5, "text-anchor": "middle" }, bar).textContent = "loss";
    for (var e = Math.floor(lo / Math.LN10); e <= Math.ceil(hi / Math.LN10); e++) {
      [1, 2, 5].forEach(function (m) {
        var v = m * Math.pow(10, e);
        var t = (Math.log(v) - lo) / (hi - lo);
        if (t < 0 || t > 1) return;
        var y = bottom - t * (bottom - top);
        el("line", { x1: x + BAR.width, x2: x + BAR.width + 3, y1: y, y2: y, class: "gd-tick" }, bar);
        el("text", { x: x + BAR.width + 5, y: y + 4 }, bar).textContent = String(+v.toPrecision(1));
      });
    }
  };

  // A legend under the plots: every mark with what it means.
  Explorer.prototype.buildLegend = function (root, plots) {
    var levels = this.data.levels;
    var list = html("ul", { class: "gd-legend" });
    root.insertBefore(list, plots.nextSibling);
    var swatch = colour(0);
    var items = [
      ['<rect width="22" height="16" fill="' + swatch + '"/><text x="11" y="13" class="gd-star" ' +
        'text-anchor="middle">\u2605</text>', "minimum of the loss (scikit-learn)"],
      ['<rect width="22" height="16" fill="' + swatch + '"/><circle cx="11" cy="8" r="5" class="gd-marker"/>',
        "the weights drawn"],
      ['<polyline points="2,13 9,6 20,4" fill="none" class="gd-path"/>', "path of gradient descent"],
      ['<line x1="1" y1="8" x2="21" y2="8" class="gd-boundary"/>', "decision line, z = 1/2"],
      ['<line x1="1" y1="8" x2="21" y2="8" class="gd-band"/>',
        "z = " + levels[0] + " and z = " + levels[1]],
      ['<path d="M11 3.5l3 5.5h-6z" transform="translate(0 2)" class="gd-pos"/>', "malignant"],
      ['<circle cx="11" cy="8" r="2.6" class="gd-neg"/>', "benign"],
    ];
    items.forEach(function (item) {
      var li = html("li", {}, list);
      var icon = el("svg", { width: 22, height: 16, viewBox: "0 0 22 16", "aria-hidden": "true", class: "gd-key" }, li);
      icon.innerHTML = item[0];
      html("span", {}, li, item[1]);
    });
  };

  Explorer.prototype.buildDataPlot = function (parent) {
    var p = this.data.points;
    var plot = new Plot(
      parent,
      this.id + "-data",
      p.x1_domain,
      p.x2_domain,
      p.labels[0],
      p.labels[1],
      "The training set (red triangles malignant, blue dots benign) with the decision line " +
        "of the weights drawn (solid) and the lines of predicted probability 0.1 and 0.9 (dashed)."
    );
    plot.svg.classList.add("gd-data-plot");
    for (var i = 0; i < p.y.length; i++) {
      var x = plot.px(p.x1[i]);
      var y = plot.py(p.x2[i]);
      if (p.y[i]) {
        el("path", { d: "M" + x + " " + (y - 3.5) + "l3 5.5h-6z", class: "gd-pos" }, plot.body);
      } else {
        el("circle", { cx: x, cy: y, r: 2.6, class: "gd-neg" }, plot.body);
      }
    }
    this.lines = [0, 1, 2].map(function (k) {
      return el("line", { class: k ? "gd-band" : "gd-boundary" }, plot.body);
    });
    this.dataPlot = plot;
  };

  // The weights drawn come from the grid (the three sliders) ...
  Explorer.prototype.fromGrid = function () {
    var s = this.sliders;
    var g = this.data.grid;
    var i = +s.w1.input.value;
    var j = +s.w2.input.value;
    var k = +s.b.input.value;
    var flat = (k * g.w2.length + j) * g.w1.length + i;
    var W = [g.w1[i], g.w2[j], g.b[k]];
    ["w1", "w2", "b"].forEach(function (name, m) {
      s[name].out.textContent = fmt(W[m], 2);
      s[name].input.setAttribute("aria-valuetext", name + " = " + fmt(W[m], 2));
    });
    this.show(W, g.loss[flat], g.correct[flat], "your weights", k);
  };

  // ... or from the gradient-descent path at the chosen epoch.
  Explorer.prototype.fromPath = function () {
    var path = this.data.paths[+this.lrSelect.value];
    this.epoch.max = path.epochs.length - 1;
    var t = Math.min(+this.epoch.value, path.epochs.length - 1);
    var W = path.W[t];
    var name = "\u03b7 = " + path.lr + ", epoch " + path.epochs[t];
    this.epochOut.textContent = String(path.epochs[t]);
    this.epoch.setAttribute("aria-valuetext", "epoch " + path.epochs[t]);
    var plot = this.lossPlot;
    this.path.setAttribute(
      "points",
      path.W.slice(0, t + 1)
        .map(function (w) {
          return plot.px(w[0]).toFixed(1) + "," + plot.py(w[1]).toFixed(1);
        })
        .join(" ")
    );
    var k = nearest(this.data.grid.b, W[2]);
    this.show(W, path.loss[t], path.correct[t], "gradient descent, " + name, k);
  };

  Explorer.prototype.show = function (W, loss, correct, source, bIndex) {
    var d = this.data;
    var acc = (100 * correct) / this.n;
    var text =
      source + ": w = (" + fmt(W[0], 2) + ", " + fmt(W[1], 2) + ", " + fmt(W[2], 2) + "), training loss " +
      fmt(loss, 5) + " (minimum " + fmt(d.minimum.loss, 5) + "), accuracy " + acc.toFixed(1) + " %";
    this.readout.textContent = text;
    var dp = this.dataPlot;
    dp.title.textContent = "loss " + fmt(loss, 5) + ", accuracy " + acc.toFixed(1) + " %";
    dp.svg.setAttribute("aria-label", "Decision line for " + text);
    // The dashed lines of predicted probability levels[0] and levels[1] (the page's data):
    // where w1 x1 + w2 x2 + b = logit(p).
    var levels = d.levels;
    dp.line(this.lines[0], W[0], W[1], W[2]);
    dp.line(this.lines[1], W[0], W[1], W[2] - logit(levels[0]));
    dp.line(this.lines[2], W[0], W[1], W[2] - logit(levels[1]));
    var g = d.grid;
    var lp = this.lossPlot;
    var base = bIndex * g.w1.length * g.w2.length;
    for (var c = 0; c < this.cells.length; c++) {
      this.cells[c].setAttribute("fill", this.colourOf(g.loss[base + c]));
    }
    this.marker.setAttribute("cx", lp.px(W[0]));
    this.marker.setAttribute("cy", lp.py(W[1]));
    lp.title.textContent = "loss " + fmt(loss, 5) + " (map at b = " + fmt(g.b[bIndex], 2) + ")";
    lp.svg.setAttribute("aria-label", "Loss map at b = " + fmt(g.b[bIndex], 2) + "; " + text);
    if (source === "your weights") this.path.setAttribute("points", "");
  };

  Explorer.prototype.toggle = function () {
    var self = this;
    if (this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.play.textContent = "Play";
      return;
    }
    if (+this.epoch.value >= +this.epoch.max) this.epoch.value = 0;
    this.play.textContent = "Pause";
    var stride = Math.max(1, Math.round(+this.epoch.max / 60));
    this.timer = setInterval(function () {
      var next = Math.min(+self.epoch.max, +self.epoch.value + stride);
      self.epoch.value = next;
      self.fromPath();
      if (next >= +self.epoch.max) self.toggle();
    }, 50);
  };

  function mountAll() {
    var roots = document.querySelectorAll(".gd-explorer");
    for (var i = 0; i < roots.length; i++) {
      if (roots[i].getAttribute("data-mounted")) continue;
      var script = roots[i].querySelector("script.gd-data");
      if (!script) continue;
      var data = JSON.parse(script.textContent);
      new Explorer(roots[i], data, i);
      roots[i].setAttribute("data-mounted", "true");
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
})();

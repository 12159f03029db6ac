// seqsum's views in the browser: the templates of repl/web/templates.html parsed and filled in as
// repl/templating.py does, but built as DOM nodes (text always as text, never as markup); the
// views of an answer and a trace built as repl/html.py builds them; and what makes the page's
// and the notebook's views move: the trace's step and play buttons, the history's slider.
(function (root) {
  "use strict";
  if (root.seqsumViews) return; // a notebook may run this once per output

  const TOKEN = /\{\{([#^/>]?)\s*([A-Za-z_][\w.-]*|\.)\s*\}\}|<(\/?)([A-Za-z][\w:-]*)((?:\s+[^\s=/>]+(?:="[^"]*")?)*)\s*(\/?)>/g;
  const ATTRIBUTE = /([^\s=/>]+)(?:="([^"]*)")?/g;
  const VARIABLE = /\{\{\s*([A-Za-z_][\w.-]*|\.)\s*\}\}/g;
  const SVG = "http://www.w3.org/2000/svg";

  // Literal text and {{name}} variables, in order.
  function parts(text) {
    const out = [];
    let position = 0;
    for (const match of text.matchAll(VARIABLE)) {
      if (match.index > position) out.push(text.slice(position, match.index));
      out.push({ variable: match[1] });
      position = match.index + match[0].length;
    }
    if (position < text.length) out.push(text.slice(position));
    return out;
  }

  // A template's nodes; text that is only whitespace with a line break is layout, dropped.
  function parse(source) {
    const rootNode = { kind: "root", children: [] };
    const stack = [rootNode];
    let position = 0;
    const text = (chunk) => {
      if (chunk && !(chunk.trim() === "" && chunk.includes("\n"))) {
        stack[stack.length - 1].children.push({ kind: "text", parts: parts(chunk) });
      }
    };
    for (const match of source.matchAll(TOKEN)) {
      text(source.slice(position, match.index));
      position = match.index + match[0].length;
      const [, sigil, name, closing, tag, attributes, selfClosing] = match;
      const top = stack[stack.length - 1];
      if (tag === undefined) {
        if (sigil === "#" || sigil === "^") {
          const node = { kind: "section", name, inverted: sigil === "^", children: [] };
          top.children.push(node);
          stack.push(node);
        } else if (sigil === "/") {
          if (top.kind !== "section" || top.name !== name) throw new Error("{{/" + name + "}} closes " + top.name);
          stack.pop();
        } else if (sigil === ">") {
          top.children.push({ kind: "partial", name });
        } else {
          top.children.push({ kind: "text", parts: [{ variable: name }] });
        }
      } else if (closing) {
        if (top.kind !== "element" || top.name !== tag) throw new Error("<\/" + tag + "> closes " + top.name);
        stack.pop();
      } else {
        const node = { kind: "element", name: tag, closed: Boolean(selfClosing), children: [],
          attributes: Array.from(attributes.matchAll(ATTRIBUTE), (m) => [m[1], parts(m[2] || "")]) };
        top.children.push(node);
        if (!selfClosing) stack.push(node);
      }
    }
    text(source.slice(position));
    if (stack.length !== 1) throw new Error(stack[stack.length - 1].name + " is never closed");
    return rootNode.children;
  }

  function lookup(name, stack) {
    if (name === ".") return stack[stack.length - 1];
    for (let i = stack.length - 1; i >= 0; i--) {
      const context = stack[i];
      if (context !== null && typeof context === "object" && !Array.isArray(context) && name in context) {
        return context[name];
      }
    }
    throw new Error("the view has no " + name);
  }

  function textOf(value, name) {
    if (typeof value === "string") return value;
    if (Number.isInteger(value)) return String(value);
    throw new Error(name + " is " + typeof value + ": a view gives text or whole numbers");
  }

  const filled = (items, stack) => items.map((p) => (typeof p === "string" ? p : textOf(lookup(p.variable, stack), p.variable))).join("");
  const falsy = (value) => !value || (Array.isArray(value) && value.length === 0);

  // Walk the nodes with a view: `emit` receives ("text", text), ("open", node, attributes),
  // ("close", node), so one walk serves the DOM and the HTML text.
  function walk(templates, nodes, stack, emit) {
    for (const node of nodes) {
      if (node.kind === "text") emit("text", filled(node.parts, stack));
      else if (node.kind === "element") {
        emit("open", node, node.attributes.map(([name, value]) => [name, filled(value, stack)]));
        if (!node.closed) walk(templates, node.children, stack, emit);
        emit("close", node);
      } else if (node.kind === "partial") walk(templates, templates.get(node.name), stack, emit);
      else {
        const value = lookup(node.name, stack);
        if (node.inverted) {
          if (falsy(value)) walk(templates, node.children, stack, emit);
        } else if (Array.isArray(value)) {
          for (const item of value) walk(templates, node.children, [...stack, item], emit);
        } else if (!falsy(value)) walk(templates, node.children, [...stack, value], emit);
      }
    }
  }

  function escape(text, quote) {
    const out = text.replace(/&/g, "&amp;").replace(/[<]/g, "&lt;").replace(/>/g, "&gt;");
    return quote ? out.replace(/"/g, "&quot;").replace(/'/g, "&#39;") : out;
  }

  // Templates by name (their sources as repl/templating.py reads them), parsed once.
  function Templates(sources) {
    const parsed = new Map();
    this.get = (name) => {
      if (!parsed.has(name)) parsed.set(name, parse(sources[name]));
      return parsed.get(name);
    };
    // As HTML text, exactly as repl/templating.py writes it (for tests; the page builds nodes).
    this.html = (name, view) => {
      const out = [];
      walk(this, this.get(name), [view], (what, node, attributes) => {
        if (what === "text") out.push(escape(node));
        else if (what === "open") {
          out.push("<" + node.name + attributes.map(([k, v]) => " " + k + '="' + escape(v, true) + '"').join("") +
            (node.closed ? " />" : ">"));
        } else if (!node.closed) out.push("<\/" + node.name + ">");
      });
      return out.join("");
    };
    // As DOM nodes appended to `parent` (SVG elements inside SVG), text set as text.
    this.into = (parent, name, view) => {
      const document = parent.ownerDocument;
      let current = parent;
      walk(this, this.get(name), [view], (what, node, attributes) => {
        if (what === "text") current.appendChild(document.createTextNode(node));
        else if (what === "open") {
          const svg = node.name === "svg" || current.namespaceURI === SVG;
          const element = svg ? document.createElementNS(SVG, node.name) : document.createElement(node.name);
          for (const [k, v] of attributes) element.setAttribute(k, v);
          current.appendChild(element);
          current = element;
        } else current = current.parentNode;
      });
      return parent;
    };
  }

  // ---- Views, as repl/html.py builds them --------------------------------------------------

  const SHOWN_PAD = "␣";
  const shown = (ch) => (ch === " " ? SHOWN_PAD : ch);
  const ORDINALS = ["1st", "2nd", "3rd", "4th", "5th", "6th"];

  // Python's round() of a float: half to even.
  function roundHalfEven(x) {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }

  // A share as repl/text.py's percent(): never 100.0% unless it is exactly 1.
  function percent(p) {
    const scaled = roundHalfEven(p * 1000);
    if (p < 1 && scaled === 1000) return ">99.9%";
    return (scaled / 10).toFixed(1) + "%";
  }

  const signed = (x) => (x + 0 >= 0 ? "+" : "") + (x + 0).toFixed(2);
  const verdict = (correct) => ({ verdict: correct ? "✓" : "✗", verdict_class: correct ? "ok" : "wrong",
    verdict_text: correct ? "right" : "wrong" });

  // core.trace.levels: how many of the level edges a value reaches.
  const level = (edges, x) => edges.filter((edge) => edge <= x).length;

  function stateCells(edges, h, c) {
    return h.map((value, unit) => ({ level: level(edges, value),
      title: "unit " + unit + ": h " + (value + 0).toFixed(4) + ", c " + (c[unit] + 0).toFixed(4) }));
  }

  function levelRanges(edges) {
    const g = (x) => String(x);
    return [["below " + g(edges[0])], ...edges.slice(1).map((b, i) => [g(edges[i]) + " to " + g(b)]),
      ["above " + g(edges[edges.length - 1])]].map((text, i) => ({ level: i, range: text[0] }));
  }

  // An answer (the page's details()) as repl/html.py's answer_view.
  function answerView(a, vocabulary, text) {
    return {
      input: text, prediction: a.prediction || "(blank)", truth: a.truth, ...verdict(a.correct),
      confidence: percent(a.confidence),
      agreement_text: a.checks === 1 ? "its one related sum asked " + (a.agreement === 1 ? "agrees" : "disagrees")
        : a.checks ? percent(a.agreement) + " of " + a.checks + " related sums agree"
        : a.sure !== null ? "at least " + percent(a.sure) + " sure, so no related sum was asked"
          : "no related sum to check",
      unsure: a.lowConfidence,
      positions: a.dist.map((p, position) => ({
        number: position + 1, char: shown(a.symbols[position]),
        rows: Array.from(vocabulary, (symbol, s) => ({ symbol: shown(symbol), p: percent(p[s]),
          width: (100 * p[s]).toFixed(2), row_class: symbol === a.symbols[position] ? "row top" : "row" })),
      })),
    };
  }

  // A trace (as core.trace.Trace.to_dict()) as repl/html.py's trace_view.
  function traceView(t, edges) {
    const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
    const gates = (step) => "in " + signed(mean(step.gates.input)) + " · forget " + signed(mean(step.gates.forget)) +
      " · cand " + signed(mean(step.gates.candidate)) + " · out " + signed(mean(step.gates.output));
    const top = (step) => Array.from(step.probabilities.keys()).sort((a, b) => step.probabilities[b] - step.probabilities[a] || a - b)
      .slice(0, 3).map((s) => shown(t.vocabulary[s]) + " " + percent(step.probabilities[s])).join("  ");
    const encoder = t.encoder, decoder = t.decoder, width = decoder.length;
    return {
      title: "trace of " + t.input.trim(), question: Array.from(t.question, shown).join(""),
      symbols: t.question.length, units: encoder[0].h.length, steps: encoder.length + 1 + width,
      encoder: encoder.map((s, i) => ({ index: i + 1, char: shown(s.char), cells: stateCells(edges, s.h, s.c), note: gates(s) })),
      context_step: encoder.length + 1,
      context: stateCells(edges, encoder[encoder.length - 1].h, encoder[encoder.length - 1].c),
      order: t.answer_order === "reversed" ? "last character first" : "first character first",
      decoder: decoder.map((s, i) => ({ index: encoder.length + 2 + i, char: shown(s.char),
        position: ORDINALS[s.position] + " of " + width, cells: stateCells(edges, s.h, s.c), note: top(s) })),
      legend: levelRanges(edges),
      prediction: t.prediction || "(blank)", truth: t.truth, ...verdict(t.prediction === String(t.truth)),
    };
  }

  // Rows of cells (a string of class digits, `columns` a row) as runs of one class.
  function runs(cells, columns) {
    const out = [];
    for (let y = 0; y * columns < cells.length; y++) {
      const row = cells.slice(y * columns, (y + 1) * columns);
      let start = 0;
      for (let x = 1; x <= row.length; x++) {
        if (x === row.length || row[x] !== row[start]) {
          out.push({ x: start, y, width: x - start, category: Number(row[start]) });
          start = x;
        }
      }
    }
    return out;
  }

  // ---- What moves ----------------------------------------------------------------------------

  // A trace's steps walked one at a time: later steps faded, the current one outlined.
  function enhanceTrace(section) {
    const steps = Array.from(section.querySelectorAll(".step"));
    const controls = section.querySelector(".trace-controls");
    if (!controls || !steps.length) return;
    controls.hidden = false;
    let at = steps.length, timer = null;
    const where = controls.querySelector(".where");
    const show = (n) => {
      at = Math.max(1, Math.min(steps.length, n));
      steps.forEach((step, i) => {
        step.classList.toggle("pending", i >= at);
        step.classList.toggle("current", i === at - 1 && at < steps.length);
      });
      where.textContent = "step " + at + " of " + steps.length;
    };
    const stop = () => { clearInterval(timer); timer = null; };
    controls.querySelector(".back").addEventListener("click", () => { stop(); show(at - 1); });
    controls.querySelector(".forward").addEventListener("click", () => { stop(); show(at + 1); });
    controls.querySelector(".play").addEventListener("click", () => {
      stop();
      show(1);
      timer = setInterval(() => (at >= steps.length ? stop() : show(at + 1)), 600);
    });
    show(steps.length);
  }

  // A history's slider and play button over its epochs: the map, the counts, the watched sums,
  // the heading and the curves' marker follow the epoch chosen.
  function enhanceHistory(section, templates) {
    const data = JSON.parse(section.dataset.frames);
    const controls = section.querySelector(".history-controls");
    const slider = controls.querySelector(".epoch");
    const cells = section.querySelector(".map .cells");
    const counts = section.querySelectorAll(".map .legend .count");
    const watched = section.querySelector(".watched");
    const now = section.querySelector(".curves .now");
    let timer = null;
    controls.hidden = false;
    const show = (epoch) => {
      const frame = data.frames[epoch - 1];
      slider.value = String(epoch);
      section.querySelector(".heading").textContent = frame.heading;
      cells.replaceChildren();
      templates.into(cells, "map-cells", { runs: runs(frame.cells, data.columns) });
      counts.forEach((count, i) => { count.textContent = frame.counts[i]; });
      watched.replaceChildren(...frame.watched.map((w) => {
        const item = section.ownerDocument.createElement("li");
        item.className = w.verdict_class;
        item.textContent = w.input + " → " + w.prediction + " " + w.verdict;
        return item;
      }));
      now.setAttribute("x1", frame.now);
      now.setAttribute("x2", frame.now);
    };
    slider.addEventListener("input", () => { clearInterval(timer); show(Number(slider.value)); });
    controls.querySelector(".play").addEventListener("click", () => {
      clearInterval(timer);
      let epoch = 1;
      show(epoch);
      timer = setInterval(() => (epoch >= data.frames.length ? clearInterval(timer) : show(++epoch)), 700);
    });
  }

  // Everything that moves in a block of views; `onCell(sum)`, if given, gets a map cell's sum
  // when one is clicked.
  function enhance(block, sources, onCell) {
    const templates = sources instanceof Templates ? sources : new Templates(sources);
    block.querySelectorAll(".trace").forEach(enhanceTrace);
    block.querySelectorAll(".history").forEach((section) => enhanceHistory(section, templates));
    if (onCell) {
      block.querySelectorAll(".map").forEach((map) => {
        const grid = map.querySelector(".map-grid");
        grid.addEventListener("click", (event) => {
          const box = grid.getBoundingClientRect();
          const view = grid.viewBox.baseVal;
          const x = view.x + (event.clientX - box.left) / box.width * view.width;
          const y = view.y + (event.clientY - box.top) / box.height * view.height;
          const d = map.dataset;
          const col = Math.floor(x), row = Math.floor(y);
          if (row >= 0 && row < Number(d.rows) && col >= 0 && col < Number(d.columns)) {
            onCell(cellSum(Number(d.block), Number(d.terms), d.others, row, col));
          }
        });
      });
    }
  }

  // The sum a map cell stands for: the first pair of its block, the other operands as drawn.
  function cellSum(block, terms, others, row, col) {
    return [row * block, col * block, ...Array(terms - 2).fill(others)].join("+");
  }

  root.seqsumViews = { Templates, parse, enhance, answerView, traceView, runs, percent, cellSum };
})(typeof window !== "undefined" ? window : globalThis);

// seqsum's answer path in the browser: the strict parser (core/parse.py), the network's forward
// pass (core/forward.py), the related-sums agreement (core/confidence.py) and the --json record
// (repl/render.py), ported line for line. The page embeds the model; nothing is loaded.
(function () {
  "use strict";

  const PAD = " ";
  const SPACES = " \t";
  const isAsciiDigit = (ch) => ch >= "0" && ch <= "9";

  // ---- Model data ------------------------------------------------------------------------

  // Base64 -> bytes, written out because the page must also run where atob does not exist.
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  function base64Bytes(text) {
    const value = new Uint8Array(128);
    for (let i = 0; i < B64.length; i++) value[B64.charCodeAt(i)] = i;
    const clean = text.replace(/=+$/, "");
    const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
    let bits = 0, count = 0, n = 0;
    for (let i = 0; i < clean.length; i++) {
      bits = (bits << 6) | value[clean.charCodeAt(i)];
      count += 6;
      if (count >= 8) {
        count -= 8;
        out[n++] = (bits >> count) & 0xff;
      }
    }
    return out;
  }

  // A weight as {shape, data: float32 little-endian base64} -> Float64Array, row-major
  // (float64 arithmetic throughout: V8 computes in doubles anyway).
  function floats(weight) {
    const bytes = base64Bytes(weight.data);
    const view = new DataView(bytes.buffer);
    const out = new Float64Array(bytes.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }

  // ---- Forward pass (core/forward.py) ----------------------------------------------------
  // Keras LSTM: gates z = x @ W + h @ U + b split as [input, forget, cell, output];
  // i, f, o = sigmoid(.), g = tanh(.); c = f * c + i * g; h = o * tanh(c).
  // LSTM -> RepeatVector -> LSTM -> TimeDistributed(Dense) -> softmax.

  const sigmoid = (x) => 1 / (1 + Math.exp(-x));

  // v (n) @ m (n x cols, row-major), added into out (cols).
  function addProduct(out, v, m, cols) {
    for (let k = 0; k < v.length; k++) {
      const a = v[k];
      if (a === 0) continue;
      const row = k * cols;
      for (let j = 0; j < cols; j++) out[j] += a * m[row + j];
    }
  }

  // One LSTM step from pre-activations z (4 * units): updates h and c in place.
  function lstmStep(z, h, c, units) {
    for (let j = 0; j < units; j++) {
      const i = sigmoid(z[j]);
      const f = sigmoid(z[units + j]);
      const g = Math.tanh(z[2 * units + j]);
      const o = sigmoid(z[3 * units + j]);
      c[j] = f * c[j] + i * g;
      h[j] = o * Math.tanh(c[j]);
    }
  }

  // The reading position of the character the network writes at each step (core/codec.py).
  function writtenOrder(width, order) {
    const positions = Array.from({ length: width }, (_, i) => i);
    if (order === "reversed") return positions.reverse();
    if (order === "reading") return positions;
    throw new Error("unknown answer order " + order);
  }

  function Network(weights, answerWidth, answerOrder) {
    const w = {};
    for (const name of Object.keys(weights)) w[name] = floats(weights[name]);
    const units = weights.encoder_recurrent.shape[0];
    const vocabulary = weights.dense_bias.shape[0];
    const gates = 4 * units;
    const positions = writtenOrder(answerWidth, answerOrder);
    // Fold the encoder bias into its input rows: one row lookup gives x @ W + b.
    const encoderRows = w.encoder_kernel.map((v, k) => v + w.encoder_bias[k % gates]);

    // Symbol indices of one question -> [answerWidth][vocabulary] softmax, in reading order.
    this.probabilities = function (question) {
      let h = new Float64Array(units);
      let c = new Float64Array(units);
      for (let t = 0; t < question.length; t++) {
        // A one-hot input times W is row question[t] of W.
        const z = new Float64Array(gates);
        const row = question[t] * gates;
        for (let j = 0; j < gates; j++) z[j] = encoderRows[row + j];
        addProduct(z, h, w.encoder_recurrent, gates);
        lstmStep(z, h, c, units);
      }
      // The decoder reads the encoder's last h at every step (RepeatVector), from a zero state.
      const xProj = new Float64Array(gates);
      for (let j = 0; j < gates; j++) xProj[j] = w.decoder_bias[j];
      addProduct(xProj, h, w.decoder_kernel, gates);
      h = new Float64Array(units);
      c = new Float64Array(units);
      const out = new Array(answerWidth);
      for (let t = 0; t < answerWidth; t++) {
        const z = Float64Array.from(xProj);
        addProduct(z, h, w.decoder_recurrent, gates);
        lstmStep(z, h, c, units);
        // Dense + softmax on this step's h, stored at the position it writes.
        const logits = Float64Array.from(w.dense_bias);
        addProduct(logits, h, w.dense_kernel, vocabulary);
        const top = Math.max(...logits);
        let total = 0;
        for (let s = 0; s < vocabulary; s++) total += (logits[s] = Math.exp(logits[s] - top));
        for (let s = 0; s < vocabulary; s++) logits[s] /= total;
        out[positions[t]] = logits;
      }
      return out;
    };
  }

  // ---- Naming characters as Python's unicodedata does (for the parser's messages) --------

  function inRuns(runs, cp) {
    for (let i = 0; i < runs.length; i += 2) {
      if (cp < runs[i]) return false;
      if (cp < runs[i] + runs[i + 1]) return true;
    }
    return false;
  }

  const hex4 = (cp) => cp.toString(16).toUpperCase().padStart(4, "0");

  function CharacterNames(tables) {
    let names = null; // code point -> name, decoded on first use
    function decode() {
      names = new Map();
      const codePoints = [];
      for (let i = 0; i < tables.named.length; i += 2) {
        for (let k = 0; k < tables.named[i + 1]; k++) codePoints.push(tables.named[i] + k);
      }
      let previous = "", start = 0, n = 0;
      while (start < tables.names.length) {
        const end = tables.names.indexOf("|", start);
        const shared = tables.names.charCodeAt(start) - tables.prefix_base;
        previous = previous.slice(0, shared) + tables.names.slice(start + 1, end);
        names.set(codePoints[n++], previous);
        start = end + 1;
      }
    }
    this.name = function (cp) {
      const serial = tables.serial;
      for (let i = 0; i < serial.length; i += 3) {
        if (cp >= serial[i] && cp < serial[i] + serial[i + 1]) return serial[i + 2] + "-" + hex4(cp);
      }
      if (names === null) decode();
      return names.get(cp) ?? null;
    };
    this.isNumeric = (cp) => inRuns(tables.numeric, cp);
    this.shownAsCode = (cp) => inRuns(tables.code, cp);
  }

  // Python's repr() of a printable character.
  function pyReprChar(ch) {
    if (ch === "'") return "\"'\"";
    if (ch === "\\") return "'\\\\'";
    return "'" + ch + "'";
  }

  // Python's repr() of a number typed with spaces or tabs inside.
  const pyReprDigits = (text) => "'" + text.replace(/\t/g, "\\t") + "'";

  const thousands = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

  // ---- The strict parser (core/parse.py) --------------------------------------------------

  class ParseError extends Error {}

  function Parser(domain, maxInputChars, names) {
    const describeDomain = "adds " + domain.terms + " numbers from 0 to " + domain.max_operand;
    const maxOperand = BigInt(domain.max_operand);
    const operand = "[ \\t]*([0-9]{1,40})[ \\t]*";
    const wellFormed = new RegExp("^" + Array(domain.terms).fill(operand).join("\\+") + "[\\r\\n]*$");
    this.describeDomain = describeDomain;

    function describeChar(ch) {
      const cp = ch.codePointAt(0);
      const name = names.name(cp);
      const shown = names.shownAsCode(cp) ? "U+" + hex4(cp) : pyReprChar(ch);
      return name ? shown + " (" + name.toLowerCase() + ")" : shown;
    }

    function rejectCharacter(chars, index) {
      const ch = chars[index];
      const where = "at column " + (index + 1);
      if (ch === "\0") return new ParseError("NUL byte " + where + ": type a sum such as 12+34");
      if (ch === "-") {
        return new ParseError("'-' " + where + ": signs are not supported, this model " + describeDomain);
      }
      if (ch === "." || ch === ",") {
        return new ParseError("'" + ch + "' " + where + ": decimals are not supported, only whole numbers");
      }
      if ((ch === "e" || ch === "E") && index > 0 && index < chars.length - 1 && isAsciiDigit(chars[index - 1])) {
        return new ParseError("'" + ch + "' " + where + ": exponents are not supported, write the number out");
      }
      if (names.isNumeric(ch.codePointAt(0))) {
        return new ParseError(describeChar(ch) + " " + where + " is not an ASCII digit: use only 0-9 and +");
      }
      if ("*/×÷^%()=".includes(ch)) {
        return new ParseError("'" + ch + "' " + where + ": only addition with + is supported");
      }
      return new ParseError("unexpected character " + describeChar(ch) + " " + where + ": use only 0-9 and +");
    }

    const strip = (text) => text.replace(/^[ \t]+|[ \t]+$/g, "");

    // Text -> operands (BigInt), or ParseError naming exactly what is wrong.
    this.parse = function (text) {
      const length = Array.from(text).length; // Python counts code points
      const match = length <= maxInputChars ? wellFormed.exec(text) : null;
      if (match) {
        const operands = match.slice(1).map(BigInt);
        if (operands.every((v) => v <= maxOperand)) return operands;
      }
      if (length > maxInputChars) {
        throw new ParseError("input too long (" + thousands(length) + " characters; at most " +
          maxInputChars + "): this model " + describeDomain);
      }
      text = text.replace(/[\r\n]+$/, "");
      const stripped = strip(text);
      if (!stripped) {
        throw new ParseError("empty input: type a sum such as 12+34 (this model " + describeDomain + ")");
      }
      const chars = Array.from(text);
      chars.forEach((ch, index) => {
        if (!isAsciiDigit(ch) && ch !== "+" && !SPACES.includes(ch)) throw rejectCharacter(chars, index);
      });
      const operands = stripped.split("+").map((raw, i) => {
        const part = strip(raw);
        if (!part) throw new ParseError("missing number in term " + (i + 1) + ": write it like 12+34");
        if (/[ \t]/.test(part)) {
          throw new ParseError("space inside the number " + pyReprDigits(part) + ": write it without spaces");
        }
        return BigInt(part);
      });
      if (operands.length !== domain.terms) {
        throw new ParseError(operands.length + " number" + (operands.length !== 1 ? "s" : "") +
          " given, but this model " + describeDomain);
      }
      for (const value of operands) {
        if (value > maxOperand) throw new ParseError(value + " is too large: this model " + describeDomain);
      }
      return operands;
    };
  }

  // ---- Answers with agreement (core/answer.py, core/confidence.py) -----------------------

  const OFFSETS = [];
  for (let step = 1; step <= 10; step++) OFFSETS.push(-step, step);

  // Related sums of one row: the row rotated by one place, and for each offset and operand the
  // row with offset added to that operand, as is and rotated; only those inside the domain and
  // different from the row. -> [[operands, offset], ...]
  function relatedSums(operands, maxOperand) {
    const rotate = (v) => [v[v.length - 1], ...v.slice(0, -1)]; // np.roll(v, 1)
    const views = [];
    for (const offset of OFFSETS) {
      for (let k = 0; k < operands.length; k++) {
        const moved = operands.slice();
        moved[k] += offset;
        views.push([moved, offset], [rotate(moved), offset]);
      }
    }
    views.push([rotate(operands), 0]);
    return views.filter(([v]) => v.every((x) => x >= 0 && x <= maxOperand) &&
      v.some((x, i) => x !== operands[i]));
  }

  // The number an answer's written symbols say, or -1 when they are not one (blank, a space
  // inside, a leading zero): such an answer fits no related sum.
  function answerValue(symbols) {
    let length = 0;
    while (length < symbols.length && isAsciiDigit(symbols[length])) length++;
    if (length === 0 || symbols.slice(length).some((s) => s !== PAD)) return -1;
    if (length > 1 && symbols[0] === "0") return -1;
    return Number(symbols.slice(0, length).join(""));
  }

  const argmax = (p) => p.reduce((best, v, i) => (v > p[best] ? i : best), 0);

  // numpy's round(x, 6): scale, round half to even, scale back.
  function round6(x) {
    const y = x * 1e6;
    let r = Math.round(y);
    if (Math.abs(y % 1) === 0.5 && r % 2 !== 0) r -= 1;
    return r / 1e6;
  }

  // ---- The map of the domain (core/domain_map.py's DomainMap.to_dict()) ------------------

  // The sum a cell stands for: the first pair of its block, any other operands at the map's
  // fixed value (0 if the map took the worst over them).
  function cellSum(map, row, col) {
    const others = Array(map.domain.terms - 2).fill(map.fixed ?? 0);
    return [row * map.block, col * map.block, ...others].join("+");
  }

  // Map data -> what to draw, row by row: [{row, col, category, sum}], category indexing
  // map.categories and map.colours. Pure, so tests check it against the Python cells.
  function mapCells(map) {
    const out = [];
    map.cells.forEach((line, row) => {
      for (let col = 0; col < line.length; col++) {
        out.push({ row, col, category: Number(line[col]), sum: cellSum(map, row, col) });
      }
    });
    return out;
  }

  function createSeqsum(data) {
    const domain = data.domain;
    const vocabulary = data.vocabulary;
    const operandWidth = String(domain.max_operand).length;
    const inputWidth = domain.terms * operandWidth + domain.terms - 1;
    const answerWidth = String(domain.terms * domain.max_operand).length;
    const network = new Network(data.weights, answerWidth, data.answer_order);
    const names = new CharacterNames(data.characters);
    const parser = new Parser(domain, data.max_input_chars, names);
    const cache = new Map(); // the network is deterministic: each tuple is computed once

    function probabilities(operands) {
      const key = operands.join("+");
      if (!cache.has(key)) {
        // As the network reads it: each operand right-aligned in its field, or left-aligned
        // (core.codec.QUESTION_ALIGNS).
        const text = data.question_align === "right"
          ? operands.map((v) => String(v).padStart(operandWidth, PAD)).join("+") : key;
        const question = Array.from(text.padEnd(inputWidth, PAD), (ch) => vocabulary.indexOf(ch));
        cache.set(key, network.probabilities(question));
      }
      return cache.get(key);
    }

    const written = (dist) => dist.map((p) => vocabulary[argmax(p)]);

    // One answer with everything the page and the --json record show.
    function details(operands) {
      const dist = probabilities(operands);
      const symbols = written(dist);
      const topP = dist.map((p, i) => p[vocabulary.indexOf(symbols[i])]);
      const prediction = symbols.join("").replace(/^ +| +$/g, "");
      const truth = operands.reduce((a, b) => a + b, 0);
      const confidence = topP.reduce((a, b) => a * b, 1);
      const value = answerValue(symbols);
      const related = relatedSums(operands, domain.max_operand);
      const fitting = related.filter(([v, offset]) =>
        value >= 0 && answerValue(written(probabilities(v))) === value + offset).length;
      const agreement = related.length ? fitting / related.length : confidence;
      return {
        operands, dist, symbols, topP, prediction, truth, confidence, agreement,
        checks: related.length,
        correct: prediction === String(truth),
        lowConfidence: agreement < data.threshold,
      };
    }

    // The symbols at one position, most probable first (a stable sort, as numpy's).
    function ranking(p) {
      return Array.from(p, (_, i) => i).sort((a, b) => p[b] - p[a]);
    }

    // Exactly one line of `seqsum-repl --json` for `text` (without the pipe's "line" number).
    function answer(text) {
      const parsed = parse(String(text));
      if (parsed.error) return { input: text, error: parsed.error };
      const a = details(parsed.operands);
      return {
        input: text,
        operands: a.operands,
        prediction: a.prediction,
        truth: a.truth,
        correct: a.correct,
        confidence: round6(a.confidence),
        agreement: round6(a.agreement),
        low_confidence: a.lowConfidence,
        chars: a.dist.map((p, i) => ({
          char: a.symbols[i],
          p: round6(a.topP[i]),
          alternatives: ranking(p).slice(1, 4).map((s) => [vocabulary[s], round6(p[s])]),
        })),
      };
    }

    // Text -> {operands} or {error: the CLI's one-line reason}.
    function parse(text) {
      try {
        return { operands: parser.parse(text).map(Number) };
      } catch (error) {
        if (error instanceof ParseError) return { error: error.message };
        throw error;
      }
    }

    return { answer, parse, details, mapCells, describeDomain: parser.describeDomain, data,
      characterName: names.name };
  }

  // ---- The page ----------------------------------------------------------------------------

  // A probability as the CLI shows it: never 100.0% unless it is exactly 1 (repl/progress.py).
  function percent(p) {
    const text = (p * 100).toFixed(1) + "%";
    return text === "100.0%" && p < 1 ? ">99.9%" : text;
  }

  const shown = (ch) => (ch === PAD ? "␣" : ch);
  const byId = (id) => document.getElementById(id);

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function banner(seqsum) {
    const model = seqsum.data.model;
    const figures = model.figures && typeof model.figures === "object" ? model.figures : {};
    const all = figures.all && typeof figures.all === "object" ? figures.all : {};
    const exact = typeof all.exact_match === "number" ? ", exact match " + percent(all.exact_match) : "";
    return " · " + model.file + " (" + model.source + ") · " + seqsum.describeDomain + exact;
  }

  function example(domain) {
    return [12, 34, 56, 78, 90].slice(0, domain.terms).map((v) => Math.min(v, domain.max_operand)).join("+");
  }

  function showAnswer(seqsum, text, parts) {
    for (const part of [parts.summary, parts.measures, parts.error]) part.replaceChildren();
    parts.positions.replaceChildren();
    const parsed = seqsum.parse(text);
    if (parsed.error) {
      parts.error.textContent = parsed.error;
      return;
    }
    const a = seqsum.details(parsed.operands);
    parts.summary.append(
      "network ",
      element("strong", "prediction", a.prediction || "(blank)"),
      "  ",
      element("span", a.correct ? "ok" : "wrong", a.correct ? "✓" : "✗"),
      (a.correct ? " right" : " wrong") + ", true sum " + a.truth,
    );
    parts.measures.append("confidence " + percent(a.confidence) + ", " + (a.checks
      ? percent(a.agreement) + " of " + a.checks + " related sums agree"
      : "no related sum to check"));
    if (a.lowConfidence) parts.measures.append("  ", element("span", "unsure", "unsure"));
    const vocabulary = seqsum.data.vocabulary;
    a.dist.forEach((p, position) => {
      const column = element("figure", "position");
      column.append(element("figcaption", null, "position " + (position + 1) + " (" + shown(a.symbols[position]) + ")"));
      for (let s = 0; s < vocabulary.length; s++) {
        const row = element("div", vocabulary[s] === a.symbols[position] ? "row top" : "row");
        const bar = element("span", "bar");
        bar.style.width = (100 * p[s]).toFixed(2) + "%";
        const track = element("span", "track");
        track.append(bar);
        row.append(element("span", "symbol", shown(vocabulary[s])), track, element("span", "p", percent(p[s])));
        column.append(row);
      }
      parts.positions.append(column);
    });
  }

  // Labels every `step` cells: the first of 1, 2, 5, 10, 20, 50, ... that leaves `gap` pixels.
  function tickStep(cellSize, gap) {
    for (let power = 1; ; power *= 10) {
      for (const k of [1, 2, 5]) if (k * power * cellSize >= gap) return k * power;
    }
  }

  // Draw the grid on the canvas with tick labels and axis names, sized to its box and sharp at
  // the screen's devicePixelRatio. Returns where the grid is, for hit testing clicks.
  function drawMap(canvas, map, cells) {
    const style = getComputedStyle(canvas);
    const width = Math.min(canvas.parentElement.clientWidth, 600); // CSS pixels
    const font = "12px " + style.fontFamily;
    const ratio = window.devicePixelRatio || 1;
    const ctx = canvas.getContext("2d");
    ctx.font = font;
    const labelWidth = ctx.measureText(String((map.rows - 1) * map.block)).width;
    const left = 18 + labelWidth + 6, top = 18 + 16; // axis name band, then tick labels
    const cell = (width - left - 2) / map.columns;
    const height = Math.ceil(top + cell * map.rows + 2);
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.font = font;
    // Cell edges on whole device pixels: no blur, no seams between cells.
    const edge = (origin, i) => Math.round((origin + i * cell) * ratio) / ratio;
    for (const c of cells) {
      const x = edge(left, c.col), y = edge(top, c.row);
      ctx.fillStyle = map.colours[c.category];
      ctx.fillRect(x, y, edge(left, c.col + 1) - x, edge(top, c.row + 1) - y);
    }
    ctx.fillStyle = style.color;
    const step = tickStep(cell, Math.max(labelWidth + 12, 24));
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    for (let i = 0; i < map.columns; i += step) ctx.fillText(String(i * map.block), left + (i + 0.5) * cell, top - 3);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (let i = 0; i < map.rows; i += step) ctx.fillText(String(i * map.block), left - 4, top + (i + 0.5) * cell);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.fillText("second operand →", left + (cell * map.columns) / 2, 2);
    ctx.save();
    ctx.translate(2, top + (cell * map.rows) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText("first operand ↓", 0, 0);
    ctx.restore();
    return { left, top, cell };
  }

  // The map section: canvas, legend with counts, notes; a click on a cell types its sum.
  function showMap(seqsum, map, typeSum) {
    const canvas = byId("map-canvas");
    const cells = seqsum.mapCells(map);
    byId("map").hidden = false;
    map.categories.forEach((name, category) => {
      const item = element("li");
      const swatch = element("span", "swatch");
      swatch.style.background = map.colours[category];
      item.append(swatch, name + ": " + thousands(map.counts[name]) + " " + map.counted);
      byId("map-legend").append(item);
    });
    const hint = "Click or tap a cell to try its sum" + (map.block > 1 ? " (the first pair of its block)." : ".");
    for (const note of [...map.notes, hint]) byId("map-notes").append(element("li", null, note));
    canvas.setAttribute("aria-label", "map of " + map.rows + " by " + map.columns + " cells; counts below");
    let grid = null;
    const draw = () => { grid = drawMap(canvas, map, cells); };
    draw();
    window.addEventListener("resize", draw); // also fires when zoom changes devicePixelRatio
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", draw);
    canvas.addEventListener("click", (event) => {
      const box = canvas.getBoundingClientRect();
      const col = Math.floor((event.clientX - box.left - grid.left) / grid.cell);
      const row = Math.floor((event.clientY - box.top - grid.top) / grid.cell);
      if (row >= 0 && row < map.rows && col >= 0 && col < map.columns) typeSum(cells[row * map.columns + col].sum);
    });
  }

  function startPage(seqsum) {
    const data = seqsum.data;
    byId("banner").append(banner(seqsum));
    const created = typeof data.model.created === "string" ? data.model.created : "unknown";
    byId("about-text").textContent = thousands(data.model.parameters) + " parameters, " +
      data.model.units + " LSTM units, questions read " +
      (data.question_align === "right" ? "right-aligned" : "left-aligned") + ", answers written " +
      (data.answer_order === "reversed" ? "last character first" : "first character first") + "; unsure below " +
      percent(data.threshold) + " agreement; created " + created +
      "; names characters as Unicode " + data.characters.unicode_version + ".";
    const input = byId("input");
    input.placeholder = example(data.domain);
    const parts = { summary: byId("summary"), measures: byId("measures"), error: byId("error"),
      positions: byId("positions") };
    const update = () => showAnswer(seqsum, input.value, parts);
    input.addEventListener("input", update);
    byId("sum").addEventListener("submit", (event) => event.preventDefault());
    input.value = example(data.domain);
    update();
    // The map section is shown only when the data carries a map of the domain.
    if (data.map && typeof data.map === "object") {
      showMap(seqsum, data.map, (sum) => {
        input.value = sum;
        update();
        byId("sum").scrollIntoView({ block: "nearest" }); // on a phone the answer is above the map
      });
    }
  }

  const root = typeof window !== "undefined" ? window : globalThis;
  root.seqsum = createSeqsum(JSON.parse(document.getElementById("seqsum-data").textContent));
  if (document.getElementById("sum")) startPage(root.seqsum); // absent where tests run the script alone
})();

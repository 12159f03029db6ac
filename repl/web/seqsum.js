// seqsum's answer path in the browser: the strict parser (core/parse.py), the network's forward
// pass and its step-by-step trace (core/reference.py), the related-sums agreement
// (core/confidence.py) and the --json record (repl/render.py), ported line for line. The page
// embeds the model; nothing is loaded. What it draws comes from the shared templates
// (repl/web/templates.html), filled in by views.js, which runs before this.
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

  // One LSTM step as core/reference.py writes it, keeping the gates: z -> {h, c, gates}.
  function tracedStep(z, h, c, units) {
    const gates = { input: [], forget: [], candidate: [], output: [] };
    for (let j = 0; j < units; j++) {
      gates.input.push(sigmoid(z[j]));
      gates.forget.push(sigmoid(z[units + j]));
      gates.candidate.push(Math.tanh(z[2 * units + j]));
      gates.output.push(sigmoid(z[3 * units + j]));
      c[j] = gates.forget[j] * c[j] + gates.input[j] * gates.candidate[j];
      h[j] = gates.output[j] * Math.tanh(c[j]);
    }
    return { h: Array.from(h), c: Array.from(c), gates };
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

    // Every step of one question's way through the network, as core/reference.py keeps it:
    // {encoder: [{h, c, gates}], decoder: [{h, c, gates, probabilities, position}]}, the
    // decoder's steps in the order written.
    this.trace = function (question) {
      const h = new Float64Array(units), c = new Float64Array(units);
      const encoder = question.map((symbol) => {
        const z = new Float64Array(gates);
        for (let j = 0; j < gates; j++) z[j] = encoderRows[symbol * gates + j];
        addProduct(z, h, w.encoder_recurrent, gates);
        return tracedStep(z, h, c, units);
      });
      const xProj = Float64Array.from(w.decoder_bias);
      addProduct(xProj, h, w.decoder_kernel, gates);
      const dh = new Float64Array(units), dc = new Float64Array(units);
      const decoder = positions.map((position) => {
        const z = Float64Array.from(xProj);
        addProduct(z, dh, w.decoder_recurrent, gates);
        const step = tracedStep(z, dh, dc, units);
        const logits = Float64Array.from(w.dense_bias);
        addProduct(logits, dh, w.dense_kernel, vocabulary);
        const top = Math.max(...logits);
        let total = 0;
        for (let s = 0; s < vocabulary; s++) total += (logits[s] = Math.exp(logits[s] - top));
        step.probabilities = Array.from(logits, (v) => v / total);
        step.position = position;
        return step;
      });
      return { encoder, decoder };
    };

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

  const ROTATED_ONLY = []; // the cheaper check's moves: none, so its one related sum is the row rotated

  // Related sums of one row: the row rotated by one place, and for each offset (`moves`) and
  // operand the row with offset added to that operand, as is and rotated; only those inside the
  // domain and different from the row. -> [[operands, offset], ...]
  function relatedSums(operands, maxOperand, moves = OFFSETS) {
    const rotate = (v) => [v[v.length - 1], ...v.slice(0, -1)]; // np.roll(v, 1)
    const views = [];
    for (const offset of moves) {
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

    // The question as the network reads it: each operand right-aligned in its field, or
    // left-aligned (core.codec.QUESTION_ALIGNS), padded to the input width.
    function questionText(operands) {
      const text = data.question_align === "right"
        ? operands.map((v) => String(v).padStart(operandWidth, PAD)).join("+") : operands.join("+");
      return text.padEnd(inputWidth, PAD);
    }
    const symbolsOf = (text) => Array.from(text, (ch) => vocabulary.indexOf(ch));

    function probabilities(operands) {
      const key = operands.join("+");
      if (!cache.has(key)) cache.set(key, network.probabilities(symbolsOf(questionText(operands))));
      return cache.get(key);
    }

    // One tuple followed through the network, as `seqsum-repl trace --json` writes it.
    function trace(operands, text) {
      const question = questionText(operands);
      const steps = network.trace(symbolsOf(question));
      const written = steps.decoder.map((step) => vocabulary[argmax(step.probabilities)]);
      const chars = Array(written.length).fill(PAD);
      steps.decoder.forEach((step, i) => { chars[step.position] = written[i]; });
      const prediction = chars.join("").replace(/^ +| +$/g, "");
      const truth = operands.reduce((a, b) => a + b, 0);
      return {
        input: text === undefined ? operands.join("+") : text, operands, question, vocabulary,
        answer_order: data.answer_order,
        encoder: steps.encoder.map((step, t) => ({ char: question[t], ...step })),
        decoder: steps.decoder.map((step, i) => ({ position: step.position, char: written[i], h: step.h, c: step.c,
          gates: step.gates, probabilities: step.probabilities })),
        prediction, truth, correct: prediction === String(truth),
      };
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
      // A model without an answer table asks every related sum of an answer less than data.sure
      // sure, only the rotated sum up to data.glance, and none of a surer one (compared in
      // float32, as numpy compares the product of float32 probabilities).
      const below = (level) => level == null || Math.fround(confidence) < Math.fround(level);
      const every = below(data.sure);
      const rotatedOnly = !every && data.glance != null && below(data.glance);
      const asked = every || rotatedOnly;
      const related = every ? relatedSums(operands, domain.max_operand)
        : rotatedOnly ? relatedSums(operands, domain.max_operand, ROTATED_ONLY) : [];
      const fitting = related.filter(([v, offset]) =>
        value >= 0 && answerValue(written(probabilities(v))) === value + offset).length;
      const agreement = related.length ? fitting / related.length : confidence;
      return {
        operands, dist, symbols, topP, prediction, truth, confidence, agreement,
        checks: related.length,
        sure: asked ? null : data.glance ?? data.sure, // the confidence from which no related sum was asked
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

    // One record per epoch of the model's training history (core.history), or [] without one.
    const history = () => JSON.parse(JSON.stringify(data.history || []));

    return { answer, parse, details, probabilities, trace, history, describeDomain: parser.describeDomain, data,
      characterName: names.name };
  }

  // ---- The page ----------------------------------------------------------------------------

  const byId = (id) => document.getElementById(id);

  function example(domain) {
    return [12, 34, 56, 78, 90].slice(0, domain.terms).map((v) => Math.min(v, domain.max_operand)).join("+");
  }

  // The answer and its trace for what is typed, drawn from the shared templates; a refused
  // input gets the CLI's one-line reason.
  function showAnswer(seqsum, templates, text) {
    const views = root.seqsumViews;
    const answer = byId("answer"), traced = byId("trace"), error = byId("error");
    answer.replaceChildren();
    traced.replaceChildren();
    error.textContent = "";
    const parsed = seqsum.parse(text);
    if (parsed.error) {
      error.textContent = parsed.error;
      return;
    }
    const vocabulary = seqsum.data.vocabulary;
    templates.into(answer, "answer", views.answerView(seqsum.details(parsed.operands), vocabulary, text.trim()));
    templates.into(traced, "trace", views.traceView(seqsum.trace(parsed.operands, text), seqsum.data.levels));
    views.enhance(traced, templates);
  }

  function startPage(seqsum) {
    const data = seqsum.data;
    const views = root.seqsumViews;
    const templates = new views.Templates(data.templates);
    const input = byId("input");
    input.placeholder = example(data.domain);
    const update = () => showAnswer(seqsum, templates, input.value);
    input.addEventListener("input", update);
    byId("sum").addEventListener("submit", (event) => event.preventDefault());
    input.value = example(data.domain);
    update();
    // The map, the history and the probe were drawn when the page was written; a click on a
    // map's cell types its sum (on a phone the answer is above the map).
    views.enhance(byId("drawn"), templates, (sum) => {
      input.value = sum;
      update();
      byId("sum").scrollIntoView({ block: "nearest" });
    });
  }

  const root = typeof window !== "undefined" ? window : globalThis;
  root.seqsum = createSeqsum(JSON.parse(document.getElementById("seqsum-data").textContent));
  if (document.getElementById("sum")) startPage(root.seqsum); // absent where tests run the script alone
})();

// The playground's page: controls, drawing and the animation loop. Every number comes from
// neurona's core in WebAssembly (neurona.js); this file only asks for it and draws it.
import { Neurona } from "./neurona.js";

const DATASETS = ["circle", "xor", "moons", "spiral", "gauss", "plane", "sine"];
const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];
const DOMAIN = 6;
const RES = 40; // heat-map cells per side
const query = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);

const ui = {
  dataset: query.get("dataset") || "circle",
  features: (query.get("features") || "x1,x2").split(","),
  hidden: (query.get("hidden") ?? "4,2").split(",").filter((s) => s !== "").map(Number),
};
let nr, session = null, opened = null, state = null, playing = false, stepMs = null;

// --- colours -------------------------------------------------------------------------------
// TensorFlow Playground's scale: orange for low (-1), white for 0, blue for high (+1).
function colour(t) {
  t = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const [lo, hi] = [[245, 147, 34], [8, 119, 189]];
  const end = t < 0 ? lo : hi, a = Math.abs(t);
  return [0, 1, 2].map((i) => Math.round(255 + (end[i] - 255) * a));
}
const css = (t) => `rgb(${colour(t).join(",")})`;

// Draws map `values` (RES x RES, row-major from the top) into ctx at (x, y, size), scaled by `scale`.
function drawMap(ctx, values, x, y, size, scale) {
  const image = new ImageData(RES, RES);
  for (let i = 0; i < RES * RES; i++) {
    const [r, g, b] = colour(values[i] / scale);
    image.data.set([r, g, b, 255], 4 * i);
  }
  const tmp = new OffscreenCanvas(RES, RES);
  tmp.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, x, y, size, size);
}
const maxAbs = (v) => v.reduce((m, x) => (Number.isFinite(x) ? Math.max(m, Math.abs(x)) : m), 1e-12);

// --- settings ------------------------------------------------------------------------------
function readNumber(id, fallback) {
  const v = query.get(id);
  return v === null ? fallback : Number(v);
}

function settings() {
  const model = $("model").value;
  const params = model === "perceptron" ? { max_iter: 1 } : {
    hidden_layer_sizes: ui.hidden,
    activation: $("activation").value,
    solver: $("solver").value,
    learning_rate_init: Number($("lr").value),
    learning_rate: $("schedule").value,
    momentum: Number($("momentum").value),
    alpha: Number($("alpha").value),
    batch_size: $("batch").value === "auto" ? "auto" : Number($("batch").value),
    // scikit-learn's rule ends a fit after 10 epochs without improvement; a playground that
    // stops by itself after a few seconds surprises, so the rule is a choice, off by default.
    n_iter_no_change: $("stop").value === "sklearn" ? 10 : 1000000,
  };
  return {
    dataset: ui.dataset, model, params, features: ui.features,
    noise: Number($("noise").value) / 100, test_fraction: Number($("test").value) / 100,
    n_samples: Number($("n_samples").value), seed: Number($("seed").value),
  };
}

// Query parameters set the controls (the test and shared links use them).
function applyQuery() {
  const set = (id, key = id) => { if (query.has(key)) $(id).value = query.get(key); };
  set("model"); set("activation"); set("solver"); set("lr"); set("schedule"); set("momentum");
  set("alpha"); set("batch"); set("stop"); set("seed"); set("n_samples", "n"); set("noise"); set("test");
  for (const id of ["lr", "alpha", "momentum", "n_samples", "batch"]) ensureOption($(id));
}
function ensureOption(select) {
  if (![...select.options].some((o) => o.value === select.value || o.text === select.value)) {
    const v = query.get(select.id === "n_samples" ? "n" : select.id);
    if (v !== null) { select.add(new Option(v, v)); select.value = v; }
  }
}

// --- the run -------------------------------------------------------------------------------
function reset() {
  if (session !== null) nr.call({ op: "drop", session });
  $("message").textContent = "";
  try {
    opened = nr.call({ op: "new", settings: settings() });
  } catch (e) {
    $("message").textContent = e.message;
    session = null; state = null;
    return;
  }
  session = opened.session;
  state = opened.state;
  stepMs = null;
  draw();
}

function step(n = 1) {
  if (session === null) return;
  const t0 = performance.now();
  try {
    state = nr.call({ op: "step", session, n });
  } catch (e) {
    $("message").textContent = e.message;
    pause();
    return;
  }
  const ms = (performance.now() - t0) / n;
  stepMs = stepMs === null ? ms : 0.9 * stepMs + 0.1 * ms;
  if (state.converged) { $("message").textContent = "converged: " + (state.message || "the solver stopped"); pause(); }
}

function frame() {
  if (!playing) return;
  step(1);
  draw();
  requestAnimationFrame(frame);
}
function play() { playing = true; $("play").innerHTML = "&#10074;&#10074;"; requestAnimationFrame(frame); }
function pause() { playing = false; $("play").innerHTML = "&#9654;"; }

// --- drawing -------------------------------------------------------------------------------
function draw() {
  if (!state) return;
  $("steps").textContent = state.steps;
  $("step-unit").textContent = state.stochastic || $("model").value === "perceptron" ? "epochs" : "iterations";
  // Under a headless browser's virtual time (the screenshots) every step takes 0 ms.
  $("epoch-ms").textContent = stepMs === null || stepMs < 0.005 ? "–" : stepMs.toFixed(2);
  const last = (a) => (a.length ? a[a.length - 1] : NaN);
  const fmt = (v) => (Number.isFinite(v) ? v.toFixed(3) : "–");
  $("test-loss").textContent = fmt(last(state.test_loss));
  $("train-loss").textContent = fmt(last(state.train_loss));
  $("test-score").textContent = fmt(last(state.test_score));
  $("score-name").textContent = state.regression ? "R²" : "accuracy";
  const maps = nr.grid(session, RES);
  drawBoundary(maps);
  drawNetwork(maps);
  drawCurves();
}

function drawBoundary(maps) {
  const canvas = $("boundary"), ctx = canvas.getContext("2d");
  const cells = RES * RES, output = maps.subarray(maps.length - cells);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (state.steps > 0) {
    // A probability is drawn as 2p - 1; a value or score by the largest size on the plane.
    const shifted = state.regression || $("model").value === "perceptron"
      ? Array.from(output) : Array.from(output, (p) => 2 * p - 1);
    // Lighter than the units' maps, so that the points stand out on it.
    drawMap(ctx, shifted, 0, 0, canvas.width, 1.6 * maxAbs(shifted));
  }
  const scaleY = state.regression ? maxAbs(opened.train.y) : 1;
  const dot = (x, y, t, test) => {
    const px = ((x + DOMAIN) / (2 * DOMAIN)) * canvas.width, py = ((DOMAIN - y) / (2 * DOMAIN)) * canvas.height;
    ctx.beginPath(); ctx.arc(px, py, 3.2, 0, 2 * Math.PI);
    ctx.fillStyle = css(state.regression ? t / scaleY : 2 * t - 1); ctx.fill();
    ctx.lineWidth = 1; ctx.strokeStyle = test ? "#000" : "#fff"; ctx.stroke();
  };
  const points = (set, test) => set.y.forEach((t, i) => dot(set.x[2 * i], set.x[2 * i + 1], t, test));
  points(opened.train, false);
  if ($("show-test").checked) points(opened.test, true);
}

function drawNetwork(maps) {
  const canvas = $("network"), ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const units = state.layer_units, cells = RES * RES;
  const size = Math.min(44, (canvas.height - 20) / Math.max(...units) - 8);
  const colX = (l) => 20 + (l * (canvas.width - 40 - size)) / (units.length - 1);
  const rowY = (l, j) => (canvas.height - units[l] * (size + 8)) / 2 + j * (size + 8);
  // Weights first, under the units.
  if (state.weights) {
    const coefs = state.weights.coefs;
    const biggest = Math.max(1e-12, ...coefs.flat(2).map(Math.abs));
    coefs.forEach((layer, l) => layer.forEach((row, i) => row.forEach((w, j) => {
      ctx.beginPath();
      ctx.moveTo(colX(l) + size, rowY(l, i) + size / 2);
      ctx.lineTo(colX(l + 1), rowY(l + 1, j) + size / 2);
      ctx.lineWidth = 0.5 + 5 * Math.abs(w) / biggest;
      ctx.strokeStyle = css(w >= 0 ? 0.85 : -0.85);
      ctx.stroke();
    })));
  }
  let map = 0;
  units.forEach((n, l) => {
    for (let j = 0; j < n; j++, map++) {
      const values = maps.subarray(map * cells, (map + 1) * cells);
      const isOutput = l === units.length - 1;
      const shown = isOutput && !state.regression && $("model").value === "mlp" ? values.map((p) => 2 * p - 1) : values;
      drawMap(ctx, shown, colX(l), rowY(l, j), size, maxAbs(shown));
      ctx.strokeStyle = "#999"; ctx.lineWidth = 1; ctx.strokeRect(colX(l), rowY(l, j), size, size);
      if (l === 0) { ctx.fillStyle = "#333"; ctx.font = "11px sans-serif"; ctx.fillText(state.features[j], colX(l), rowY(l, j) - 2); }
    }
  });
}

function drawCurves() {
  const canvas = $("curves"), ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const series = [[state.train_loss, "#999"], [state.test_loss, "#222"]];
  const all = series.flatMap(([s]) => s).filter(Number.isFinite);
  if (!all.length) return;
  const top = Math.max(...all) * 1.05 || 1;
  for (const [s, stroke] of series) {
    ctx.beginPath();
    s.forEach((v, i) => {
      const x = (i / Math.max(1, s.length - 1)) * canvas.width, y = canvas.height - (v / top) * canvas.height;
      i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    });
    ctx.strokeStyle = stroke; ctx.lineWidth = 1.5; ctx.stroke();
  }
  ctx.fillStyle = "#555"; ctx.font = "11px sans-serif";
  ctx.fillText("test loss (dark), training loss (grey)", 6, 12);
}

// --- data set and feature pickers ----------------------------------------------------------
function pickers() {
  for (const name of DATASETS) {
    const c = document.createElement("canvas");
    c.width = c.height = 44; c.title = name;
    if (name === ui.dataset) c.classList.add("selected");
    c.onclick = () => {
      ui.dataset = name;
      document.querySelectorAll("#datasets canvas").forEach((e) => e.classList.toggle("selected", e === c));
      reset();
    };
    $("datasets").append(c);
    const thumb = nr.call({ op: "new", settings: { dataset: name, n_samples: 120, test_fraction: 0, model: "mlp", params: { hidden_layer_sizes: [1] } } });
    nr.call({ op: "drop", session: thumb.session });
    const ctx = c.getContext("2d"), scale = name === "plane" || name === "sine" ? maxAbs(thumb.train.y) : 1;
    thumb.train.y.forEach((t, i) => {
      ctx.fillStyle = css(scale === 1 ? 2 * t - 1 : t / scale);
      ctx.fillRect(((thumb.train.x[2 * i] + DOMAIN) / 12) * 44 - 1.5, ((DOMAIN - thumb.train.x[2 * i + 1]) / 12) * 44 - 1.5, 3, 3);
    });
  }
  for (const name of FEATURES) {
    const label = document.createElement("label"), box = document.createElement("input");
    box.type = "checkbox"; box.checked = ui.features.includes(name);
    box.onchange = () => { ui.features = FEATURES.filter((f, i) => $("features").querySelectorAll("input")[i].checked); reset(); };
    label.append(box, name);
    $("features").append(label);
  }
}

function layerButtons() {
  const box = $("layer-buttons");
  box.innerHTML = "";
  ui.hidden.forEach((n, l) => {
    const span = document.createElement("span");
    span.textContent = ` L${l + 1}: ${n} `;
    for (const [text, d] of [["+", 1], ["−", -1]]) {
      const b = document.createElement("button");
      b.textContent = text;
      b.onclick = () => { ui.hidden[l] = Math.max(1, Math.min(16, n + d)); layerButtons(); reset(); };
      span.append(b);
    }
    box.append(span);
  });
}

function showModelControls() {
  document.querySelectorAll(".mlp-only").forEach((e) => (e.style.display = $("model").value === "mlp" ? "" : "none"));
}

function download() {
  if (session === null || !state.steps) return;
  const bytes = nr.call({ op: "model", session });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  a.download = `playground-${ui.dataset}.safetensors`;
  a.click();
}

// --- the worked example --------------------------------------------------------------------
let workedStage = 0;
function worked() {
  const t = nr.call({ op: "worked_example" });
  const f = (v) => v.toFixed(8);
  const table = (title, rows) => `<table><tr><th colspan="${rows[0].length}">${title}</th></tr>` +
    rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("") + "</table>";
  const [h, o] = t.layers;
  const stages = [
    table("inputs", [["i1", "i2"], t.inputs.map(f)]) + table("targets", [["o1", "o2"], t.targets.map(f)]),
    table("hidden: net = w·x + b, out = σ(net)", [["unit", "net", "out"], ...h.net.map((n, j) => [`h${j + 1}`, f(n), f(h.out[j])])]),
    table("output: net, out", [["unit", "net", "out"], ...o.net.map((n, j) => [`o${j + 1}`, f(n), f(o.out[j])])]) +
      table("error ½(target − out)²", [...t.output_errors.map((e, j) => [`E${j + 1}`, f(e)]), ["E total", f(t.total_error)]]),
    table("output deltas: ∂E/∂out · ∂out/∂net", [["unit", "∂E/∂out", "∂out/∂net", "δ"], ...o.delta.map((d, j) => [`o${j + 1}`, f(o.d_error_d_out[j]), f(o.d_out_d_net[j]), f(d)])]) +
      table("hidden deltas", [["unit", "∂E/∂out", "∂out/∂net", "δ"], ...h.delta.map((d, j) => [`h${j + 1}`, f(h.d_error_d_out[j]), f(h.d_out_d_net[j]), f(d)])]),
    ...[[h, "hidden", "i"], [o, "output", "h"]].map(([layer, name, input]) => table(`${name} weights: w − η ∂E/∂w`,
      [["weight", "w", "∂E/∂w", "w⁺"], ...layer.weights.flatMap((row, j) => row.map((w, i) =>
        [`${input}${i + 1}→${name[0]}${j + 1}`, f(w), f(layer.weight_gradients[j][i]), f(layer.updated_weights[j][i])]))])),
  ];
  const titles = ["1. inputs and targets", "2. forward: hidden layer", "3. forward: output and error", "4. backward: deltas", "5. update: hidden weights", "6. update: output weights"];
  const show = () => {
    $("worked-body").innerHTML = stages.slice(0, workedStage + 1).map((s, i) => `<div class="stage"><b>${titles[i]}</b><br>${s}</div>`).join("");
  };
  $("worked-next").onclick = () => { workedStage = Math.min(stages.length - 1, workedStage + 1); show(); };
  $("worked-all").onclick = () => { workedStage = stages.length - 1; show(); };
  show();
}

// --- speed and the automatic run (tests, screenshots) --------------------------------------
// One epoch of a 2-8-8-1 network on 500 training points: the epoch alone (`record: false`),
// and the step as the animation sees it, with the training and test losses and scores it records.
function bench(activation, batch) {
  const { session: id } = nr.call({ op: "new", settings: { dataset: "xor", n_samples: 1000, test_fraction: 0.5, seed: 0,
    params: { hidden_layer_sizes: [8, 8], activation, solver: "adam", learning_rate_init: 0.03, batch_size: batch, alpha: 0,
      n_iter_no_change: 1000000 } } });
  nr.call({ op: "step", session: id, n: 5 });
  const time = (record) => {
    const n = 200, t0 = performance.now();
    for (let i = 0; i < n; i++) nr.call({ op: "step", session: id, n: 1, record });
    return (performance.now() - t0) / n;
  };
  const result = { activation, batch_size: batch, epoch_ms: time(false), step_ms: time(true) };
  nr.call({ op: "drop", session: id });
  return result;
}

function base64(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

async function autorun() {
  const epochs = Number(query.get("epochs"));
  const t0 = performance.now();
  step(epochs);
  const wall = performance.now() - t0;
  draw();
  const grid = [];
  const n = 20;
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) grid.push(-DOMAIN + (c + 0.5) * (12 / n), DOMAIN - (r + 0.5) * (12 / n));
  const result = {
    settings: settings(), state, train: opened.train, test: opened.test, wall_ms: wall,
    grid, grid_predictions: nr.call({ op: "predict", session, points: grid }).predictions,
    model_base64: state.steps ? base64(nr.call({ op: "model", session })) : null,
    bench: query.has("bench") ? [bench("tanh", 10), bench("relu", "auto")] : null,
    user_agent: navigator.userAgent,
  };
  $("result").textContent = JSON.stringify(result);
  if (query.has("report")) await fetch(query.get("report"), { method: "POST", body: JSON.stringify(result) });
}

async function main() {
  nr = await Neurona.load(await (await fetch("neurona_wasm.wasm")).arrayBuffer());
  applyQuery();
  pickers();
  layerButtons();
  showModelControls();
  worked();
  for (const id of ["activation", "solver", "lr", "schedule", "momentum", "alpha", "batch", "stop", "n_samples", "seed"]) $(id).onchange = reset;
  for (const [id, out] of [["noise", "noise-out"], ["test", "test-out"]]) {
    $(out).textContent = $(id).value;
    $(id).oninput = () => { $(out).textContent = $(id).value; reset(); };
  }
  $("model").onchange = () => { showModelControls(); reset(); };
  $("show-test").onchange = draw;
  $("play").onclick = () => (playing ? pause() : play());
  $("step").onclick = () => { step(1); draw(); };
  $("reset").onclick = () => { pause(); reset(); };
  $("add-layer").onclick = () => { if (ui.hidden.length < 6) ui.hidden.push(4); layerButtons(); reset(); };
  $("remove-layer").onclick = () => { ui.hidden.pop(); layerButtons(); reset(); };
  $("download").onclick = download;
  reset();
  if (query.has("epochs")) await autorun();
  else if (query.has("play")) play();
}

main().catch((e) => {
  $("message").textContent = "The playground could not start: " + e.message;
  $("result").textContent = JSON.stringify({ error: e.message });
  if (query.has("report")) fetch(query.get("report"), { method: "POST", body: JSON.stringify({ error: e.message }) });
});

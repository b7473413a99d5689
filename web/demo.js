// The wasm-rnn web demo: a character-level LSTM writing words as you type, and an LSTM
// forecaster plotting its prediction of a live series. Uses the trained models of models/ when
// the server lists them (/models/list.json), otherwise randomly initialized LSTMs of the same
// shapes (the page then says so: the text is gibberish, the forecast is not meaningful).
import { ready, LSTM, GRU, readSafetensors, readSafetensorsMetadata } from 'wasm-rnn';

const $ = (id) => document.getElementById(id);
const VOCAB = '\n' + 'abcdefghijklmnopqrstuvwxyz';
const MAX_TOKENS = 160;
const status = (window.demoStatus = { ready: false, tokens: 0, forecasts: 0, charModel: '', forecastModel: '', error: '' });

// seeded RNG so a run is reproducible (?seed=N)
let seed = Number(new URLSearchParams(location.search).get('seed') ?? 1) >>> 0 || 1;
const rand = () => ((seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);

async function listModels() {
  try {
    const res = await fetch('./models/list.json');
    return res.ok ? await res.json() : [];
  } catch {
    return [];
  }
}

async function loadFile(name) {
  const bytes = new Uint8Array(await (await fetch(`./models/${name}`)).arrayBuffer());
  return { name, sd: readSafetensors(bytes), meta: readSafetensorsMetadata(bytes) };
}

/** The LSTM keys under `prefix` → layer options, from the weight shapes. */
function lstmShape(sd, prefix) {
  const w = sd[`${prefix}weight_ih_l0`];
  const u = sd[`${prefix}weight_hh_l0`];
  if (!w || !u || w.shape[0] !== 4 * u.shape[1]) return null;
  let numLayers = 0;
  while (sd[`${prefix}weight_ih_l${numLayers}`]) numLayers++;
  if (sd[`${prefix}weight_ih_l0_reverse`] || sd[`${prefix}weight_hr_l0`]) return null;
  return { inputSize: w.shape[1], hiddenSize: u.shape[1], numLayers, bias: !!sd[`${prefix}bias_ih_l0`] };
}

/** A Linear: y = W x + b, W [out, in]. */
function linear(W, b, out, inp) {
  return (x) => {
    const y = new Float32Array(out);
    for (let o = 0; o < out; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inp; i++) s += W[o * inp + i] * x[i];
      y[o] = s;
    }
    return y;
  };
}

function randomLinear(out, inp) {
  const k = 1 / Math.sqrt(inp);
  const W = Float32Array.from({ length: out * inp }, () => (rand() * 2 - 1) * k);
  const b = Float32Array.from({ length: out }, () => (rand() * 2 - 1) * k);
  return linear(W, b, out, inp);
}

// ---------- the character model: Embedding(27, E) -> LSTM(E, H, L) -> Linear(H, 27)

async function makeCharModel(files) {
  for (const f of files) {
    const { sd } = f;
    const emb = sd['emb.weight'];
    const head = sd['head.weight'];
    const opts = lstmShape(sd, 'lstm.');
    if (!emb || !head || !opts || emb.shape[0] !== VOCAB.length || head.shape[0] !== VOCAB.length || emb.shape[1] !== opts.inputSize) continue;
    const lstm = new LSTM({ ...opts, batchFirst: true });
    lstm.loadStateDict(sd, { prefix: 'lstm.', strict: false });
    return {
      label: `${f.name}: Embedding(${VOCAB.length}, ${opts.inputSize}) → LSTM(${opts.inputSize}, ${opts.hiddenSize}) × ${opts.numLayers} → Linear`,
      lstm,
      embed: (id) => sd['emb.weight'].data.subarray(id * opts.inputSize, (id + 1) * opts.inputSize),
      head: linear(head.data, sd['head.bias']?.data, VOCAB.length, opts.hiddenSize),
      trained: true,
    };
  }
  const E = 16, H = 80;
  const table = Float32Array.from({ length: VOCAB.length * E }, () => rand() * 2 - 1);
  return {
    label: `random weights (no trained model in models/ yet): LSTM(${E}, ${H}) × 2`,
    lstm: new LSTM({ inputSize: E, hiddenSize: H, numLayers: 2, seed: 7 }),
    embed: (id) => table.subarray(id * E, (id + 1) * E),
    head: randomLinear(VOCAB.length, H),
    trained: false,
  };
}

function sample(logits, temperature = 0.8) {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const p = Array.from(logits, (v) => Math.exp((v - max) / temperature));
  let r = rand() * p.reduce((a, b) => a + b, 0);
  for (let i = 0; i < p.length; i++) if ((r -= p[i]) <= 0) return i;
  return p.length - 1;
}

function startGenerator(model) {
  const out = $('output');
  const input = $('prompt');
  let run = 0; // each prompt edit starts a new run; older loops stop
  let modelMs = 0;
  let modelTokens = 0;

  const restart = () => {
    const id = ++run;
    const prompt = input.value.toLowerCase().replace(/[^a-z]/g, '');
    out.textContent = '';
    const p = document.createElement('span');
    p.className = 'prompt';
    p.textContent = prompt;
    out.append(p);
    const state = model.lstm.createState();
    const stepChar = (ch) => {
      const t0 = performance.now();
      const y = model.lstm.step({ data: model.embed(ch), shape: [1, model.embed(ch).length] }, state, { view: true });
      const logits = model.head(y.data);
      modelMs += performance.now() - t0;
      modelTokens++;
      return logits;
    };
    let logits = stepChar(0); // a word starts after '\n'
    for (const c of prompt) logits = stepChar(VOCAB.indexOf(c));
    let produced = 0;
    const tick = () => {
      if (id !== run) return state.dispose?.();
      const next = sample(logits);
      const span = document.createElement('span');
      span.className = 'tok';
      span.textContent = next === 0 ? ' ' : VOCAB[next];
      out.append(span);
      produced++;
      status.tokens++;
      $('tokens').textContent = String(status.tokens);
      if (modelMs > 0) $('tps').textContent = Math.round((modelTokens * 1000) / modelMs).toLocaleString('en');
      logits = stepChar(next);
      if (produced < MAX_TOKENS) setTimeout(tick, 25);
      else state.dispose?.();
    };
    setTimeout(tick, 25);
  };
  input.addEventListener('input', restart);
  restart();
}

// ---------- the forecaster: LSTM or GRU(1, H) -> Linear(H, 1), one step ahead, rolled out

/** The LSTM/GRU keys under `prefix` of a 1-input unidirectional model → { Layer, options }. */
function recurrentShape(sd, prefix) {
  const w = sd[`${prefix}weight_ih_l0`];
  const u = sd[`${prefix}weight_hh_l0`];
  if (!w || !u || w.shape[1] !== 1 || sd[`${prefix}weight_ih_l0_reverse`]) return null;
  const H = u.shape[1];
  const Layer = w.shape[0] === 4 * H ? LSTM : w.shape[0] === 3 * H ? GRU : null;
  if (!Layer) return null;
  let numLayers = 0;
  while (sd[`${prefix}weight_ih_l${numLayers}`]) numLayers++;
  return { Layer, kind: Layer === LSTM ? 'LSTM' : 'GRU', options: { inputSize: 1, hiddenSize: H, numLayers, bias: !!sd[`${prefix}bias_ih_l0`] } };
}

async function makeForecaster(files) {
  for (const f of files) {
    const { sd } = f;
    if (sd['emb.weight']) continue;
    for (const prefix of ['gru.', 'lstm.', 'rnn.']) {
      const r = recurrentShape(sd, prefix);
      const head = sd['head.weight'];
      if (!r || !head || head.shape[0] !== 1 || head.shape[1] !== r.options.hiddenSize) continue;
      const layer = new r.Layer(r.options);
      layer.loadStateDict(sd, { prefix, strict: false });
      let norm = { mean: 0, std: 1 };
      try {
        const cfg = JSON.parse(f.meta.wasm_rnn ?? '{}');
        if (cfg.normalization) norm = cfg.normalization;
      } catch {}
      return {
        label: `${f.name}: ${r.kind}(1, ${r.options.hiddenSize}) → Linear, on a live Mackey-Glass series`,
        lstm: layer,
        kind: r.kind,
        head: linear(head.data, sd['head.bias']?.data, 1, r.options.hiddenSize),
        norm,
        series: mackeyGlass(),
        trained: true,
      };
    }
  }
  const H = 32;
  return {
    label: `random weights (no trained forecaster in models/ yet): LSTM(1, ${H})`,
    lstm: new LSTM({ inputSize: 1, hiddenSize: H, seed: 11 }),
    kind: 'LSTM',
    head: randomLinear(1, H),
    norm: { mean: 0, std: 1 },
    series: (k) => Math.sin(k * 0.21) + 0.5 * Math.sin(k * 0.057 + 1) + 0.15 * (rand() * 2 - 1),
    trained: false,
  };
}

/** The series models/train_forecast.py trains on: Mackey-Glass (tau 17, RK4 dt 0.1, one sample per time unit) + slow drift + noise. */
function mackeyGlass() {
  const dt = 0.1, lag = 170, sub = 10;
  const f = (x, xl) => (0.2 * xl) / (1 + xl ** 10) - 0.1 * x;
  const hist = new Array(lag + 1).fill(1.2);
  let x = 1.2;
  const stepUnit = () => {
    for (let i = 0; i < sub; i++) {
      const xl = hist[hist.length - lag - 1], xn = hist[hist.length - lag], xm = 0.5 * (xl + xn);
      const k1 = f(x, xl), k2 = f(x + 0.5 * dt * k1, xm), k3 = f(x + 0.5 * dt * k2, xm), k4 = f(x + dt * k3, xn);
      x += (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
      hist.push(x);
      if (hist.length > lag + 2) hist.shift();
    }
    return x;
  };
  for (let i = 0; i < 1000; i++) stepUnit(); // the transient the training data drops
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return (k) => stepUnit() + 0.1 * Math.sin((2 * Math.PI * k) / 2000) + 0.01 * gauss();
}

function startForecast(model) {
  const canvas = $('plot');
  const ctx = canvas.getContext('2d');
  const WINDOW = 96;
  const HORIZON = 30;
  $('horizon').textContent = String(HORIZON);
  const series = [];
  let t = 0;
  let paused = false;
  let fcMs = 0;
  const signal = model.series;
  for (; t < WINDOW; t++) series.push(signal(t));
  $('pause').addEventListener('click', () => {
    paused = !paused;
    $('pause').textContent = paused ? 'Resume' : 'Pause';
  });

  const forecast = () => {
    const t0 = performance.now();
    const { mean, std } = model.norm;
    const x = Float32Array.from(series.slice(-WINDOW), (v) => (v - mean) / std);
    let { h, c } = model.lstm.forward({ data: x, shape: [WINDOW, 1, 1] });
    const L = model.lstm.numLayers;
    const top = (hh) => hh.data.subarray((L - 1) * model.lstm.hiddenSize, L * model.lstm.hiddenSize);
    const pred = [];
    let y = model.head(top(h))[0];
    for (let k = 0; k < HORIZON; k++) {
      pred.push(y * std + mean);
      ({ h, c } = model.lstm.forward({ data: Float32Array.of(y), shape: [1, 1, 1] }, model.kind === 'LSTM' ? { h0: h, c0: c } : { h0: h }));
      y = model.head(top(h))[0];
    }
    fcMs += performance.now() - t0;
    return pred;
  };

  const draw = (pred) => {
    const W = canvas.width, Hh = canvas.height, pad = 12;
    const all = [...series.slice(-WINDOW), ...pred];
    let lo = Math.min(...all), hi = Math.max(...all);
    if (!(hi > lo)) (lo -= 1), (hi += 1);
    const xs = (i) => pad + (i / (WINDOW + HORIZON - 1)) * (W - 2 * pad);
    const ys = (v) => Hh - pad - ((v - lo) / (hi - lo)) * (Hh - 2 * pad);
    ctx.clearRect(0, 0, W, Hh);
    ctx.strokeStyle = '#e3e6ee';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(xs(WINDOW - 1), pad);
    ctx.lineTo(xs(WINDOW - 1), Hh - pad);
    ctx.stroke();
    const line = (vals, off, color) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      vals.forEach((v, i) => (i ? ctx.lineTo(xs(i + off), ys(v)) : ctx.moveTo(xs(i + off), ys(v))));
      ctx.stroke();
    };
    const hist = series.slice(-WINDOW);
    line(hist, 0, '#2a5bd7');
    line([hist[hist.length - 1], ...pred], WINDOW - 1, '#e0672b');
  };

  const tick = () => {
    if (!paused) {
      series.push(signal(t++));
      if (series.length > 4 * WINDOW) series.splice(0, series.length - WINDOW);
      draw(forecast());
      status.forecasts++;
      $('fc-rate').textContent = Math.round((status.forecasts * 1000) / fcMs).toLocaleString('en');
    }
    setTimeout(tick, 100);
  };
  tick();
}

try {
  const info = await ready();
  $('runtime').textContent = `wasm build: ${info.build}`;
  const names = await listModels();
  const files = await Promise.all(names.map(loadFile));
  const chars = await makeCharModel(files);
  const fc = await makeForecaster(files);
  status.charModel = chars.label;
  status.forecastModel = fc.label;
  $('gen-model').textContent = chars.label;
  $('fc-model').textContent = fc.label;
  status.ready = true;
  startGenerator(chars);
  startForecast(fc);
} catch (e) {
  status.error = String(e && e.stack ? e.stack : e);
  $('runtime').textContent = `error: ${e && e.message}`;
  throw e;
}

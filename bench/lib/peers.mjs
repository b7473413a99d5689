// The peers. Each factory returns, for one workload, an object with:
//   seq:    run() -> output [T, B, H] (Float32Array or Promise of one)
//   step:   reset(); step(xrow) -> h after the step
//   charlm: reset(); next(token) -> logits [V]
// all single-threaded, from the same weights (lib/models.mjs) and inputs.
import { gates, stateDict } from './models.mjs';

// ---------------------------------------------------------------- wasm-rnn (simd/relaxed/scalar)
export async function wasmRnnPeer(lib, build, { threads = 1 } = {}) {
  const activate = async () => {
    const info = await lib.ready(threads > 1 ? { build, threads } : { build });
    if (info.build !== build) throw new Error(`asked for ${build}, got ${info.build}`);
    if ((info.threads ?? 1) !== threads) throw new Error(`asked for ${threads} threads, got ${info.threads}`);
  };
  return {
    async seq(wl, data) {
      await activate();
      const L = wl.cell === 'lstm' ? lib.LSTM : lib.GRU;
      const layer = new L({ inputSize: wl.I, hiddenSize: wl.H, seed: 1 });
      layer.loadStateDict(stateDict(data.layers, wl.H, wl.cell));
      const x = { data: data.x, shape: [wl.T, wl.B, wl.I] };
      return { run: () => layer.forward(x).output.data, dispose: () => layer.dispose() };
    },
    async step(wl, data) {
      await activate();
      const layer = new lib.LSTM({ inputSize: wl.I, hiddenSize: wl.H, seed: 1 });
      layer.loadStateDict(stateDict(data.layers, wl.H, wl.cell));
      return streamer(layer, wl.I, wl.H, 1);
    },
    async charlm(wl, data) {
      await activate();
      if (lib.Sequential && lib.Embedding && lib.Linear) {
        const lstm = new lib.LSTM({ inputSize: wl.E, hiddenSize: wl.H, numLayers: wl.L, seed: 1 });
        const model = new lib.Sequential([['emb', new lib.Embedding(wl.V, wl.E)], ['lstm', lstm], ['head', new lib.Linear(wl.H, wl.V)]]);
        const sd = { 'emb.weight': { data: data.emb, shape: [wl.V, wl.E] }, 'head.weight': { data: data.lin, shape: [wl.V, wl.H] }, 'head.bias': { data: data.linb, shape: [wl.V] } };
        for (const [k, v] of Object.entries(stateDict(data.layers, wl.H, 'lstm'))) sd[`lstm.${k}`] = v;
        model.loadStateDict(sd);
        const state = model.createState({ batch: 1 });
        const tok = new Int32Array(1);
        return {
          mode: 'Sequential.step',
          reset: () => state.reset(),
          next(t) { tok[0] = t; return model.step(tok, state, { view: true }).data; },
          dispose: () => model.dispose?.(),
        };
      }
      const layer = new lib.LSTM({ inputSize: wl.E, hiddenSize: wl.H, numLayers: wl.L, seed: 1 });
      layer.loadStateDict(stateDict(data.layers, wl.H, 'lstm'));
      const s = streamer(layer, wl.E, wl.H, wl.L);
      // Linear(512, 96) on the library's own GEMM kernel (weights packed once, as the layers do)
      const rt = lib.runtime();
      const ex = rt.exports;
      const packed = rt.alloc(ex.x32_packw_x8_size(wl.V, wl.H) * 4);
      const tmp = rt.alloc(data.lin.length * 4);
      rt.f32(tmp, data.lin.length).set(data.lin);
      ex.x32_packw_x8(packed, tmp, wl.V, wl.H, wl.H);
      rt.free(tmp);
      const bias = rt.alloc(wl.V * 4), inp = rt.alloc(wl.H * 4), out = rt.alloc(wl.V * 4);
      rt.f32(bias, wl.V).set(data.linb);
      return {
        mode: `${s.mode} + f32_gemm Linear`,
        reset: s.reset,
        next(tok) {
          const h = s.step(data.emb.subarray(tok * wl.E, (tok + 1) * wl.E));
          rt.f32(inp, wl.H).set(h);
          ex.f32_gemm(out, inp, packed, bias, 1, wl.V, wl.H, wl.H, wl.V);
          return rt.f32(out, wl.V);
        },
        dispose() { layer.dispose(); for (const p of [packed, bias, inp, out]) rt.free(p); },
      };
    },
  };
}

/** Per-step driver: the streaming API (createState/step, zero-copy view) if the library has it, else forward(T=1) with h0/c0 fed back. */
function streamer(layer, I, H, L) {
  if (typeof layer.step === 'function' && typeof layer.createState === 'function') {
    const state = layer.createState({ batch: 1 });
    const x = { data: null, shape: [1, I] };
    return {
      mode: 'step',
      reset: () => state.reset(),
      step(d) {
        x.data = d;
        return layer.step(x, state, { view: true }).data;
      },
      dispose() { layer.dispose(); },
    };
  }
  let h, c;
  const reset = () => { h = new Float32Array(L * H); c = new Float32Array(L * H); };
  reset();
  return {
    mode: 'forward(T=1)',
    reset,
    step(x) {
      const r = layer.forward({ data: x, shape: [1, 1, I] }, { h0: { data: h, shape: [L, 1, H] }, c0: { data: c, shape: [L, 1, H] } });
      h = r.h.data;
      c = r.c.data;
      return r.output.data;
    },
    dispose() { layer.dispose(); },
  };
}

// ---------------------------------------------------------------- onnxruntime-web (wasm EP)
export async function ortPeer(models, { threads = 1 } = {}) {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads; // the process's first session fixes it
  ort.env.logLevel = 'error';
  const opts = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  const session = (bytes) => ort.InferenceSession.create(bytes, opts);
  return {
    ort,
    async seq(wl, data) {
      const s = await session(models.recurrent(wl, data));
      const X = new ort.Tensor('float32', data.x, [wl.T, wl.B, wl.I]);
      return { async: true, run: async () => (await s.run({ X })).Y.data, dispose: () => s.release() };
    },
    async step(wl, data) {
      const s = await session(models.recurrent(wl, data));
      const zeros = () => new ort.Tensor('float32', new Float32Array(wl.H), [1, 1, wl.H]);
      let h0, c0;
      const reset = () => { h0 = zeros(); c0 = zeros(); };
      reset();
      return {
        async: true,
        reset,
        async step(x) {
          const r = await s.run({ X: new ort.Tensor('float32', x, [1, 1, wl.I]), h0, c0 });
          h0 = r.Yh;
          c0 = r.Yc;
          return r.Y.data;
        },
        dispose: () => s.release(),
      };
    },
    async charlm(wl, data) {
      const s = await session(models.charlm(wl, data));
      const zeros = () => new ort.Tensor('float32', new Float32Array(wl.H), [1, 1, wl.H]);
      let st;
      const reset = () => { st = { h0_0: zeros(), c0_0: zeros(), h0_1: zeros(), c0_1: zeros() }; };
      reset();
      const tokT = new BigInt64Array(1);
      return {
        async: true,
        reset,
        async next(tok) {
          tokT[0] = BigInt(tok);
          const r = await s.run({ tok: new ort.Tensor('int64', tokT, [1, 1]), ...st });
          st = { h0_0: r.h0, c0_0: r.c0, h0_1: r.h1, c0_1: r.c1 };
          return r.logits.data;
        },
        dispose: () => s.release(),
      };
    },
  };
}

// ---------------------------------------------------------------- TF.js (wasm or cpu backend)
// Fastest honest formulation found: input projection of all steps as one fused matMul(+bias),
// then per step one matMul, split and the gate ops (tf.layers.lstm is several times slower);
// the streaming step does one fused matMul of [x, h] against [W_ih; W_hh]^T (basicLSTMCell's form).
export async function tfPeer(backend) {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  const activate = async () => { if (tf.getBackend() !== backend) await tf.setBackend(backend); await tf.ready(); };
  await activate();
  const T2 = (a, rows, cols) => tf.tidy(() => tf.tensor2d(a, [rows, cols]).transpose());
  const add = (a, b) => { const o = new Float32Array(a.length); for (let i = 0; i < a.length; i++) o[i] = a[i] + b[i]; return o; };
  const lstmCell = (g, c) => {
    const [i, f, gg, o] = tf.split(g, 4, 1);
    const cn = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(gg)));
    return [tf.mul(tf.sigmoid(o), tf.tanh(cn)), cn];
  };
  const stepLayer = (p, I, H) => {
    const W = tf.tidy(() => tf.concat([T2(p.wih, 4 * H, I), T2(p.whh, 4 * H, H)], 0));
    const b = tf.tensor1d(add(p.bih, p.bhh));
    return { W, b, dispose: () => { W.dispose(); b.dispose(); } };
  };
  return {
    tf,
    activate,
    async seq(wl, data) {
      await activate();
      const { I, H, T, B, cell } = wl, G = gates(cell), p = data.layers[0];
      const WihT = T2(p.wih, G * H, I), WhhT = T2(p.whh, G * H, H);
      const bx = tf.tensor1d(cell === 'lstm' ? add(p.bih, p.bhh) : p.bih);
      const bh = tf.tensor1d(p.bhh);
      const run = () => {
        const y = tf.tidy(() => {
          const xp = tf.fused.matMul({ a: tf.tensor2d(data.x, [T * B, I]), b: WihT, bias: bx });
          const xt = (t) => tf.slice(xp, [t * B, 0], [B, G * H]); // (tf.unstack is ~3x slower here)
          let h = tf.zeros([B, H]), c = tf.zeros([B, H]);
          const outs = [];
          for (let t = 0; t < T; t++) {
            if (cell === 'lstm') {
              [h, c] = lstmCell(tf.add(xt(t), tf.matMul(h, WhhT)), c);
            } else {
              const [xr, xz, xn] = tf.split(xt(t), 3, 1);
              const [hr, hz, hn] = tf.split(tf.fused.matMul({ a: h, b: WhhT, bias: bh }), 3, 1);
              const r = tf.sigmoid(tf.add(xr, hr)), z = tf.sigmoid(tf.add(xz, hz));
              const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
              h = tf.add(n, tf.mul(z, tf.sub(h, n)));
            }
            outs.push(h);
          }
          return tf.stack(outs);
        });
        const d = y.dataSync();
        y.dispose();
        return d;
      };
      return { run, activate, dispose: () => [WihT, WhhT, bx, bh].forEach((t) => t.dispose()) };
    },
    async step(wl, data) {
      await activate();
      const L = stepLayer(data.layers[0], wl.I, wl.H);
      let h, c;
      const reset = () => { h?.dispose(); c?.dispose(); h = tf.zeros([1, wl.H]); c = tf.zeros([1, wl.H]); };
      reset();
      return {
        activate,
        reset,
        step(x) {
          const [h2, c2] = tf.tidy(() => lstmCell(tf.fused.matMul({ a: tf.concat([tf.tensor2d(x, [1, wl.I]), h], 1), b: L.W, bias: L.b }), c));
          h.dispose(); c.dispose();
          h = h2; c = c2;
          return h.dataSync();
        },
        dispose: () => { h.dispose(); c.dispose(); L.dispose(); },
      };
    },
    async charlm(wl, data) {
      await activate();
      const Ls = data.layers.map((p, l) => stepLayer(p, l === 0 ? wl.E : wl.H, wl.H));
      const linT = T2(data.lin, wl.V, wl.H), linb = tf.tensor1d(data.linb);
      let st;
      const reset = () => { st?.flat().forEach((t) => t.dispose()); st = Ls.map(() => [tf.zeros([1, wl.H]), tf.zeros([1, wl.H])]); };
      reset();
      return {
        activate,
        reset,
        next(tok) {
          const out = tf.tidy(() => {
            let x = tf.tensor2d(data.emb.subarray(tok * wl.E, (tok + 1) * wl.E), [1, wl.E]);
            const ns = [];
            Ls.forEach((L, l) => {
              const [h, c] = lstmCell(tf.fused.matMul({ a: tf.concat([x, st[l][0]], 1), b: L.W, bias: L.b }), st[l][1]);
              ns.push([h, c]);
              x = h;
            });
            return [tf.fused.matMul({ a: x, b: linT, bias: linb }), ...ns.flat()];
          });
          st.flat().forEach((t) => t.dispose());
          st = [[out[1], out[2]], [out[3], out[4]]];
          const logits = out[0].dataSync();
          out[0].dispose();
          return logits;
        },
        dispose: () => { st.flat().forEach((t) => t.dispose()); Ls.forEach((L) => L.dispose()); linT.dispose(); linb.dispose(); },
      };
    },
  };
}

// ---------------------------------------------------------------- plain JavaScript loops
const sig = (x) => 1 / (1 + Math.exp(-x));

function jsLstmCell(p, I, H, x, xo, h, ho, c, co, g) {
  const { wih, whh, bih, bhh } = p;
  for (let r = 0; r < 4 * H; r++) {
    let s = bih[r] + bhh[r];
    for (let k = 0, w = r * I; k < I; k++) s += wih[w + k] * x[xo + k];
    for (let k = 0, w = r * H; k < H; k++) s += whh[w + k] * h[ho + k];
    g[r] = s;
  }
  for (let j = 0; j < H; j++) {
    const cn = sig(g[H + j]) * c[co + j] + sig(g[j]) * Math.tanh(g[2 * H + j]);
    c[co + j] = cn;
    h[ho + j] = sig(g[3 * H + j]) * Math.tanh(cn);
  }
}

function jsGruCell(p, I, H, x, xo, h, ho, gx, gh) {
  const { wih, whh, bih, bhh } = p;
  for (let r = 0; r < 3 * H; r++) {
    let s = bih[r], u = bhh[r];
    for (let k = 0, w = r * I; k < I; k++) s += wih[w + k] * x[xo + k];
    for (let k = 0, w = r * H; k < H; k++) u += whh[w + k] * h[ho + k];
    gx[r] = s;
    gh[r] = u;
  }
  for (let j = 0; j < H; j++) {
    const r = sig(gx[j] + gh[j]), z = sig(gx[H + j] + gh[H + j]);
    const n = Math.tanh(gx[2 * H + j] + r * gh[2 * H + j]);
    h[ho + j] = n + z * (h[ho + j] - n);
  }
}

export async function jsPeer() {
  return {
    async seq(wl, data) {
      const { I, H, T, B, cell } = wl, p = data.layers[0];
      const g = new Float64Array(4 * H), g2 = new Float64Array(3 * H);
      const run = () => {
        const h = new Float32Array(B * H), c = new Float32Array(B * H), out = new Float32Array(T * B * H);
        for (let t = 0; t < T; t++) {
          for (let b = 0; b < B; b++) {
            if (cell === 'lstm') jsLstmCell(p, I, H, data.x, (t * B + b) * I, h, b * H, c, b * H, g);
            else jsGruCell(p, I, H, data.x, (t * B + b) * I, h, b * H, g, g2);
          }
          out.set(h, t * B * H);
        }
        return out;
      };
      return { run, dispose() {} };
    },
    async step(wl, data) {
      const { I, H } = wl, p = data.layers[0], g = new Float64Array(4 * H);
      let h, c;
      const reset = () => { h = new Float32Array(H); c = new Float32Array(H); };
      reset();
      return { reset, step(x) { jsLstmCell(p, I, H, x, 0, h, 0, c, 0, g); return h; }, dispose() {} };
    },
    async charlm(wl, data) {
      const { E, H, V } = wl, g = new Float64Array(4 * H), logits = new Float32Array(V);
      let st;
      const reset = () => { st = data.layers.map(() => [new Float32Array(H), new Float32Array(H)]); };
      reset();
      return {
        reset,
        next(tok) {
          jsLstmCell(data.layers[0], E, H, data.emb, tok * E, st[0][0], 0, st[0][1], 0, g);
          jsLstmCell(data.layers[1], H, H, st[0][0], 0, st[1][0], 0, st[1][1], 0, g);
          const h = st[1][0];
          for (let v = 0; v < V; v++) {
            let s = data.linb[v];
            for (let k = 0, w = v * H; k < H; k++) s += data.lin[w + k] * h[k];
            logits[v] = s;
          }
          return logits;
        },
        dispose() {},
      };
    },
  };
}

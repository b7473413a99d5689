// Workload definitions, deterministic weights/inputs (PyTorch layout and init range), and the
// ONNX graphs for onnxruntime-web built from exactly those weights.
import { writeModel } from './onnx-writer.mjs';

export const WORKLOADS = {
  W1: { id: 'W1', name: 'lstm-seq', kind: 'seq', cell: 'lstm', I: 128, H: 256, T: 100, B: 1 },
  W2: { id: 'W2', name: 'lstm-batch', kind: 'seq', cell: 'lstm', I: 128, H: 256, T: 100, B: 32 },
  W3: { id: 'W3', name: 'lstm-step', kind: 'step', cell: 'lstm', I: 128, H: 256, T: 1, B: 1 },
  W4: { id: 'W4', name: 'gru-seq', kind: 'seq', cell: 'gru', I: 128, H: 256, T: 100, B: 1 },
  W5: { id: 'W5', name: 'charlm-generate', kind: 'charlm', cell: 'lstm', V: 96, E: 64, H: 512, L: 2, tokens: 200 },
  W6: { id: 'W6', name: 'lstm-big', kind: 'seq', cell: 'lstm', I: 512, H: 1024, T: 50, B: 8 },
};

export const gates = (cell) => (cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1);

/** FLOPs of one call (mul+add = 2): input projection + recurrent product, gates not counted. */
export function flops(wl) {
  if (wl.kind === 'charlm') {
    const g = 4 * wl.H;
    return wl.tokens * 2 * (g * (wl.E + wl.H) + g * (2 * wl.H) + wl.V * wl.H);
  }
  return 2 * wl.T * wl.B * gates(wl.cell) * wl.H * (wl.I + wl.H);
}

/** f32 weight bytes one time step must read (all layers, incl. the W5 output layer). */
export function weightBytes(wl) {
  if (wl.kind === 'charlm') return 4 * (4 * wl.H * (wl.E + wl.H) + 4 * wl.H * 2 * wl.H + wl.V * wl.H);
  return 4 * gates(wl.cell) * wl.H * (wl.I + wl.H);
}

/** mulberry32 */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(n, bound, r) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * bound;
  return a;
}

/** One layer's torch parameters: wih [G*H, I], whh [G*H, H], bih, bhh [G*H]. */
export function layerWeights(cell, I, H, r) {
  const G = gates(cell), b = 1 / Math.sqrt(H);
  return { wih: uniform(G * H * I, b, r), whh: uniform(G * H * H, b, r), bih: uniform(G * H, b, r), bhh: uniform(G * H, b, r) };
}

/** Weights and input of a workload (seeded by its id, so every peer and process sees the same). */
export function makeData(wl) {
  const r = rng([...wl.id].reduce((s, ch) => s * 31 + ch.charCodeAt(0), 7));
  if (wl.kind === 'charlm') {
    const layers = [layerWeights('lstm', wl.E, wl.H, r), layerWeights('lstm', wl.H, wl.H, r)];
    return { layers, emb: uniform(wl.V * wl.E, 1, r), lin: uniform(wl.V * wl.H, 1 / Math.sqrt(wl.H), r), linb: uniform(wl.V, 1 / Math.sqrt(wl.H), r) };
  }
  const layers = [layerWeights(wl.cell, wl.I, wl.H, r)];
  const steps = wl.kind === 'step' ? 64 : wl.T; // W3 cycles through 64 distinct inputs
  return { layers, x: uniform(steps * wl.B * wl.I, 1, r) };
}

/** torch state_dict of layers (single direction). */
export function stateDict(layers, H, cell) {
  const G = gates(cell), sd = {};
  layers.forEach((p, l) => {
    const I = p.wih.length / (G * H);
    sd[`weight_ih_l${l}`] = { data: p.wih, shape: [G * H, I] };
    sd[`weight_hh_l${l}`] = { data: p.whh, shape: [G * H, H] };
    sd[`bias_ih_l${l}`] = { data: p.bih, shape: [G * H] };
    sd[`bias_hh_l${l}`] = { data: p.bhh, shape: [G * H] };
  });
  return sd;
}

// torch gate blocks -> ONNX gate blocks: LSTM torch (i,f,g,o) -> ONNX (i,o,f,c); GRU (r,z,n) -> (z,r,h)
const ONNX_ORDER = { lstm: [0, 3, 1, 2], gru: [1, 0, 2] };
function reorder(a, H, cell) {
  const order = ONNX_ORDER[cell], block = a.length / order.length, out = new Float32Array(a.length);
  order.forEach((src, k) => out.set(a.subarray(src * block, (src + 1) * block), k * block));
  return out;
}
function concat(...arrs) {
  const out = new Float32Array(arrs.reduce((s, a) => s + a.length, 0));
  let o = 0;
  for (const a of arrs) { out.set(a, o); o += a.length; }
  return out;
}

/** ONNX LSTM/GRU node + initializers for one layer; `states`: names of h0 (and c0) or null. */
function rnnNode(cell, p, I, H, prefix, x, outs, states) {
  const G = gates(cell);
  const inits = [
    { name: `${prefix}W`, data: reorder(p.wih, H, cell), dims: [1, G * H, I] },
    { name: `${prefix}R`, data: reorder(p.whh, H, cell), dims: [1, G * H, H] },
    { name: `${prefix}B`, data: concat(reorder(p.bih, H, cell), reorder(p.bhh, H, cell)), dims: [1, 2 * G * H] },
  ];
  const inputs = [x, `${prefix}W`, `${prefix}R`, `${prefix}B`];
  if (states) inputs.push('', ...states);
  const attrs = { hidden_size: H };
  if (cell === 'gru') attrs.linear_before_reset = 1;
  return { node: { op: cell === 'lstm' ? 'LSTM' : 'GRU', inputs, outputs: outs, attrs }, inits };
}

/** ONNX model of a seq/step workload: X [T, B, I] (+ h0, c0 for step) -> Y [T, 1, B, H] (+ Y_h, Y_c). */
export function onnxRecurrent(wl, data) {
  const { cell, I, H, B } = wl;
  const T = wl.kind === 'step' ? 1 : wl.T;
  const st = wl.kind === 'step';
  const states = st ? (cell === 'lstm' ? ['h0', 'c0'] : ['h0']) : null;
  const outs = st ? (cell === 'lstm' ? ['Y', 'Yh', 'Yc'] : ['Y', 'Yh']) : ['Y'];
  const { node, inits } = rnnNode(cell, data.layers[0], I, H, '', 'X', outs, states);
  const sdims = [1, B, H];
  return writeModel({
    nodes: [node],
    initializers: inits,
    inputs: [{ name: 'X', dims: [T, B, I] }, ...(states ?? []).map((n) => ({ name: n, dims: sdims }))],
    outputs: [{ name: 'Y', dims: [T, 1, B, H] }, ...outs.slice(1).map((n) => ({ name: n, dims: sdims }))],
  });
}

/** ONNX model of W5: tok [1,1] int64, h0_l/c0_l -> logits [1, V], h_l/c_l. */
export function onnxCharLM(wl, data) {
  const { V, E, H } = wl;
  const nodes = [{ op: 'Gather', inputs: ['emb', 'tok'], outputs: ['x0'], attrs: { axis: 0 } }];
  const initializers = [
    { name: 'emb', data: data.emb, dims: [V, E] },
    { name: 'lin', data: data.lin, dims: [V, H] },
    { name: 'linb', data: data.linb, dims: [V] },
    { name: 'shape3', data: BigInt64Array.from([1n, 1n, BigInt(H)]), dims: [3] },
    { name: 'shape2', data: BigInt64Array.from([1n, BigInt(H)]), dims: [2] },
  ];
  let x = 'x0';
  for (let l = 0; l < 2; l++) {
    const { node, inits } = rnnNode('lstm', data.layers[l], l === 0 ? E : H, H, `l${l}_`, x, [`Y${l}`, `h${l}`, `c${l}`], [`h0_${l}`, `c0_${l}`]);
    nodes.push(node);
    initializers.push(...inits);
    nodes.push({ op: 'Reshape', inputs: [`Y${l}`, l === 0 ? 'shape3' : 'shape2'], outputs: [`y${l}`] });
    x = `y${l}`;
  }
  nodes.push({ op: 'Gemm', inputs: ['y1', 'lin', 'linb'], outputs: ['logits'], attrs: { transB: 1 } });
  const sd = [1, 1, H];
  return writeModel({
    nodes,
    initializers,
    inputs: [{ name: 'tok', type: 'int64', dims: [1, 1] }, ...['h0_0', 'c0_0', 'h0_1', 'c0_1'].map((name) => ({ name, dims: sd }))],
    outputs: [{ name: 'logits', dims: [1, V] }, ...['h0', 'c0', 'h1', 'c1'].map((name) => ({ name, dims: sd }))],
  });
}

/**
 * Combined fuzz, importer to wasm: mutated safetensors files go through readSafetensors into
 * loadStateDict of real layers and a forward; mutated and randomly built ONNX models go through
 * loadOnnx, run and dispose (among them a small Silero-shaped model with If, Pad, Conv and an LSTM
 * whose weights fold inside a branch, and the real Silero VAD files). Every case must end in a
 * result or an RnnError (anything else fails),
 * no case may hang (generous per-case bound), and wasm memory must come back to the baseline after
 * every case, with linear memory under a fixed cap at the end. Seeds are fixed.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, RnnError, ready, readSafetensors, writeSafetensors, type RecurrentLayer, type Tensor } from '../../src/index.js';
import { loadOnnx, type OnnxModel } from '../../src/onnx/index.js';
import { model, type NodeSpec } from '../onnx/encode.js';
import { FIXTURES, readBytes, readDataSet } from '../onnx/helpers.js';
import { mem, randn, recurrentOnnx, rng } from './helpers.js';

beforeAll(async () => {
  await ready();
});

/** Generous: a hang or an exponential blow-up, not a slow machine, should trip it. */
const CASE_BOUND_MS = 5000;
/** Linear memory may grow to hold the largest legitimate case, never to this. */
const MEMORY_CAP = 256 * 1024 * 1024;

function tally(map: Map<string, number>, k: string): void {
  map.set(k, (map.get(k) ?? 0) + 1);
}

/** The first message seen per code (printed, to show what the fuzz reaches). */
const firstMessage = new Map<string, string>();

/** Runs one case: 'ok' or the RnnError code; anything else is rethrown with the case named. */
function attempt(what: string, fn: () => void, slowest: { ms: number; what: string }): string {
  const t0 = performance.now();
  let out = 'ok';
  try {
    fn();
  } catch (e) {
    if (!(e instanceof RnnError)) throw new Error(`${what}: not an RnnError: ${String((e as Error)?.stack ?? e)}`);
    out = e.code;
    if (!firstMessage.has(out)) firstMessage.set(out, `${what}: ${e.message.slice(0, 200)}`);
  }
  const ms = performance.now() - t0;
  if (ms > slowest.ms) Object.assign(slowest, { ms, what });
  if (ms > CASE_BOUND_MS) expect.fail(`${what}: took ${ms.toFixed(0)} ms`);
  return out;
}

// ------------------------------------------------------------------------------------------------

function headerOf(file: Uint8Array): { len: number; json: Record<string, any> } {
  const len = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  return { len, json: JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + len))) };
}

function makeFile(header: string, data: Uint8Array): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function mutateSafetensors(src: Uint8Array, r: () => number): Uint8Array {
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const { len, json } = headerOf(src);
  switch (int(7)) {
    case 0: {
      // bit flips / random bytes in the header
      const out = src.slice();
      for (let i = 1 + int(3); i > 0; i--) {
        const at = 8 + int(len);
        out[at] = r() < 0.5 ? out[at] ^ (1 << int(8)) : int(256);
      }
      return out;
    }
    case 1: {
      // flips in the data: a valid file with odd weights (NaN, Inf, subnormals, huge values)
      const out = src.slice();
      for (let i = 1 + int(6); i > 0; i--) {
        const at = 8 + len + int(out.length - 8 - len);
        out[at] = r() < 0.5 ? out[at] ^ (1 << int(8)) : pick([0x7f, 0xff, 0x80, 0x00]);
      }
      return out;
    }
    case 2:
      return src.slice(0, int(src.length)); // truncation
    case 3: {
      // header length edits
      const out = src.slice();
      const dv = new DataView(out.buffer);
      const v = pick([BigInt(len + 1), BigInt(len - 1), 0n, 2n ** 63n, 2n ** 64n - 1n, BigInt(int(2 ** 31)), BigInt(out.length), BigInt(len) + 8n]);
      dv.setBigUint64(0, v < 0n ? 0n : v, true);
      return out;
    }
    case 4: {
      // shapes: swap two tensors' shapes, transpose one, or grow one dimension (same data size or not)
      const keys = Object.keys(json).filter((k) => k !== '__metadata__');
      const k = pick(keys);
      const e = json[k];
      const mode = int(4);
      if (mode === 0) {
        const k2 = pick(keys);
        [e.shape, json[k2].shape] = [json[k2].shape, e.shape];
      } else if (mode === 1) e.shape = [...e.shape].reverse();
      else if (mode === 2) e.shape = [e.shape.reduce((a: number, b: number) => a * b, 1)];
      else e.shape = e.shape.map((d: number) => d * pick([0, 2, 2 ** 20, 2 ** 31]));
      return makeFile(JSON.stringify(json), src.subarray(8 + len));
    }
    case 5: {
      // offsets and dtypes
      const keys = Object.keys(json).filter((k) => k !== '__metadata__');
      const e = json[pick(keys)];
      if (r() < 0.5) e.data_offsets = e.data_offsets.map((o: number) => o + pick([-4, 4, 2 ** 32, -(2 ** 31), 0.5]));
      else e.dtype = pick(['F16', 'BF16', 'F64', 'I32', 'I64', 'U8', 'BOOL', 'f32', '']);
      return makeFile(JSON.stringify(json), src.subarray(8 + len));
    }
    default: {
      // dict-level edits written back as a valid file: rename, drop, duplicate, prefix, integer
      // dtype, reshape with the same element count
      const dict = readSafetensors(src) as Record<string, Tensor>;
      const keys = Object.keys(dict);
      const k = pick(keys);
      const t = dict[k];
      const mode = int(6);
      if (mode === 0) {
        dict[k.replace('_l0', '_l1').replace('weight', 'bias')] = t;
        delete dict[k];
      } else if (mode === 1) delete dict[k];
      else if (mode === 2) dict[`${k}_extra`] = t;
      else if (mode === 3) for (const key of keys) dict[`prefix.${key}`] = dict[key];
      else if (mode === 4) dict[k] = { data: Int32Array.from(t.data as Float32Array, (v) => v * 100), shape: t.shape };
      else dict[k] = { data: t.data, shape: t.shape.length === 2 ? [t.shape[1], t.shape[0]] : [1, t.data.length] };
      return writeSafetensors(dict);
    }
  }
}

describe('safetensors -> loadStateDict -> forward', () => {
  it('30,000 mutated files end in a result or an RnnError; memory back to the baseline after each', () => {
    const layers: RecurrentLayer[] = [
      new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, seed: 1 }),
      new LSTM({ inputSize: 2, hiddenSize: 6, projSize: 3, seed: 2 }),
      new GRU({ inputSize: 4, hiddenSize: 4, bidirectional: true, seed: 3 }),
      new RNN({ inputSize: 3, hiddenSize: 7, nonlinearity: 'relu', seed: 4 }),
      new GRU({ inputSize: 1, hiddenSize: 3, bias: false, seed: 5 }),
    ];
    // one valid F32 file per layer, as torch.save_file writes it
    const files = layers.map((l) => writeSafetensors(l.stateDict(), { format: 'pt' }));
    const xs = layers.map((l, i) => ({ data: randn(4 * 2 * l.inputSize, rng(i)), shape: [4, 2, l.inputSize] }));
    const steps = layers.map((l) => ({ data: new Float32Array(l.inputSize), shape: [1, l.inputSize] }));
    const states = layers.map((l) => (l.bidirectional ? null : l.createState()));
    layers.forEach((l, i) => l.forward(xs[i])); // workspaces exist: the baseline includes them
    const base = mem();
    const r = rng(0xfeed);
    const codes = new Map<string, number>();
    const slowest = { ms: 0, what: '' };
    for (let i = 0; i < 30_000; i++) {
      const k = i % layers.length;
      const layer = layers[k];
      const file = mutateSafetensors(files[k], r);
      const code = attempt(`safetensors case ${i}`, () => {
        const dict = readSafetensors(file) as Record<string, Tensor>;
        const prefixed = Object.keys(dict).some((n) => n.startsWith('prefix.'));
        layer.loadStateDict(dict, prefixed ? { prefix: 'prefix.', strict: false } : { strict: i % 3 !== 0 });
        const y = layer.forward(xs[k]);
        expect(y.output.data.length).toBe(4 * 2 * (layer.bidirectional ? 2 : 1) * (layer.projSize || layer.hiddenSize));
        const s = states[k];
        if (s) layer.step(steps[k], s);
      }, slowest);
      tally(codes, code);
      const now = mem();
      if (now.bytesInUse !== base.bytesInUse || now.liveBlocks !== base.liveBlocks) {
        expect.fail(`safetensors case ${i} (${code}): wasm memory ${JSON.stringify(now)} vs baseline ${JSON.stringify(base)}`);
      }
    }
    console.log('safetensors fuzz outcomes:', JSON.stringify(Object.fromEntries(codes)), 'slowest case', slowest);
    expect(mem().memoryBytes).toBeLessThan(MEMORY_CAP);
    // the fuzz reaches the reader, the loader and the kernels
    expect(codes.get('ok') ?? 0).toBeGreaterThan(2000);
    expect(codes.get('INVALID_FORMAT') ?? 0).toBeGreaterThan(2000);
    for (const c of ['SHAPE_MISMATCH', 'MISSING_KEY', 'UNEXPECTED_KEY', 'DTYPE_MISMATCH']) expect(codes.get(c) ?? 0, c).toBeGreaterThan(50);
    layers.forEach((l) => l.dispose());
  });
});

// ------------------------------------------------------------------------------------------------

interface Subject {
  name: string;
  bytes: Uint8Array;
  feeds: Record<string, Tensor>;
}

function subjects(): Subject[] {
  const x = (I: number, seed: number) => ({ x: { data: randn(3 * 2 * I, rng(seed)), shape: [3, 2, I] } });
  const out: Subject[] = [
    { name: 'lstm', bytes: recurrentOnnx('LSTM', 3, 4, 1), feeds: x(3, 1) },
    { name: 'gru', bytes: recurrentOnnx('GRU', 2, 5, 2), feeds: x(2, 2) },
    { name: 'rnn', bytes: recurrentOnnx('RNN', 4, 3, 3), feeds: x(4, 3) },
  ];
  const vad = { name: 'vad_like', bytes: vadLikeOnnx(), feeds: vadLikeFeeds(rng(4)) };
  const unmutated = loadOnnx(vad.bytes);
  expect(unmutated.run(vad.feeds).y.shape).toEqual([1, 2]); // the subject itself runs
  unmutated.dispose();
  out.push(vad);
  out.push(...fixtureSubjects([['torch', 'char_lstm_op17'], ['torch', 'stacked_rnn_op14'], ['generated', 'gru_bid_l1_clip_acts']]));
  return out;
}

/** Fixture models (folder, case) with their first data set's inputs. */
function fixtureSubjects(cases: readonly (readonly [string, string])[]): Subject[] {
  return cases.map(([dir, sub]) => {
    const bytes = readBytes(join(FIXTURES, dir, sub, 'model.onnx'));
    const m = loadOnnx(bytes);
    const ins = readDataSet(join(FIXTURES, dir, sub, 'test_data_set_0'), 'input');
    const feeds = Object.fromEntries(m.inputNames.map((n, i) => [n, ins[i] as Tensor]));
    m.dispose();
    return { name: sub, bytes, feeds };
  });
}

/**
 * Loads and runs one ONNX case: it ends in a result or an RnnError (tallied in `codes`), within
 * the time bound, and wasm memory is back to `base` after dispose.
 */
function fuzzOnnx(what: string, bytes: Uint8Array, feeds: Record<string, Tensor>, fastPath: boolean, base: ReturnType<typeof mem>, codes: Map<string, number>, slowest: { ms: number; what: string }): void {
  let m: OnnxModel | undefined;
  const code = attempt(what, () => {
    try {
      m = loadOnnx(bytes, { fastPath });
      m.run(feeds);
    } finally {
      m?.dispose();
    }
  }, slowest);
  tally(codes, code);
  const now = mem();
  if (now.bytesInUse !== base.bytesInUse || now.liveBlocks !== base.liveBlocks) {
    expect.fail(`${what} (${code}): wasm memory ${JSON.stringify(now)} vs baseline ${JSON.stringify(base)}`);
  }
}

/**
 * A small model shaped like Silero VAD: a run-time If on an int64 `sr`, inside it reflect padding
 * with pads computed from a Constant, a strided Conv front-end, a nested If on the rank of a
 * computed value, an LSTM whose weights are Slice/Concat of Constants (folded in the branch), and
 * Sigmoid/ReduceMean at the end.
 */
function vadLikeOnnx(): Uint8Array {
  const r = rng(77);
  const I64 = 7;
  const c = (name: string, dims: number[], data: number[], type = 1): NodeSpec => ({ op: 'Constant', inputs: [], outputs: [name], attrs: [{ name: 'value', t: { name: '', dims, data, type } }] });
  const H = 4;
  const branch = (tag: string, stride: number) => ({
    name: tag,
    inputs: [],
    outputs: [{ name: `${tag}_y` }],
    nodes: [
      c(`${tag}_pads`, [4], [0, 2, 0, 2], I64),
      { op: 'Pad', inputs: ['x', `${tag}_pads`], outputs: [`${tag}_p`], attrs: [{ name: 'mode', s: 'reflect' }] },
      c(`${tag}_ax`, [1], [1], I64),
      { op: 'Unsqueeze', inputs: [`${tag}_p`, `${tag}_ax`], outputs: [`${tag}_u`] },
      { op: 'Conv', inputs: [`${tag}_u`, 'convW', 'convB'], outputs: [`${tag}_conv`], attrs: [{ name: 'kernel_shape', ints: [4] }, { name: 'strides', ints: [stride] }, { name: 'pads', ints: [1, 1] }] },
      { op: 'Relu', inputs: [`${tag}_conv`], outputs: [`${tag}_relu`] },
      c(`${tag}_perm_ax`, [1], [0], I64),
      { op: 'Transpose', inputs: [`${tag}_relu`], outputs: [`${tag}_t`], attrs: [{ name: 'perm', ints: [2, 0, 1] }] },
      c(`${tag}_w0`, [1, 2 * H, 3], Array.from(randn(6 * H, r))),
      c(`${tag}_w1`, [1, 2 * H, 3], Array.from(randn(6 * H, r))),
      { op: 'Concat', inputs: [`${tag}_w0`, `${tag}_w1`], outputs: [`${tag}_W`], attrs: [{ name: 'axis', i: 1 }] },
      c(`${tag}_R`, [1, 4 * H, H], Array.from(randn(4 * H * H, r))),
      { op: 'LSTM', inputs: [`${tag}_t`, `${tag}_W`, `${tag}_R`], outputs: [`${tag}_Y`], attrs: [{ name: 'hidden_size', i: H }] },
      { op: 'Sigmoid', inputs: [`${tag}_Y`], outputs: [`${tag}_s`] },
      { op: 'ReduceMean', inputs: [`${tag}_s`], outputs: [`${tag}_y`], attrs: [{ name: 'axes', ints: [0, 3] }, { name: 'keepdims', i: 0 }] },
    ],
  });
  return model({
    opset: 16,
    nodes: [
      c('k16000', [], [16000], I64),
      { op: 'Equal', inputs: ['sr', 'k16000'], outputs: ['is16k'] },
      { op: 'If', inputs: ['is16k'], outputs: ['y'], attrs: [{ name: 'then_branch', g: branch('a', 2) }, { name: 'else_branch', g: branch('b', 1) }] },
    ],
    inputs: [{ name: 'x', shape: ['', ''] }, { name: 'sr', type: I64, shape: [] }],
    initializers: [{ name: 'convW', dims: [3, 1, 4], data: Array.from(randn(12, r)) }, { name: 'convB', dims: [3], data: Array.from(randn(3, r)) }],
    outputs: [{ name: 'y' }],
  });
}

function vadLikeFeeds(r: () => number): Record<string, Tensor> {
  return { x: { data: randn(2 * 16, r), shape: [2, 16] }, sr: { data: BigInt64Array.of(r() < 0.5 ? 16000n : 8000n), shape: [] } };
}

function mutateBytes(src: Uint8Array, r: () => number): Uint8Array {
  const int = (n: number) => Math.floor(r() * n);
  let b = src.slice();
  const kind = int(5);
  for (let k = 1 + int(4); k > 0; k--) {
    const at = int(b.length);
    if (kind === 0) b[at] ^= 1 << int(8);
    else if (kind === 1) b[at] = int(256);
    else if (kind === 2) b[at] = [0x00, 0x7f, 0x80, 0xff][int(4)];
    else if (kind === 3) {
      const len = 1 + int(8);
      const out = new Uint8Array(b.length + (r() < 0.5 ? -Math.min(len, b.length - at) : len));
      if (out.length < b.length) {
        out.set(b.subarray(0, at));
        out.set(b.subarray(at + (b.length - out.length)), at);
      } else {
        out.set(b.subarray(0, at + len > b.length ? b.length : at + len));
        out.set(b.subarray(at), Math.min(at + len, b.length));
      }
      b = out;
    } else return b.subarray(0, at); // truncation
  }
  return b;
}

/** A random, often inconsistent recurrent graph: sizes, directions, attributes and initializer dims drawn independently. */
function randomGraph(r: () => number): { bytes: Uint8Array; feeds: Record<string, Tensor> } {
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const op = pick(['LSTM', 'GRU', 'RNN'] as const);
  const G = op === 'LSTM' ? 4 : op === 'GRU' ? 3 : 1;
  const I = 1 + int(4);
  const H = 1 + int(5);
  const D = r() < 0.3 ? 2 : 1;
  const dim = (d: number) => (r() < 0.1 ? pick([0, d + 1, d - 1, 2 ** 31 - 1, 2 ** 40, -1]) : d);
  const hs = r() < 0.1 ? pick([0, -1, 2 ** 31 - 1, 2 ** 20, 2 ** 40]) : H;
  const T = 1 + int(4), B = 1 + int(3);
  const vals = (n: number) => (n > 0 && n < 10_000 ? Array.from(randn(n, r)) : []);
  const Wd = [dim(D), dim(G * H), dim(I)];
  const Rd = [dim(D), dim(G * H), dim(H)];
  const Bd = [dim(D), dim(2 * G * H)];
  const attrs: NodeSpec['attrs'] = [{ name: 'hidden_size', i: hs }];
  if (D === 2 || r() < 0.1) attrs.push({ name: 'direction', s: pick(['bidirectional', 'forward', 'reverse', 'sideways']) });
  if (r() < 0.15) attrs.push({ name: 'clip', f: pick([0, -1, 1e-3, NaN, Infinity]) });
  if (r() < 0.1) attrs.push({ name: 'layout', i: pick([0, 1, 2]) });
  if (op === 'GRU' && r() < 0.5) attrs.push({ name: 'linear_before_reset', i: pick([0, 1, 7]) });
  if (op === 'LSTM' && r() < 0.1) attrs.push({ name: 'input_forget', i: pick([0, 1]) });
  if (r() < 0.1) attrs.push({ name: 'activations', strings: pick([['Tanh'], ['Sigmoid', 'Tanh', 'Tanh'], ['Relu', 'Relu', 'Relu', 'Relu', 'Relu', 'Relu'], ['Foo']]) });
  const inputs = ['x', 'W', 'R', r() < 0.8 ? 'B' : ''];
  const useLens = r() < 0.3;
  if (useLens) inputs.push('lens');
  const prod = (d: number[]) => d.reduce((a, b) => a * b, 1);
  const bytes = model({
    opset: pick([7, 9, 14, 17, 21]),
    nodes: [{ op, inputs, outputs: ['y', 'yh'], attrs }],
    inputs: [{ name: 'x', shape: ['T', 'B', I] }, ...(useLens ? [{ name: 'lens', type: 6, shape: ['B'] }] : [])],
    initializers: [
      { name: 'W', dims: Wd, data: vals(prod(Wd)) },
      { name: 'R', dims: Rd, data: vals(prod(Rd)) },
      { name: 'B', dims: Bd, data: vals(prod(Bd)) },
    ],
    outputs: [{ name: 'y' }, { name: 'yh' }],
  });
  const feeds: Record<string, Tensor> = { x: { data: randn(T * B * I, r), shape: [T, B, I] } };
  if (useLens) feeds.lens = { data: Int32Array.from({ length: B }, () => pick([0, 1, T, T + 1, -1])), shape: [B] };
  return { bytes, feeds };
}

describe('ONNX -> loadOnnx -> run -> dispose', () => {
  it('12,000 mutated and 4,000 random models end in a result or an RnnError; memory back to the baseline after each', () => {
    const subs = subjects();
    const base = mem();
    const r = rng(0x0bad5eed);
    const codes = new Map<string, number>();
    const slowest = { ms: 0, what: '' };
    const one = (what: string, bytes: Uint8Array, feeds: Record<string, Tensor>) => fuzzOnnx(what, bytes, feeds, r() < 0.8, base, codes, slowest);
    for (let i = 0; i < 12_000; i++) {
      const s = subs[i % subs.length];
      one(`ONNX ${s.name} mutation ${i}`, mutateBytes(s.bytes, r), s.feeds);
    }
    for (let i = 0; i < 4_000; i++) {
      const g = randomGraph(r);
      one(`ONNX random graph ${i}`, g.bytes, g.feeds);
    }
    console.log('ONNX fuzz outcomes:', JSON.stringify(Object.fromEntries(codes)), 'slowest case', slowest);
    expect(mem().memoryBytes).toBeLessThan(MEMORY_CAP);
    console.log('first message per code:', Object.fromEntries(firstMessage));
    expect(codes.get('ok') ?? 0).toBeGreaterThan(1000);
    expect(codes.get('INVALID_FORMAT') ?? 0).toBeGreaterThan(1000);
  });
});

describe('ONNX control flow and sequences', () => {
  it('3,000 mutations of models with Loop, Scan and sequences end in a result or an RnnError; memory back to the baseline after each', () => {
    // Loop bodies (an LSTM cell, Python lists as sequences, a split's pieces) and Scan at opsets 8
    // and 9; for loops only, bounded by their inputs' dims: a while loop that a mutation keeps
    // true runs as long as its trip count says, which ONNX allows
    const subs = fixtureSubjects([
      ['torch-loops', 'scripted_lstm_outputs_op17'], ['torch-loops', 'scripted_split_op14'], ['torch-loops', 'scripted_list_pop_op17'],
      ['node-ops', 'test_scan_sum'], ['node-ops', 'test_scan9_sum'], ['node-ops', 'test_loop11'],
    ]);
    const base = mem();
    const r = rng(0x100b5);
    const codes = new Map<string, number>();
    const slowest = { ms: 0, what: '' };
    for (let i = 0; i < 3_000; i++) {
      const s = subs[i % subs.length];
      fuzzOnnx(`ONNX ${s.name} mutation ${i}`, mutateBytes(s.bytes, r), s.feeds, r() < 0.8, base, codes, slowest);
    }
    console.log('control-flow fuzz outcomes:', JSON.stringify(Object.fromEntries(codes)), 'slowest case', slowest);
    // most mutations break the wire format; about 1 in 30 still loads and runs
    expect(codes.get('ok') ?? 0).toBeGreaterThan(50);
    expect(codes.get('INVALID_FORMAT') ?? 0).toBeGreaterThan(1000);
  });
});

/**
 * A model of the index and signal operators (ops/indexing.ts, ops/signal.ts), their index and
 * size inputs as Constants, so that mutations reach them as out-of-range indices, odd sizes and
 * broken attributes.
 */
function indexSignalOnnx(): Uint8Array {
  const I64 = 7;
  const c = (name: string, dims: number[], data: number[], type = 1): NodeSpec => ({ op: 'Constant', inputs: [], outputs: [name], attrs: [{ name: 'value', t: { name: '', dims, data, type } }] });
  return model({
    opset: 17,
    nodes: [
      c('k', [], [1], I64), c('depth', [], [5], I64), c('onoff', [2], [0, 1]), c('step', [], [2], I64), c('wsize', [], [4], I64),
      c('cond64', [8], [1, 0, 1, 1, 0, 0, 1, 0], I64), c('bins', [], [3], I64), c('dftlen', [], [8], I64), c('rate', [], [8000], I64),
      c('lo', [], [100]), c('hi', [], [3000]), c('nd', [2, 1, 1], [1, 0], I64), c('axes', [1], [-1], I64),
      { op: 'Cast', inputs: ['cond64'], outputs: ['cond'], attrs: [{ name: 'to', i: 9 }] },
      { op: 'GatherElements', inputs: ['x', 'idx'], outputs: ['g'], attrs: [{ name: 'axis', i: 1 }] },
      { op: 'ScatterElements', inputs: ['x', 'idx', 'g'], outputs: ['s'], attrs: [{ name: 'axis', i: 1 }, { name: 'reduction', s: 'add' }] },
      { op: 'Trilu', inputs: ['s', 'k'], outputs: ['t'] },
      { op: 'OneHot', inputs: ['idx', 'depth', 'onoff'], outputs: ['oh'], attrs: [{ name: 'axis', i: -1 }] },
      { op: 'NonZero', inputs: ['t'], outputs: ['nz'] },
      { op: 'Compress', inputs: ['x', 'cond'], outputs: ['cx'], attrs: [{ name: 'axis', i: 1 }] },
      { op: 'GatherND', inputs: ['x', 'nd'], outputs: ['gnd'] },
      { op: 'CastLike', inputs: ['x', 'idx'], outputs: ['xi'] },
      { op: 'HannWindow', inputs: ['wsize'], outputs: ['win'] },
      { op: 'STFT', inputs: ['x', 'step', 'win'], outputs: ['spec'], attrs: [{ name: 'onesided', i: 1 }] },
      { op: 'Unsqueeze', inputs: ['x', 'axes'], outputs: ['x3'] },
      { op: 'DFT', inputs: ['x3', 'dftlen'], outputs: ['dft'], attrs: [{ name: 'axis', i: 1 }] },
      { op: 'MelWeightMatrix', inputs: ['bins', 'dftlen', 'rate', 'lo', 'hi'], outputs: ['mel'] },
    ],
    inputs: [{ name: 'x', shape: [2, 8] }, { name: 'idx', type: I64, shape: [2, 3] }],
    outputs: ['t', 'oh', 'nz', 'cx', 'gnd', 'xi', 'spec', 'dft', 'mel'].map((name) => ({ name })),
  });
}

describe('ONNX index and signal operators', () => {
  it('3,000 mutations of a model of them end in a result or an RnnError; memory back to the baseline after each', () => {
    const bytes = indexSignalOnnx();
    const feeds = { x: { data: randn(16, rng(9)), shape: [2, 8] }, idx: { data: BigInt64Array.of(0n, 7n, 3n, -1n, 2n, 5n), shape: [2, 3] } };
    const unmutated = loadOnnx(bytes);
    expect(unmutated.run(feeds).spec.shape).toEqual([2, 3, 3, 2]); // the subject itself runs
    unmutated.dispose();
    const base = mem();
    const r = rng(0x5160a1);
    const codes = new Map<string, number>();
    const slowest = { ms: 0, what: '' };
    for (let i = 0; i < 3_000; i++) fuzzOnnx(`ONNX index/signal mutation ${i}`, mutateBytes(bytes, r), feeds, true, base, codes, slowest);
    console.log('index/signal fuzz outcomes:', JSON.stringify(Object.fromEntries(codes)), 'slowest case', slowest);
    // most mutations break the wire format; a few dozen still load and run
    expect(codes.get('ok') ?? 0).toBeGreaterThan(30);
    expect(codes.get('INVALID_INPUT') ?? 0).toBeGreaterThan(0);
  });
});

describe('real models with sub-graphs and convs', () => {
  const dist = new URL('../../node_modules/@ricky0123/vad-web/dist/', import.meta.url).pathname;
  const models = [
    { name: 'silero_vad_v5', feeds: { input: { data: randn(576, rng(5)), shape: [1, 576] }, state: { data: new Float32Array(256), shape: [2, 1, 128] }, sr: { data: BigInt64Array.of(16000n), shape: [1] } } },
    { name: 'silero_vad_legacy', feeds: { input: { data: randn(1536, rng(6)), shape: [1, 1536] }, h: { data: new Float32Array(128), shape: [2, 1, 64] }, c: { data: new Float32Array(128), shape: [2, 1, 64] }, sr: { data: BigInt64Array.of(16000n), shape: [1] } } },
  ];
  it('40 mutations of each Silero VAD file end in a result or an RnnError; memory back to the baseline', () => {
    const base = mem();
    const r = rng(0x51e70);
    const codes = new Map<string, number>();
    const slowest = { ms: 0, what: '' };
    for (const { name, feeds } of models) {
      const bytes = readBytes(`${dist}${name}.onnx`);
      for (let i = 0; i < 40; i++) {
        const code = attempt(`${name} mutation ${i}`, () => {
          let m: OnnxModel | undefined;
          try {
            m = loadOnnx(mutateBytes(bytes, r));
            m.run(feeds as Record<string, Tensor>);
          } finally {
            m?.dispose();
          }
        }, slowest);
        tally(codes, code);
        const now = mem();
        if (now.bytesInUse !== base.bytesInUse || now.liveBlocks !== base.liveBlocks) expect.fail(`${name} mutation ${i} (${code}): wasm memory not back to the baseline`);
      }
    }
    console.log('Silero mutation outcomes:', JSON.stringify(Object.fromEntries(codes)), 'slowest case', slowest);
    expect([...codes.values()].reduce((a, b) => a + b, 0)).toBe(80);
  });
});

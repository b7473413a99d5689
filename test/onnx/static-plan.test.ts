/**
 * Static plans (src/onnx/static-plan.ts) and IO binding (OnnxModel.bind):
 * - over the speech clip, Silero VAD v4/v5/v6 bound with their states fed back give, frame by
 *   frame, the same bits as the dynamic plan (loadOnnx with specializeShapes: false) and are
 *   within 2e-5 of onnxruntime-node's committed probabilities; every node that runs is prepared;
 * - buffers are shared by lifetime (a chain of N same-size values needs two buffers);
 * - prepared data movement, elementwise, reduction, Conv and recurrent nodes give the dynamic
 *   plan's bits on graphs built for it;
 * - bind()'s misuse is a typed RnnError, and nothing is written by a failed feedback.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadOnnx, ready, type OnnxModel } from '../../src/index.js';
import type { Tensor } from '../../base/tensor.js';
import { rng } from '../helpers/common.js';
import { VAD_DIST, readClip, readReference } from '../helpers/vad.js';
import { model, type NodeSpec } from './encode.js';
import { runtime } from '../../bindings/wasm.js';
import { planArena } from '../../bindings/plan-arena.js';

beforeAll(async () => {
  await ready();
});

const { samples: clip } = readClip();

const SILERO = [
  { name: 'silero_vad_legacy', frame: 1536, context: 0, states: { h: [2, 1, 64], c: [2, 1, 64] }, feedback: { hn: 'h', cn: 'c' } },
  { name: 'silero_vad_v5', frame: 512, context: 64, states: { state: [2, 1, 128] }, feedback: { stateN: 'state' } },
  { name: 'silero_vad_v6', frame: 512, context: 64, states: { state: [2, 1, 128] }, feedback: { stateN: 'state' } },
] as const;

/** A stream of runs through run() (the caller keeping the states), for comparison. */
function dynamicStream(m: OnnxModel, s: (typeof SILERO)[number]): (window: Float32Array) => Record<string, Tensor> {
  const feeds: Record<string, Tensor> = { sr: { data: BigInt64Array.of(16000n), shape: [1] } };
  for (const [name, shape] of Object.entries(s.states)) feeds[name] = { data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape: [...shape] };
  return (window) => {
    const out = m.run({ ...feeds, input: { data: window, shape: [1, window.length] } });
    for (const [o, i] of Object.entries(s.feedback)) feeds[i] = out[o];
    return out;
  };
}

describe('Silero VAD bound with its states fed back', () => {
  for (const s of SILERO) {
    it(`${s.name}: the dynamic plan's bits and onnxruntime-node's probabilities over the clip; every node that runs is prepared`, () => {
      const bytes = new Uint8Array(readFileSync(`${VAD_DIST}${s.name}.onnx`));
      const bound = loadOnnx(bytes);
      const dynamic = dynamicStream(loadOnnx(bytes, { specializeShapes: false }), s);
      const binding = bound.bind({ input: [1, s.context + s.frame], sr: [1], ...s.states }, { feedback: s.feedback });
      (binding.inputs.sr.data as BigInt64Array)[0] = 16000n;
      const window = binding.inputs.input.data as Float32Array;
      const ref = readReference(s.name);
      let worst = 0;
      let frames = 0;
      for (let at = 0; at + s.frame <= clip.length; at += s.frame, frames++) {
        window.copyWithin(0, s.frame);
        window.set(clip.subarray(at, at + s.frame), s.context);
        binding.run();
        const want = dynamic(window.slice());
        for (const name of bound.outputNames) expect(binding.outputs[name].data, `${name}, frame ${frames}`).toEqual(want[name].data);
        worst = Math.max(worst, Math.abs((binding.outputs.output.data[0] as number) - ref.probs[frames]));
      }
      expect(frames).toBe(ref.frames);
      expect(worst).toBeLessThanOrEqual(2e-5);
      // the fed-back state is the last run's output
      for (const [o, i] of Object.entries(s.feedback)) expect(binding.inputs[i].data).toEqual(binding.outputs[o].data);
      const plan = bound.lastRunPlan!;
      expect(plan.unpreparedNodes).toEqual([]);
      // v5/v6: the 8 kHz branch, not taken at 16 kHz, has no types for a 16 kHz frame
      for (const n of plan.dynamicNodes) expect(n).toMatch(/else_branch/);
      expect(plan.bufferBytes).toBeLessThan(plan.valueBytes / 3);
    });
  }
});

const relu = (i: number, from: string, to: string): NodeSpec => ({ op: 'Relu', name: `r${i}`, inputs: [from], outputs: [to] });

describe('buffers shared by lifetime', () => {
  it('a chain of ten Relu values of 1000 floats takes two buffers, and gives the dynamic plan bits', () => {
    const nodes = Array.from({ length: 10 }, (_, i) => relu(i, i === 0 ? 'x' : `v${i}`, i === 9 ? 'y' : `v${i + 1}`));
    const bytes = model({ nodes, inputs: [{ name: 'x', shape: [1000] }], outputs: [{ name: 'y', shape: [1000] }] });
    const m = loadOnnx(bytes);
    const x = { data: Float32Array.from({ length: 1000 }, rng(3)), shape: [1000] };
    m.run({ x });
    // compiled at the plan's second run
    expect(m.lastRunPlan).toBeUndefined();
    const got = m.run({ x });
    expect(got.y.data).toEqual(loadOnnx(bytes, { specializeShapes: false }).run({ x }).y.data);
    expect(m.lastRunPlan).toMatchObject({ bufferBytes: 2 * 4000, valueBytes: 10 * 4000, preparedNodes: 10, unpreparedNodes: [], dynamicNodes: [] });
    // run() hands out copies: the next run does not change what an earlier one returned
    const before = got.y.data.slice();
    m.run({ x: { data: new Float32Array(1000).fill(-1), shape: [1000] } });
    expect(got.y.data).toEqual(before);
  });
});

/** Runs a one-node-family graph statically and dynamically on random inputs; returns the static model. */
function expectSameAsDynamic(nodes: NodeSpec[], inputs: { name: string; shape: number[] }[], outputs: string[], seed: number): OnnxModel {
  const bytes = model({ nodes, inputs: inputs.map((i) => ({ name: i.name, shape: i.shape })), outputs: outputs.map((name) => ({ name })), opset: 17 });
  const st = loadOnnx(bytes);
  const dy = loadOnnx(bytes, { specializeShapes: false });
  const r = rng(seed);
  for (let call = 0; call < 3; call++) {
    const feeds: Record<string, Tensor> = {};
    for (const i of inputs) feeds[i.name] = { data: Float32Array.from({ length: i.shape.reduce((a, b) => a * b, 1) }, () => r() * 4 - 2), shape: i.shape };
    const a = st.run(feeds);
    const b = dy.run(feeds);
    for (const o of outputs) {
      expect(a[o].shape, o).toEqual(b[o].shape);
      expect(a[o].data, o).toEqual(b[o].data);
    }
  }
  return st;
}

const ints = (name: string, values: number[]) => ({ name, t: { name, dims: [values.length], type: 7, data: values } });

describe('prepared nodes give the dynamic plan bits', () => {
  it('data movement: Slice (negative step), Gather, Concat, Transpose, Pad reflect, Split, Tile, Expand', () => {
    const c = (name: string, values: number[]): NodeSpec => ({ op: 'Constant', inputs: [], outputs: [name], attrs: [ints('value', values)] });
    const nodes: NodeSpec[] = [
      c('st', [7, 1]), c('en', [-100, 5]), c('ax', [2, 1]), c('sp', [-2, 1]),
      { op: 'Slice', inputs: ['x', 'st', 'en', 'ax', 'sp'], outputs: ['sl'] },
      c('gi', [2, 0, 2]),
      { op: 'Gather', inputs: ['x', 'gi'], outputs: ['ga'], attrs: [{ name: 'axis', i: 1 }] },
      { op: 'Concat', inputs: ['x', 'ga', 'x'], outputs: ['ca'], attrs: [{ name: 'axis', i: 1 }] },
      { op: 'Transpose', inputs: ['x'], outputs: ['tr'], attrs: [{ name: 'perm', ints: [2, 0, 1] }] },
      c('pads', [0, 1, 2, 0, 1, 3]),
      { op: 'Pad', inputs: ['x', 'pads'], outputs: ['pa'], attrs: [{ name: 'mode', s: 'reflect' }] },
      c('parts', [3, 6]),
      { op: 'Split', inputs: ['x', 'parts'], outputs: ['s0', 's1'], attrs: [{ name: 'axis', i: 2 }] },
      c('reps', [1, 2, 1]),
      { op: 'Tile', inputs: ['x', 'reps'], outputs: ['ti'] },
      c('eshape', [2, 2, 3, 9]),
      { op: 'Expand', inputs: ['x', 'eshape'], outputs: ['ex'] },
    ];
    const outs = ['sl', 'ga', 'ca', 'tr', 'pa', 's0', 's1', 'ti', 'ex'];
    const m = expectSameAsDynamic(nodes, [{ name: 'x', shape: [2, 3, 9] }], outs, 11);
    expect(m.lastRunPlan!.unpreparedNodes).toEqual([]);
  });

  it('data movement of int64 and int32 tensors: Transpose (element by element, through an index), Gather, Concat (runs)', () => {
    const c = (name: string, values: number[]): NodeSpec => ({ op: 'Constant', inputs: [], outputs: [name], attrs: [ints('value', values)] });
    const nodes: NodeSpec[] = [
      { op: 'Constant', inputs: [], outputs: ['k'], attrs: [{ name: 'value', t: { name: 'k', dims: [], data: [1000] } }] },
      { op: 'Mul', inputs: ['x', 'k'], outputs: ['xk'] },
      { op: 'Cast', inputs: ['xk'], outputs: ['i64'], attrs: [{ name: 'to', i: 7 }] },
      { op: 'Cast', inputs: ['xk'], outputs: ['i32'], attrs: [{ name: 'to', i: 6 }] },
      { op: 'Transpose', inputs: ['i64'], outputs: ['t64'], attrs: [{ name: 'perm', ints: [2, 0, 1] }] },
      { op: 'Transpose', inputs: ['i32'], outputs: ['t32'], attrs: [{ name: 'perm', ints: [1, 2, 0] }] },
      c('gi', [2, 0, 2]),
      { op: 'Gather', inputs: ['i64', 'gi'], outputs: ['g64'], attrs: [{ name: 'axis', i: 1 }] },
      { op: 'Concat', inputs: ['i32', 'i32'], outputs: ['c32'], attrs: [{ name: 'axis', i: 2 }] },
    ];
    const outs = ['t64', 't32', 'g64', 'c32'];
    const m = expectSameAsDynamic(nodes, [{ name: 'x', shape: [2, 3, 5] }], outs, 21);
    // the movements are prepared (the Casts run as they are, into the plan's buffers)
    expect(m.lastRunPlan!.unpreparedNodes.every((n) => n.startsWith('Cast'))).toBe(true);
    expect(m.lastRunPlan!.preparedNodes).toBe(5);
  });

  it('elementwise, broadcasting, comparisons, Pow with a scalar exponent, ReduceMean', () => {
    const nodes: NodeSpec[] = [
      { op: 'Add', inputs: ['a', 'b'], outputs: ['add'] },
      { op: 'Mul', inputs: ['a', 'a'], outputs: ['mul'] },
      { op: 'Sub', inputs: ['b', 'a'], outputs: ['sub'] },
      { op: 'Div', inputs: ['a', 'b'], outputs: ['div'] },
      { op: 'Constant', inputs: [], outputs: ['two'], attrs: [{ name: 'value', t: { name: 'two', dims: [], data: [2] } }] },
      { op: 'Pow', inputs: ['a', 'two'], outputs: ['pow'] },
      { op: 'Sigmoid', inputs: ['add'], outputs: ['sig'] },
      { op: 'Relu', inputs: ['sub'], outputs: ['relu'] },
      { op: 'Abs', inputs: ['div'], outputs: ['abs'] },
      { op: 'Sqrt', inputs: ['abs'], outputs: ['sqrt'] },
      { op: 'Log', inputs: ['sqrt'], outputs: ['log'] },
      { op: 'Greater', inputs: ['a', 'b'], outputs: ['gt'] },
      { op: 'ReduceMean', inputs: ['mul'], outputs: ['mean'], attrs: [{ name: 'axes', ints: [1] }, { name: 'keepdims', i: 0 }] },
    ];
    const outs = ['add', 'mul', 'sub', 'div', 'pow', 'sig', 'relu', 'sqrt', 'log', 'gt', 'mean'];
    const m = expectSameAsDynamic(nodes, [{ name: 'a', shape: [3, 5, 7] }, { name: 'b', shape: [5, 1] }], outs, 12);
    expect(m.lastRunPlan!.unpreparedNodes).toEqual([]);
  });

  it('a one-element operand on either side of Add / Sub / Mul / Div (the scalar loops)', () => {
    const nodes: NodeSpec[] = [
      { op: 'Add', inputs: ['a', 's'], outputs: ['add'] },
      { op: 'Sub', inputs: ['s', 'a'], outputs: ['rsub'] },
      { op: 'Sub', inputs: ['a', 's'], outputs: ['sub'] },
      { op: 'Mul', inputs: ['s', 'a'], outputs: ['mul'] },
      { op: 'Div', inputs: ['a', 's'], outputs: ['div'] },
      { op: 'Div', inputs: ['s', 'a'], outputs: ['rdiv'] },
      // a one-element operand of higher rank: the output takes its rank
      { op: 'Add', inputs: ['a', 'one3'], outputs: ['add3'] },
    ];
    const outs = ['add', 'rsub', 'sub', 'mul', 'div', 'rdiv', 'add3'];
    const m = expectSameAsDynamic(nodes, [{ name: 'a', shape: [5, 7] }, { name: 's', shape: [1] }, { name: 'one3', shape: [1, 1, 1] }], outs, 14);
    expect(m.lastRunPlan!.unpreparedNodes).toEqual([]);
  });

  it('Relu keeps NaN, maps -0 and negatives to +0, prepared as dynamic', () => {
    const bytes = model({ nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', shape: [6] }], outputs: [{ name: 'y' }] });
    const m = loadOnnx(bytes);
    const x = { data: Float32Array.of(NaN, -0, -1, 2, Infinity, -Infinity), shape: [6] };
    for (let call = 0; call < 3; call++) {
      const y = Array.from(m.run({ x }).y.data as Float32Array);
      expect(Number.isNaN(y[0])).toBe(true);
      expect(Object.is(y[1], 0)).toBe(true);
      expect(y.slice(2)).toEqual([0, 2, Infinity, 0]);
    }
    expect(m.lastRunPlan!.unpreparedNodes).toEqual([]);
  });

  it('Conv with packed weights, and an LSTM over several steps and one step', () => {
    const r = rng(13);
    const w = (n: number) => Array.from({ length: n }, () => r() - 0.5);
    const nodes: NodeSpec[] = [
      { op: 'Conv', inputs: ['x', 'W', 'B'], outputs: ['conv'], attrs: [{ name: 'kernel_shape', ints: [3] }, { name: 'pads', ints: [1, 1] }] },
      { op: 'Transpose', inputs: ['conv'], outputs: ['seq'], attrs: [{ name: 'perm', ints: [2, 0, 1] }] },
      { op: 'LSTM', inputs: ['seq', 'LW', 'LR', 'LB'], outputs: ['y', 'yh', 'yc'], attrs: [{ name: 'hidden_size', i: 6 }] },
      { op: 'LSTM', inputs: ['step', 'LW', 'LR', 'LB', '', 'yh', 'yc'], outputs: ['y1', 'yh1', 'yc1'], attrs: [{ name: 'hidden_size', i: 6 }] },
    ];
    const bytes = model({
      nodes,
      initializers: [
        { name: 'W', dims: [4, 2, 3], data: w(24) }, { name: 'B', dims: [4], data: w(4) },
        { name: 'LW', dims: [1, 24, 4], data: w(96) }, { name: 'LR', dims: [1, 24, 6], data: w(144) }, { name: 'LB', dims: [1, 48], data: w(48) },
      ],
      inputs: [{ name: 'x', shape: [1, 2, 5] }, { name: 'step', shape: [1, 1, 4] }],
      outputs: ['y', 'yh', 'yc', 'y1', 'yh1', 'yc1'].map((name) => ({ name })),
      opset: 17,
    });
    const st = loadOnnx(bytes);
    const dy = loadOnnx(bytes, { specializeShapes: false });
    for (let call = 0; call < 3; call++) {
      const feeds = { x: { data: Float32Array.from(w(10)), shape: [1, 2, 5] }, step: { data: Float32Array.from(w(4)), shape: [1, 1, 4] } };
      const a = st.run(feeds);
      const b = dy.run(feeds);
      for (const o of st.outputNames) expect(a[o].data, o).toEqual(b[o].data);
    }
    expect(st.recurrentNodes.map((n) => n.path)).toEqual(['fast', 'fast']);
    expect(st.lastRunPlan!.unpreparedNodes).toEqual([]);
  });
});

describe('the plan arena (bindings/plan-arena.ts): buffers in wasm memory of their own', () => {
  const chain = (n: number) =>
    model({
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['r'] },
        { op: 'Mul', inputs: ['r', 'x'], outputs: ['m'] },
        { op: 'Sqrt', inputs: ['m'], outputs: ['s'] },
        { op: 'Concat', inputs: ['s', 'x'], outputs: ['y'], attrs: [{ name: 'axis', i: 0 }] },
      ],
      inputs: [{ name: 'x', shape: [n] }],
      outputs: [{ name: 'y' }],
    });
  const feed = (n: number, seed: number) => ({ x: { data: Float32Array.from({ length: n }, rng(seed)), shape: [n] } });

  it("a plan compiled after ready() keeps its buffers there; another plan's growing the arena does not disturb it", () => {
    const arena = planArena(runtime())!;
    const small = loadOnnx(chain(1000));
    const x = feed(1000, 21);
    const first = small.run(x).y.data.slice(); // the dynamic plan: JS loops, JS buffers
    small.run(x); // compiled now
    expect(small.lastRunPlan!.buffersInWasm).toBe(true);
    const before = arena.memory.buffer;
    // a plan of 4 MB values grows the arena's memory: the small plan's views are of the old buffer
    const big = loadOnnx(chain(1 << 20));
    const bx = feed(1 << 20, 22);
    big.run(bx);
    const bigWant = big.run(bx).y.data.slice(0, 1000);
    expect(arena.memory.buffer).not.toBe(before);
    expect(small.run(x).y.data).toEqual(first);
    expect(big.run(bx).y.data.slice(0, 1000)).toEqual(bigWant);
    big.dispose();
    small.dispose();
  });

  it('dispose() frees a plan\'s block in the arena', () => {
    const arena = planArena(runtime())!;
    const blocks = arena.liveBlocks;
    const m = loadOnnx(chain(64));
    m.run(feed(64, 23));
    m.run(feed(64, 23));
    expect(arena.liveBlocks).toBe(blocks + 1);
    m.dispose();
    expect(arena.liveBlocks).toBe(blocks);
  });
});

describe('bind misuse', () => {
  const bytes = model({ nodes: [relu(0, 'x', 'y')], inputs: [{ name: 'x', shape: ['n'] }], outputs: [{ name: 'y' }] });

  it('missing, unknown and malformed shapes; feedback naming unknown values or of another size; after dispose', () => {
    const m = loadOnnx(bytes);
    const code = (f: () => unknown, c: string, msg: RegExp) => expect(f).toThrow(expect.objectContaining({ name: 'RnnError', code: c, message: expect.stringMatching(msg) }));
    code(() => m.bind({}), 'INVALID_INPUT', /missing the shape of input 'x'/);
    code(() => m.bind({ x: [2], z: [1] }), 'INVALID_INPUT', /unknown input 'z'/);
    code(() => m.bind({ x: [-1] }), 'INVALID_INPUT', /non-negative integers/);
    code(() => m.bind({ x: [2] }, { feedback: { nope: 'x' } }), 'INVALID_OPTION', /output 'nope'/);
    code(() => m.bind({ x: [2] }, { feedback: { y: 'nope' } }), 'INVALID_INPUT', /unknown input 'nope'/);
    code(() => m.bind({ x: [2] }, { other: 1 } as never), 'INVALID_OPTION', /other/);
    const b = m.bind({ x: [3] }, { feedback: { y: 'x' } });
    (b.inputs.x.data as Float32Array).set([-1, 2, -3]);
    b.run();
    expect(Array.from(b.outputs.y.data as Float32Array)).toEqual([0, 2, 0]);
    expect(Array.from(b.inputs.x.data as Float32Array)).toEqual([0, 2, 0]);
    m.dispose();
    code(() => b.run(), 'DISPOSED', /dispose/);
  });

  it('outputTypes: each output as the plan for the bound shapes infers it, before any run', () => {
    const two = model({
      nodes: [relu(0, 'x', 'y'), { op: 'Concat', inputs: ['x', 'x'], outputs: ['z'], attrs: [{ name: 'axis', i: 0 }] }],
      inputs: [{ name: 'x', shape: ['n'] }], outputs: [{ name: 'y' }, { name: 'z' }],
    });
    const m = loadOnnx(two);
    const b = m.bind({ x: [3] });
    expect(b.outputTypes).toEqual({ y: { dtype: 'float32', shape: [3] }, z: { dtype: 'float32', shape: [6] } });
    expect(m.lastRunNodes).toBe(0); // nothing ran
    // without specialised plans nothing is inferred
    expect(loadOnnx(two, { specializeShapes: false }).bind({ x: [3] }).outputTypes).toEqual({ y: undefined, z: undefined });
    // Silero v5 through loadOnnx: its outputs come out of an If on the value of sr, which the
    // shapes do not decide (SileroVad fixes sr at load, and there they are known)
    const v5 = loadOnnx(new Uint8Array(readFileSync(`${VAD_DIST}silero_vad_v5.onnx`)));
    expect(v5.bind({ input: [1, 576], state: [2, 1, 128], sr: [1] }).outputTypes).toEqual({ output: undefined, stateN: undefined });
  });

  it('a feedback output of another size than its input fails before any input is written', () => {
    const two = model({
      nodes: [relu(0, 'x', 'y'), { op: 'Concat', inputs: ['x', 'x'], outputs: ['z'], attrs: [{ name: 'axis', i: 0 }] }],
      inputs: [{ name: 'x', shape: ['n'] }], outputs: [{ name: 'y' }, { name: 'z' }],
    });
    const b = loadOnnx(two).bind({ x: [2] }, { feedback: { y: 'x', z: 'x' } });
    (b.inputs.x.data as Float32Array).set([-1, 5]);
    expect(() => b.run()).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH', message: expect.stringMatching(/feedback output 'z' is \[4\] but input 'x' is bound as \[2\]/) }));
    expect(Array.from(b.inputs.x.data as Float32Array)).toEqual([-1, 5]);
  });
});

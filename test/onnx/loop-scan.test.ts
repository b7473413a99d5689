/**
 * Loop and Scan: graphs built here run against onnxruntime-web on random inputs (for loops,
 * while loops, both; nested loops, If inside a body and a Loop inside an If branch; outer values
 * captured at run and at load; an LSTM inside a body, whose weights fold to the wasm path; Scan
 * at opsets 8, 9, 11 and 16 with axes, directions and sequence lengths), zero-iteration runs, a
 * Loop folded at load, and the typed errors. ONNX's own node tests (test_loop11, test_scan_sum,
 * test_scan9_sum, Range's function body) are in node-conformance.test.ts, models exported by
 * torch.jit.script in torch-loops.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import type { Tensor } from '../../base/tensor.js';
import { codeOf } from '../helpers/common.js';
import { model, type GraphSpec, type NodeSpec, type ValueSpec } from './encode.js';
import { BOOL, INT64, expectClose, randn } from './helpers.js';
import { expectLikeOrt, runOrt } from './ort.js';

beforeAll(async () => {
  await ready();
});

const f32 = (shape: number[], seed: number): Tensor => ({ data: randn(shape.reduce((a, b) => a * b, 1), seed), shape });
const i64 = (v: number, shape: number[] = []): Tensor => ({ data: BigInt64Array.of(BigInt(v)), shape });

function body(name: string, inputs: ValueSpec[], nodes: NodeSpec[], outputs: ValueSpec[]): GraphSpec {
  return { name, inputs, nodes, outputs };
}

// y <- y * a + xs[i] for i < M, scanning y and i: `a` an initializer (a constant of the body),
// `xs` a graph input (captured at run), the trip count an input.
const forLoop = (opset: number) => model({
  opset,
  nodes: [{
    op: 'Loop', name: 'for', inputs: ['M', '', 'y0'], outputs: ['y', 'ys', 'is'],
    attrs: [{ name: 'body', g: body('for_body',
      [{ name: 'i', type: INT64, shape: [] }, { name: 'c', type: BOOL, shape: [] }, { name: 'y_in', shape: [3] }],
      [
        { op: 'Gather', inputs: ['xs', 'i'], outputs: ['x_i'], attrs: [{ name: 'axis', i: 0 }] },
        { op: 'Mul', inputs: ['y_in', 'a'], outputs: ['ya'] },
        { op: 'Add', inputs: ['ya', 'x_i'], outputs: ['y_out'] },
        { op: 'Identity', inputs: ['y_out'], outputs: ['y_scan'] },
        { op: 'Cast', inputs: ['i'], outputs: ['i_f'], attrs: [{ name: 'to', i: 1 }] },
        { op: 'Identity', inputs: ['c'], outputs: ['c_out'] },
      ],
      [{ name: 'c_out', type: BOOL, shape: [] }, { name: 'y_out', shape: [3] }, { name: 'y_scan', shape: [3] }, { name: 'i_f', shape: [] }]) }],
  }],
  inputs: [{ name: 'M', type: INT64, shape: [] }, { name: 'y0', shape: [3] }, { name: 'xs', shape: [8, 3] }],
  outputs: [{ name: 'y' }, { name: 'ys' }, { name: 'is' }],
  initializers: [{ name: 'a', dims: [3], data: [0.5, -0.75, 1.25] }],
});

describe('Loop', () => {
  for (const opset of [11, 13, 16]) {
    for (const trips of [0, 1, 5, 8]) {
      it(`a for loop (M = ${trips}, no cond) at opset ${opset} matches onnxruntime`, async () => {
        const got = await expectLikeOrt(forLoop(opset), { M: i64(trips), y0: f32([3], 1), xs: f32([8, 3], 2 + trips) });
        expect(got.ys.shape).toEqual([trips, 3]);
        expect(Array.from(got.is.data)).toEqual(Array.from({ length: trips }, (_, i) => i));
      });
    }
  }

  it('a for loop computes what a plain loop over its inputs does', () => {
    const y0 = f32([3], 1);
    const xs = f32([8, 3], 3);
    const got = loadOnnx(forLoop(14)).run({ M: i64(6), y0, xs });
    const a = [0.5, -0.75, 1.25];
    const y = Array.from(y0.data as Float32Array);
    for (let i = 0; i < 6; i++) for (let k = 0; k < 3; k++) y[k] = Math.fround(Math.fround(y[k] * a[k]) + (xs.data as Float32Array)[i * 3 + k]);
    expect(Array.from(got.y.data)).toEqual(y);
    expect(Array.from(got.ys.data.slice(15, 18))).toEqual(y);
  });

  // while (cond) { y = y * 0.5; cond = max|y| > thresh }, with the trip count M as a cap when given.
  const whileLoop = (withM: boolean) => model({
    opset: 16,
    nodes: [
      { op: 'Cast', inputs: ['go'], outputs: ['cond'], attrs: [{ name: 'to', i: BOOL }] },
      {
        op: 'Loop', inputs: [withM ? 'M' : '', 'cond', 'y0'], outputs: ['y', 'maxes'],
        attrs: [{ name: 'body', g: body('while_body',
          [{ name: 'i', type: INT64, shape: [] }, { name: 'c', type: BOOL, shape: [] }, { name: 'y_in', shape: [4] }],
          [
            { op: 'Constant', inputs: [], outputs: ['half'], attrs: [{ name: 'value', t: { name: '', dims: [], data: [0.5] } }] },
            { op: 'Mul', inputs: ['y_in', 'half'], outputs: ['y_out'] },
            { op: 'Abs', inputs: ['y_out'], outputs: ['abs'] },
            { op: 'ReduceMax', inputs: ['abs'], outputs: ['max'], attrs: [{ name: 'keepdims', i: 0 }] },
            { op: 'Greater', inputs: ['max', 'thresh'], outputs: ['c_out'] },
          ],
          [{ name: 'c_out', type: BOOL, shape: [] }, { name: 'y_out', shape: [4] }, { name: 'max', shape: [] }]) }],
      },
    ],
    inputs: [...(withM ? [{ name: 'M', type: INT64, shape: [] }] : []), { name: 'go', type: INT64, shape: [] }, { name: 'y0', shape: [4] }, { name: 'thresh', shape: [] }],
    outputs: [{ name: 'y' }, { name: 'maxes' }],
  });

  for (const [go, thresh] of [[1, 0.01], [1, 0.3], [1, 5], [0, 0.01]] as const) {
    it(`a while loop (cond ${go} at first, threshold ${thresh}) matches onnxruntime`, async () => {
      const y0 = { data: Float32Array.of(3, -2, 0.5, 1), shape: [4] };
      const got = await expectLikeOrt(whileLoop(false), { go: i64(go), y0, thresh: { data: Float32Array.of(thresh), shape: [] } });
      // halvings until max |y| <= thresh: 3 -> 0.01 takes 9
      const expected = go === 0 ? 0 : Math.max(1, Math.ceil(Math.log2(3 / thresh)));
      expect(got.maxes.shape).toEqual([expected]);
    });
  }

  for (const m of [0, 2, 20]) {
    it(`a while loop capped by M = ${m} matches onnxruntime`, async () => {
      await expectLikeOrt(whileLoop(true), { M: i64(m), go: i64(1), y0: f32([4], 5), thresh: { data: Float32Array.of(0.001), shape: [] } });
    });
  }

  // Loops in loops and Ifs: the inner Loop sums the outer iteration number into x j times (it
  // captures i from the outer body and `x` from the main graph); an If on i's parity inside the
  // outer body; a Loop inside an If branch of the main graph.
  const nested = model({
    opset: 16,
    nodes: [
      { op: 'Cast', inputs: ['flag'], outputs: ['cond'], attrs: [{ name: 'to', i: BOOL }] },
      {
        op: 'If', inputs: ['cond'], outputs: ['out'],
        attrs: [
          { name: 'then_branch', g: body('then', [], [
            {
              op: 'Loop', name: 'outer', inputs: ['M', '', 'acc0'], outputs: ['acc'],
              attrs: [{ name: 'body', g: body('outer_body',
                [{ name: 'i', type: INT64, shape: [] }, { name: 'c', type: BOOL, shape: [] }, { name: 'acc_in', shape: [2] }],
                [
                  { op: 'Cast', inputs: ['i'], outputs: ['i_f'], attrs: [{ name: 'to', i: 1 }] },
                  {
                    op: 'Loop', name: 'inner', inputs: ['i', '', 'acc_in'], outputs: ['acc_inner'],
                    attrs: [{ name: 'body', g: body('inner_body',
                      [{ name: 'j', type: INT64, shape: [] }, { name: 'c2', type: BOOL, shape: [] }, { name: 'v', shape: [2] }],
                      [
                        { op: 'Mul', inputs: ['x', 'i_f'], outputs: ['xi'] },
                        { op: 'Add', inputs: ['v', 'xi'], outputs: ['v_out'] },
                        { op: 'Identity', inputs: ['c2'], outputs: ['c2_out'] },
                      ],
                      [{ name: 'c2_out', type: BOOL, shape: [] }, { name: 'v_out', shape: [2] }]) }],
                  },
                  { op: 'Constant', inputs: [], outputs: ['two'], attrs: [{ name: 'value', t: { name: '', dims: [], type: INT64, data: [2] } }] },
                  { op: 'Mod', inputs: ['i', 'two'], outputs: ['parity'] },
                  { op: 'Cast', inputs: ['parity'], outputs: ['odd'], attrs: [{ name: 'to', i: BOOL }] },
                  {
                    op: 'If', inputs: ['odd'], outputs: ['acc_out'],
                    attrs: [
                      { name: 'then_branch', g: body('odd', [], [{ op: 'Neg', inputs: ['acc_inner'], outputs: ['neg'] }], [{ name: 'neg' }]) },
                      { name: 'else_branch', g: body('even', [], [{ op: 'Identity', inputs: ['acc_inner'], outputs: ['same'] }], [{ name: 'same' }]) },
                    ],
                  },
                  { op: 'Identity', inputs: ['c'], outputs: ['c_out'] },
                ],
                [{ name: 'c_out', type: BOOL, shape: [] }, { name: 'acc_out', shape: [2] }]) }],
            },
          ], [{ name: 'acc' }]) },
          { name: 'else_branch', g: body('else', [], [{ op: 'Relu', inputs: ['acc0'], outputs: ['r'] }], [{ name: 'r' }]) },
        ],
      },
    ],
    inputs: [{ name: 'flag', type: INT64, shape: [] }, { name: 'M', type: INT64, shape: [] }, { name: 'acc0', shape: [2] }, { name: 'x', shape: [2] }],
    outputs: [{ name: 'out' }],
  });

  for (const [flag, m] of [[1, 0], [1, 1], [1, 4], [1, 7], [0, 3]]) {
    it(`nested loops and Ifs (flag ${flag}, M ${m}) match onnxruntime`, async () => {
      await expectLikeOrt(nested, { flag: i64(flag), M: i64(m), acc0: f32([2], 7), x: f32([2], 8 + m) });
    });
  }

  // A sequence streamed through an LSTM in chunks: the body runs the LSTM on chunk i from the
  // carried state. Its weights are initializers of the main graph, so they are constants of the
  // body and the LSTM takes the packed wasm path; the result is the LSTM over the whole sequence.
  const H = 5;
  const I = 3;
  const lstmWeights = [
    { name: 'W', dims: [1, 4 * H, I], data: Array.from(randn(4 * H * I, 21)) },
    { name: 'R', dims: [1, 4 * H, H], data: Array.from(randn(4 * H * H, 22)) },
    { name: 'B', dims: [1, 8 * H], data: Array.from(randn(8 * H, 23)) },
  ];
  const chunked = model({
    opset: 14,
    nodes: [
      { op: 'Constant', inputs: [], outputs: ['chunks'], attrs: [{ name: 'value', t: { name: '', dims: [], type: INT64, data: [4] } }] },
      {
        op: 'Loop', name: 'stream', inputs: ['chunks', '', 'h0', 'c0'], outputs: ['h', 'c', 'ys'],
        attrs: [{ name: 'body', g: body('chunk_body',
          [{ name: 'i', type: INT64, shape: [] }, { name: 'cond', type: BOOL, shape: [] }, { name: 'h_in', shape: [1, 2, H] }, { name: 'c_in', shape: [1, 2, H] }],
          [
            { op: 'Gather', inputs: ['xs', 'i'], outputs: ['x_i'], attrs: [{ name: 'axis', i: 0 }] },
            { op: 'LSTM', name: 'chunk_lstm', inputs: ['x_i', 'W', 'R', 'B', '', 'h_in', 'c_in'], outputs: ['y', 'h_out', 'c_out'], attrs: [{ name: 'hidden_size', i: H }] },
            { op: 'Identity', inputs: ['cond'], outputs: ['cond_out'] },
          ],
          [{ name: 'cond_out', type: BOOL, shape: [] }, { name: 'h_out', shape: [1, 2, H] }, { name: 'c_out', shape: [1, 2, H] }, { name: 'y', shape: [3, 1, 2, H] }]) }],
      },
    ],
    inputs: [{ name: 'xs', shape: [4, 3, 2, I] }, { name: 'h0', shape: [1, 2, H] }, { name: 'c0', shape: [1, 2, H] }],
    outputs: [{ name: 'h' }, { name: 'c' }, { name: 'ys' }],
    initializers: lstmWeights,
  });
  const whole = model({
    opset: 14,
    nodes: [{ op: 'LSTM', inputs: ['x', 'W', 'R', 'B', '', 'h0', 'c0'], outputs: ['y', 'h', 'c'], attrs: [{ name: 'hidden_size', i: H }] }],
    inputs: [{ name: 'x', shape: [12, 2, I] }, { name: 'h0', shape: [1, 2, H] }, { name: 'c0', shape: [1, 2, H] }],
    outputs: [{ name: 'y' }, { name: 'h' }, { name: 'c' }],
    initializers: lstmWeights,
  });

  it('an LSTM inside a body takes the wasm path, matches onnxruntime and the LSTM over the whole sequence', async () => {
    const m = loadOnnx(chunked);
    expect(m.recurrentNodes).toEqual([{ name: 'chunk_lstm', op: 'LSTM', path: 'fast' }]);
    const feeds = { xs: f32([4, 3, 2, I], 30), h0: f32([1, 2, H], 31), c0: f32([1, 2, H], 32) };
    const got = await expectLikeOrt(chunked, feeds, 1e-5);
    const ref = loadOnnx(whole).run({ x: { data: feeds.xs.data, shape: [12, 2, I] }, h0: feeds.h0, c0: feeds.c0 });
    expect(Array.from(got.h.data)).toEqual(Array.from(ref.h.data));
    expect(Array.from(got.c.data)).toEqual(Array.from(ref.c.data));
    expect(got.ys.shape).toEqual([4, 3, 1, 2, H]);
    expect(Array.from(got.ys.data)).toEqual(Array.from(ref.y.data));
    m.dispose();
  });

  it('runs again with fresh results, through the shape-specialised and static plans', () => {
    const m = loadOnnx(forLoop(14));
    const runs = [0, 1, 2, 3].map((k) => m.run({ M: i64(4), y0: f32([3], 1), xs: f32([8, 3], 40 + (k % 2)) }));
    expect(Array.from(runs[2].ys.data)).toEqual(Array.from(runs[0].ys.data));
    expect(Array.from(runs[3].ys.data)).toEqual(Array.from(runs[1].ys.data));
    expect(Array.from(runs[1].ys.data)).not.toEqual(Array.from(runs[0].ys.data));
    expect(runs[2].ys.data).not.toBe(runs[0].ys.data);
  });

  it('a Loop whose inputs are all known at load folds then', async () => {
    const bytes = model({
      opset: 16,
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['M'], attrs: [{ name: 'value', t: { name: '', dims: [], type: INT64, data: [3] } }] },
        {
          op: 'Loop', inputs: ['M', '', 'w'], outputs: ['w3'],
          attrs: [{ name: 'body', g: body('square',
            [{ name: 'i', type: INT64, shape: [] }, { name: 'c', type: BOOL, shape: [] }, { name: 'v', shape: [2] }],
            [{ op: 'Mul', inputs: ['v', 'v'], outputs: ['v2'] }, { op: 'Identity', inputs: ['c'], outputs: ['c_out'] }],
            [{ name: 'c_out', type: BOOL, shape: [] }, { name: 'v2', shape: [2] }]) }],
        },
        { op: 'Add', inputs: ['x', 'w3'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [2] }],
      outputs: [{ name: 'y' }],
      initializers: [{ name: 'w', dims: [2], data: [1.5, -0.5] }],
    });
    const m = loadOnnx(bytes);
    const got = await expectLikeOrt(bytes, { x: { data: Float32Array.of(1, 2), shape: [2] } });
    expect(Array.from(got.y.data)).toEqual([1 + 1.5 ** 8, 2 + 0.5 ** 8]);
    m.run({ x: { data: Float32Array.of(1, 2), shape: [2] } });
    expect(m.lastRunNodes).toBe(1); // the Add: the Loop is a constant
  });
});

// An Elman RNN written as a Scan: h' = tanh(x_t W^T + h R^T + b), scanning h'.
const scanRnn = (opset: number, reverse: boolean) => model({
  opset,
  nodes: [{
    op: 'Scan', name: 'rnn', inputs: ['h0', 'x'], outputs: ['h', 'ys'],
    attrs: [
      { name: 'num_scan_inputs', i: 1 },
      ...(reverse ? [{ name: 'scan_input_directions', ints: [1] }, { name: 'scan_output_directions', ints: [1] }] : []),
      { name: 'body', g: body('cell',
        [{ name: 'h_in', shape: [2, 4] }, { name: 'x_t', shape: [2, 3] }],
        [
          { op: 'MatMul', inputs: ['x_t', 'Wt'], outputs: ['xw'] },
          { op: 'MatMul', inputs: ['h_in', 'Rt'], outputs: ['hr'] },
          { op: 'Add', inputs: ['xw', 'hr'], outputs: ['sum'] },
          { op: 'Add', inputs: ['sum', 'b'], outputs: ['pre'] },
          { op: 'Tanh', inputs: ['pre'], outputs: ['h_out'] },
          { op: 'Identity', inputs: ['h_out'], outputs: ['y_t'] },
        ],
        [{ name: 'h_out', shape: [2, 4] }, { name: 'y_t', shape: [2, 4] }]) },
    ],
  }],
  inputs: [{ name: 'h0', shape: [2, 4] }, { name: 'x', shape: ['T', 2, 3] }],
  outputs: [{ name: 'h' }, { name: 'ys' }],
  initializers: [
    { name: 'Wt', dims: [3, 4], data: Array.from(randn(12, 51)) },
    { name: 'Rt', dims: [4, 4], data: Array.from(randn(16, 52)) },
    { name: 'b', dims: [4], data: Array.from(randn(4, 53)) },
  ],
});

describe('Scan', () => {
  for (const opset of [9, 11, 16]) {
    for (const reverse of [false, true]) {
      for (const T of [1, 2, 6]) {
        it(`an Elman RNN as a Scan (opset ${opset}, ${reverse ? 'reverse' : 'forward'}, T = ${T}) matches onnxruntime`, async () => {
          await expectLikeOrt(scanRnn(opset, reverse), { h0: f32([2, 4], 50), x: f32([T, 2, 3], 54 + T) }, 1e-6);
        });
      }
    }
  }

  it('a Scan over no steps gives the initial states and empty scan outputs (onnxruntime fails on it)', () => {
    const h0 = f32([2, 4], 50);
    for (const reverse of [false, true]) {
      const got = loadOnnx(scanRnn(16, reverse)).run({ h0, x: f32([0, 2, 3], 1) });
      expect(Array.from(got.h.data)).toEqual(Array.from(h0.data));
      expect(got.ys.shape).toEqual([0, 2, 4]);
    }
  });

  it('shape inference sees into the body: the outputs are typed at load, and runs of any length agree', () => {
    const m = loadOnnx(scanRnn(16, false));
    expect(m.outputs).toEqual([{ name: 'h', dtype: 'float32', shape: [2, 4] }, { name: 'ys', dtype: 'float32', shape: ['T', 2, 4] }]);
    for (const T of [0, 1, 3]) expect(m.run({ h0: f32([2, 4], 1), x: f32([T, 2, 3], 2) }).ys.shape).toEqual([T, 2, 4]);
  });

  it('a state that changes its shape is SHAPE_MISMATCH at run (onnxruntime rejects it too)', async () => {
    const bytes = model({
      opset: 16,
      nodes: [{ op: 'Scan', name: 'grow', inputs: ['s0', 'x'], outputs: ['s'], attrs: [
        { name: 'num_scan_inputs', i: 1 },
        { name: 'body', g: body('b', [{ name: 's_in' }, { name: 'x_t' }], [{ op: 'Concat', inputs: ['s_in', 'x_t'], outputs: ['s_out'], attrs: [{ name: 'axis', i: 0 }] }], [{ name: 's_out' }]) },
      ] }],
      inputs: [{ name: 's0', shape: [1] }, { name: 'x', shape: [3, 1] }],
      outputs: [{ name: 's' }],
    });
    const feeds = { s0: f32([1], 1), x: f32([3, 1], 2) };
    expect(codeOf(() => loadOnnx(bytes).run(feeds))).toBe('SHAPE_MISMATCH');
    expect(() => loadOnnx(bytes).run(feeds)).toThrow(/Scan node 'grow'.*body output 's_out' is float32 \[2\], but state variable 0 is float32 \[1\]/);
    expect((await runOrt(bytes, feeds as never)).error).toBeDefined();
  });

  it('an Elman RNN as a Scan gives what the RNN operator gives', () => {
    const x = f32([6, 2, 3], 60);
    const h0 = f32([2, 4], 61);
    const scanned = loadOnnx(scanRnn(11, false)).run({ h0, x });
    const rnn = loadOnnx(model({
      opset: 14,
      nodes: [
        { op: 'Transpose', inputs: ['Wt'], outputs: ['W'] },
        { op: 'Transpose', inputs: ['Rt'], outputs: ['R'] },
        { op: 'Unsqueeze', inputs: ['W', 'zero'], outputs: ['W3'] },
        { op: 'Unsqueeze', inputs: ['R', 'zero'], outputs: ['R3'] },
        { op: 'Concat', inputs: ['b', 'zeros'], outputs: ['bb'], attrs: [{ name: 'axis', i: 0 }] },
        { op: 'Unsqueeze', inputs: ['bb', 'zero'], outputs: ['B3'] },
        { op: 'Unsqueeze', inputs: ['h0', 'zero'], outputs: ['h03'] },
        { op: 'RNN', inputs: ['x', 'W3', 'R3', 'B3', '', 'h03'], outputs: ['y', 'h'], attrs: [{ name: 'hidden_size', i: 4 }] },
      ],
      inputs: [{ name: 'h0', shape: [2, 4] }, { name: 'x', shape: [6, 2, 3] }],
      outputs: [{ name: 'y' }, { name: 'h' }],
      initializers: [
        { name: 'Wt', dims: [3, 4], data: Array.from(randn(12, 51)) },
        { name: 'Rt', dims: [4, 4], data: Array.from(randn(16, 52)) },
        { name: 'b', dims: [4], data: Array.from(randn(4, 53)) },
        { name: 'zeros', dims: [4], data: [0, 0, 0, 0] },
        { name: 'zero', dims: [1], type: INT64, data: [0] },
      ],
    })).run({ h0, x });
    expectClose(scanned.ys, { data: rnn.y.data as Float32Array, shape: [6, 2, 4] }, 1e-6, 'ys');
    expectClose(scanned.h, { data: rnn.h.data as Float32Array, shape: [2, 4] }, 1e-6, 'h');
  });

  // Two scan inputs along other axes, one reversed; two scan outputs along other axes, one
  // reversed; a state variable; and a scan output of the body's scalar.
  const axes = (opset: number) => model({
    opset,
    nodes: [{
      op: 'Scan', inputs: ['s0', 'a', 'b'], outputs: ['s', 'o1', 'o2', 'o3'],
      attrs: [
        { name: 'num_scan_inputs', i: 2 },
        { name: 'scan_input_axes', ints: [1, opset >= 11 ? -1 : 2] },
        { name: 'scan_input_directions', ints: [1, 0] },
        { name: 'scan_output_axes', ints: [opset >= 11 ? -1 : 1, 0, 0] },
        { name: 'scan_output_directions', ints: [0, 1, 0] },
        { name: 'body', g: body('zip',
          [{ name: 's_in', shape: [2] }, { name: 'a_t', shape: [2] }, { name: 'b_t', shape: [2, 4] }],
          [
            { op: 'MatMul', inputs: ['a_t', 'b_t'], outputs: ['ab'] },
            { op: 'ReduceSum', inputs: ['ab'], outputs: ['sum'], attrs: [{ name: 'keepdims', i: 0 }] },
            { op: 'Mul', inputs: ['s_in', 'sum'], outputs: ['scaled'] },
            { op: 'Add', inputs: ['scaled', 'a_t'], outputs: ['s_out'] },
            { op: 'Identity', inputs: ['s_out'], outputs: ['o1_t'] },
          ],
          [{ name: 's_out', shape: [2] }, { name: 'o1_t', shape: [2] }, { name: 'ab', shape: [4] }, { name: 'sum', shape: [] }]) },
      ],
    }],
    inputs: [{ name: 's0', shape: [2] }, { name: 'a', shape: [2, 'T'] }, { name: 'b', shape: [2, 4, 'T'] }],
    outputs: [{ name: 's' }, { name: 'o1' }, { name: 'o2' }, { name: 'o3' }],
  });

  for (const opset of [9, 11, 16]) {
    it(`scan axes and directions (opset ${opset}) match onnxruntime`, async () => {
      const got = await expectLikeOrt(axes(opset), { s0: f32([2], 70), a: f32([2, 5], 71), b: f32([2, 4, 5], 72) }, 1e-5);
      expect(got.o1.shape).toEqual([2, 5]);
      expect(got.o2.shape).toEqual([5, 4]);
      expect(got.o3.shape).toEqual([5]);
    });
  }

  // Scan-8: a batch axis first, sequence lengths per entry, a reversed scan input.
  const scan8 = (withLengths: boolean) => model({
    opset: 8,
    nodes: [{
      op: 'Scan', inputs: [withLengths ? 'lens' : '', 'acc0', 'x'], outputs: ['acc', 'ys'],
      attrs: [
        { name: 'num_scan_inputs', i: 1 },
        { name: 'directions', ints: [1] },
        { name: 'body', g: body('scan8_body',
          [{ name: 'acc_in', shape: [2] }, { name: 'x_t', shape: [2] }],
          [{ op: 'Mul', inputs: ['acc_in', 'x_t'], outputs: ['m'] }, { op: 'Add', inputs: ['m', 'x_t'], outputs: ['acc_out'] }, { op: 'Identity', inputs: ['acc_out'], outputs: ['y_t'] }],
          [{ name: 'acc_out', shape: [2] }, { name: 'y_t', shape: [2] }]) },
      ],
    }],
    inputs: [...(withLengths ? [{ name: 'lens', type: INT64, shape: [3] }] : []), { name: 'acc0', shape: [3, 2] }, { name: 'x', shape: [3, 4, 2] }],
    outputs: [{ name: 'acc' }, { name: 'ys' }],
  });

  it('Scan-8 with a batch and a reversed input matches onnxruntime', async () => {
    await expectLikeOrt(scan8(false), { acc0: f32([3, 2], 80), x: f32([3, 4, 2], 81) });
  });

  it('Scan-8 with sequence lengths matches onnxruntime (outputs past a length are zero)', async () => {
    const got = await expectLikeOrt(scan8(true), { lens: { data: BigInt64Array.of(4n, 1n, 3n), shape: [3] }, acc0: f32([3, 2], 82), x: f32([3, 4, 2], 83) });
    expect(Array.from(got.ys.data.slice(8 + 2, 16))).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('errors', () => {
  const loop = (inputs: string[], bodyInputs: number, bodyOutputs = 2) => model({
    opset: 16,
    nodes: [{
      op: 'Loop', name: 'bad_loop', inputs, outputs: ['y'],
      attrs: [{ name: 'body', g: body('b',
        Array.from({ length: bodyInputs }, (_, k) => ({ name: `in${k}`, ...(k === 0 ? { type: INT64 } : k === 1 ? { type: BOOL } : {}), shape: [] })),
        [{ op: 'Identity', inputs: ['in1'], outputs: ['c_out'] }, { op: 'Identity', inputs: [`in${bodyInputs - 1}`], outputs: ['v_out'] }],
        [{ name: 'c_out', type: BOOL }, { name: 'v_out' }, ...(bodyOutputs > 2 ? [{ name: 'in0', type: INT64 }] : [])]) }],
    }],
    inputs: [{ name: 'M', type: INT64, shape: [] }, { name: 'v', shape: [] }],
    outputs: [{ name: 'y' }],
  });

  it('a Loop with neither a trip count nor a condition is UNSUPPORTED at load, naming the node', () => {
    expect(codeOf(() => loadOnnx(loop(['', '', 'v'], 3)))).toBe('UNSUPPORTED');
    expect(() => loadOnnx(loop(['', '', 'v'], 3))).toThrow(/Loop node 'bad_loop'.*never ends/);
  });

  it('a body whose inputs or outputs do not fit the node is INVALID_FORMAT at load', () => {
    expect(() => loadOnnx(loop(['M', '', 'v'], 4))).toThrow(/must declare 3 inputs for this node, it declares 4/);
    expect(() => loadOnnx(loop(['M', '', 'v'], 3, 3))).toThrow(/must declare 2 outputs for this node, it declares 3/);
    expect(() => loadOnnx(model({
      opset: 16,
      nodes: [{ op: 'Loop', inputs: ['M', '', 'v'], outputs: ['y', 'extra'], attrs: [{ name: 'body', g: body('b', [{ name: 'i', type: INT64 }, { name: 'c', type: BOOL }, { name: 'x' }], [{ op: 'Identity', inputs: ['c'], outputs: ['co'] }], [{ name: 'co', type: BOOL }, { name: 'x' }]) }] }],
      inputs: [{ name: 'M', type: INT64, shape: [] }, { name: 'v', shape: [] }],
      outputs: [{ name: 'y' }, { name: 'extra' }],
    }))).toThrow(/must declare 3 outputs for this node, it declares 2/);
  });

  it('a body reading a name no enclosing graph defines is INVALID_FORMAT at load', () => {
    const bytes = model({
      opset: 16,
      nodes: [{ op: 'Loop', inputs: ['M', '', 'v'], outputs: ['y'], attrs: [{ name: 'body', g: body('b',
        [{ name: 'i', type: INT64 }, { name: 'c', type: BOOL }, { name: 'x' }],
        [{ op: 'Add', inputs: ['x', 'nowhere'], outputs: ['x2'] }, { op: 'Identity', inputs: ['c'], outputs: ['co'] }],
        [{ name: 'co', type: BOOL }, { name: 'x2' }]) }] }],
      inputs: [{ name: 'M', type: INT64, shape: [] }, { name: 'v', shape: [] }],
      outputs: [{ name: 'y' }],
    });
    expect(codeOf(() => loadOnnx(bytes))).toBe('INVALID_FORMAT');
    expect(() => loadOnnx(bytes)).toThrow(/input 'nowhere' is not a graph input/);
  });

  it("a body's cond output that is not bool is DTYPE_MISMATCH at run, and the model runs again after", () => {
    const bytes = model({
      opset: 16,
      nodes: [
        { op: 'Cast', inputs: ['go'], outputs: ['cond'], attrs: [{ name: 'to', i: BOOL }] },
        { op: 'Loop', name: 'l', inputs: ['M', 'cond', 'v'], outputs: ['y'], attrs: [{ name: 'body', g: body('b',
          [{ name: 'i', type: INT64 }, { name: 'c', type: BOOL }, { name: 'x' }],
          [
            { op: 'Add', inputs: ['x', 'x'], outputs: ['x2'] },
            // a float condition when x2 > 100: the wrong type shows only then
            { op: 'Greater', inputs: ['x2', 'hundred'], outputs: ['big'] },
            { op: 'If', inputs: ['big'], outputs: ['co'], attrs: [
              { name: 'then_branch', g: body('t', [], [{ op: 'Cast', inputs: ['c'], outputs: ['cf'], attrs: [{ name: 'to', i: 1 }] }], [{ name: 'cf' }]) },
              { name: 'else_branch', g: body('e', [], [{ op: 'Identity', inputs: ['c'], outputs: ['cb'] }], [{ name: 'cb', type: BOOL }]) },
            ] },
          ],
          [{ name: 'co' }, { name: 'x2' }]) }] },
      ],
      inputs: [{ name: 'M', type: INT64, shape: [] }, { name: 'go', type: INT64, shape: [] }, { name: 'v', shape: [] }],
      outputs: [{ name: 'y' }],
      initializers: [{ name: 'hundred', dims: [], data: [100] }],
    });
    const m = loadOnnx(bytes);
    const v = { data: Float32Array.of(1), shape: [] };
    expect(codeOf(() => m.run({ M: i64(10), go: i64(1), v }))).toBe('DTYPE_MISMATCH');
    expect(() => m.run({ M: i64(10), go: i64(1), v })).toThrow(/Loop node 'l'.*the body's cond output must be bool, got float32/);
    expect(Array.from(m.run({ M: i64(3), go: i64(1), v }).y.data)).toEqual([8]);
  });

  it('a carried value that changes its dtype is DTYPE_MISMATCH at run; one that changes its shape is fine', async () => {
    const loop = (op: NodeSpec) => model({
      opset: 16,
      nodes: [{ op: 'Loop', name: 'l', inputs: ['M', '', 'v'], outputs: ['y'], attrs: [{ name: 'body', g: body('b',
        [{ name: 'i', type: INT64, shape: [] }, { name: 'c', type: BOOL, shape: [] }, { name: 'x' }],
        [op, { op: 'Identity', inputs: ['c'], outputs: ['co'] }],
        [{ name: 'co', type: BOOL }, { name: 'x2' }]) }] }],
      inputs: [{ name: 'M', type: INT64, shape: [] }, { name: 'v', shape: [1] }],
      outputs: [{ name: 'y' }],
    });
    const feeds = { M: i64(3), v: { data: Float32Array.of(1.5), shape: [1] } };
    const cast = loop({ op: 'Cast', inputs: ['x'], outputs: ['x2'], attrs: [{ name: 'to', i: INT64 }] });
    expect(codeOf(() => loadOnnx(cast).run(feeds))).toBe('DTYPE_MISMATCH');
    expect(() => loadOnnx(cast).run(feeds)).toThrow(/body output 'x2' is int64, but loop-carried value 0 is float32/);
    const grow = await expectLikeOrt(loop({ op: 'Concat', inputs: ['x', 'x'], outputs: ['x2'], attrs: [{ name: 'axis', i: 0 }] }), feeds);
    expect(grow.y.shape).toEqual([8]);
  });

  it('scan outputs whose shape changes between iterations are SHAPE_MISMATCH at run', () => {
    // ys_t = x[0 : i + 1]
    const bytes = model({
      opset: 16,
      nodes: [{ op: 'Loop', name: 'grow', inputs: ['M', ''], outputs: ['ys'], attrs: [{ name: 'body', g: body('b',
        [{ name: 'i', type: INT64, shape: [] }, { name: 'c', type: BOOL }],
        [
          { op: 'Constant', inputs: [], outputs: ['one'], attrs: [{ name: 'value', t: { name: '', dims: [1], type: INT64, data: [1] } }] },
          { op: 'Constant', inputs: [], outputs: ['zero'], attrs: [{ name: 'value', t: { name: '', dims: [1], type: INT64, data: [0] } }] },
          { op: 'Add', inputs: ['i', 'one'], outputs: ['end'] },
          { op: 'Slice', inputs: ['x', 'zero', 'end'], outputs: ['part'] },
          { op: 'Identity', inputs: ['c'], outputs: ['co'] },
        ],
        [{ name: 'co', type: BOOL }, { name: 'part' }]) }] }],
      inputs: [{ name: 'M', type: INT64, shape: [] }, { name: 'x', shape: [4] }],
      outputs: [{ name: 'ys' }],
    });
    const m = loadOnnx(bytes);
    const x = { data: Float32Array.of(1, 2, 3, 4), shape: [4] };
    expect(m.run({ M: i64(1), x }).ys.shape).toEqual([1, 1]);
    expect(codeOf(() => m.run({ M: i64(2), x }))).toBe('SHAPE_MISMATCH');
    expect(() => m.run({ M: i64(2), x })).toThrow(/body output 'part' is float32 \[2\] in one iteration and float32 \[1\] in another/);
  });

  it('Scan: a missing num_scan_inputs, bad directions or axes counts are INVALID_FORMAT at load', () => {
    const scan = (attrs: { name: string; i?: number; ints?: number[] }[]) => model({
      opset: 16,
      nodes: [{ op: 'Scan', name: 's', inputs: ['x'], outputs: ['y'], attrs: [...attrs as never[], { name: 'body', g: body('b', [{ name: 'x_t' }], [{ op: 'Neg', inputs: ['x_t'], outputs: ['n'] }], [{ name: 'n' }]) }] }],
      inputs: [{ name: 'x', shape: [3, 2] }],
      outputs: [{ name: 'y' }],
    });
    expect(codeOf(() => loadOnnx(scan([{ name: 'num_scan_inputs', i: 1 }])))).toBe('ok');
    expect(() => loadOnnx(scan([]))).toThrow(/Scan node 's'.*'num_scan_inputs' is required/);
    expect(() => loadOnnx(scan([{ name: 'num_scan_inputs', i: 2 }]))).toThrow(/'num_scan_inputs' is 2, but the node has 1/);
    expect(() => loadOnnx(scan([{ name: 'num_scan_inputs', i: 1 }, { name: 'scan_input_directions', ints: [2] }]))).toThrow(/'scan_input_directions'\[0\] is 2/);
    expect(() => loadOnnx(scan([{ name: 'num_scan_inputs', i: 1 }, { name: 'scan_output_axes', ints: [0, 1] }]))).toThrow(/'scan_output_axes' has 2 values for 1 scan outputs/);
    expect(() => loadOnnx(scan([{ name: 'num_scan_inputs', i: 1 }, { name: 'directions', ints: [0] }]))).toThrow(/attribute 'directions' is not supported/);
  });

  it('Scan: scan inputs of different lengths and an axis out of range are typed errors at run', () => {
    const bytes = model({
      opset: 16,
      nodes: [{ op: 'Scan', name: 's', inputs: ['a', 'b'], outputs: ['y'], attrs: [
        { name: 'num_scan_inputs', i: 2 },
        { name: 'scan_input_axes', ints: [0, 1] },
        { name: 'body', g: body('b', [{ name: 'a_t' }, { name: 'b_t' }], [{ op: 'Add', inputs: ['a_t', 'b_t'], outputs: ['s'] }], [{ name: 's' }]) },
      ] }],
      inputs: [{ name: 'a', shape: ['n', 2] }, { name: 'b', shape: [2, 'm'] }],
      outputs: [{ name: 'y' }],
    });
    const m = loadOnnx(bytes);
    expect(m.run({ a: f32([3, 2], 1), b: f32([2, 3], 2) }).y.shape).toEqual([3, 2]);
    expect(codeOf(() => m.run({ a: f32([3, 2], 1), b: f32([2, 4], 2) }))).toBe('SHAPE_MISMATCH');
    expect(() => m.run({ a: f32([3, 2], 1), b: f32([2, 4], 2) })).toThrow(/scan input 1 has 4 steps along axis 1 .*scan input 0 has 3/);
    expect(codeOf(() => m.run({ a: f32([3, 2], 1), b: f32([3], 2) }))).toBe('SHAPE_MISMATCH');
  });

  it('Scan-8: sequence lengths out of range are INVALID_LENGTHS', () => {
    const bytes = model({
      opset: 8,
      nodes: [{ op: 'Scan', name: 's8', inputs: ['lens', 'x'], outputs: ['y'], attrs: [
        { name: 'num_scan_inputs', i: 1 },
        { name: 'body', g: body('b', [{ name: 'x_t' }], [{ op: 'Neg', inputs: ['x_t'], outputs: ['n'] }], [{ name: 'n' }]) },
      ] }],
      inputs: [{ name: 'lens', type: INT64, shape: [2] }, { name: 'x', shape: [2, 3] }],
      outputs: [{ name: 'y' }],
    });
    const m = loadOnnx(bytes);
    expect(m.run({ lens: { data: BigInt64Array.of(3n, 2n), shape: [2] }, x: f32([2, 3], 1) }).y.shape).toEqual([2, 3]);
    expect(codeOf(() => m.run({ lens: { data: BigInt64Array.of(4n, 2n), shape: [2] }, x: f32([2, 3], 1) }))).toBe('INVALID_LENGTHS');
    expect(codeOf(() => m.run({ lens: { data: BigInt64Array.of(0n, 2n), shape: [2] }, x: f32([2, 3], 1) }))).toBe('INVALID_LENGTHS');
  });

  it('SequenceMap stays UNSUPPORTED at load', () => {
    const bytes = model({
      opset: 17,
      nodes: [{ op: 'SequenceMap', name: 'sm', inputs: ['x'], outputs: ['y'], attrs: [{ name: 'body', g: body('b', [{ name: 'x_t' }], [{ op: 'Neg', inputs: ['x_t'], outputs: ['n'] }], [{ name: 'n' }]) }] }],
      inputs: [{ name: 'x', shape: [2] }],
      outputs: [{ name: 'y' }],
    });
    expect(codeOf(() => loadOnnx(bytes))).toBe('UNSUPPORTED');
  });
});

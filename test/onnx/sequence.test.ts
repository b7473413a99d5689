/**
 * ONNX sequences inside a graph (data movement: exact against onnxruntime-web): every sequence operator against onnxruntime-web on random
 * inputs and positions (negative ones too), a list built in a Loop, sequences out of If
 * branches, folding at load, and the typed errors: a sequence where a tensor is expected (and the
 * reverse) at load, positions, dtypes and shapes at run. Models exported by torch.jit.script with
 * Python lists are in torch-loops.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import type { Tensor } from '../../base/tensor.js';
import { codeOf } from '../helpers/common.js';
import { model, type GraphSpec, type NodeSpec, type ValueSpec } from './encode.js';
import { BOOL, INT64, randn } from './helpers.js';
import { expectLikeOrt } from './ort.js';

beforeAll(async () => {
  await ready();
});

const f32 = (shape: number[], seed: number): Tensor => ({ data: randn(shape.reduce((a, b) => a * b, 1), seed), shape });
const i64 = (v: number): Tensor => ({ data: BigInt64Array.of(BigInt(v)), shape: [] });
const body = (name: string, inputs: ValueSpec[], nodes: NodeSpec[], outputs: ValueSpec[]): GraphSpec => ({ name, inputs, nodes, outputs });


describe('sequence operators', () => {
  // [a, b, c] -> insert d at p1 -> erase at p2 -> (at p3, length, concat along axis, stacked along axis)
  const chain = (axis: number) => model({
    opset: 17,
    nodes: [
      { op: 'SequenceConstruct', inputs: ['a', 'b', 'c'], outputs: ['s0'] },
      { op: 'SequenceInsert', inputs: ['s0', 'd', 'p1'], outputs: ['s1'] },
      { op: 'SequenceErase', inputs: ['s1', 'p2'], outputs: ['s2'] },
      { op: 'SequenceAt', inputs: ['s2', 'p3'], outputs: ['at'] },
      { op: 'SequenceLength', inputs: ['s2'], outputs: ['len'] },
      { op: 'ConcatFromSequence', inputs: ['s2'], outputs: ['cat'], attrs: [{ name: 'axis', i: axis }] },
      { op: 'ConcatFromSequence', inputs: ['s2'], outputs: ['stacked'], attrs: [{ name: 'axis', i: axis }, { name: 'new_axis', i: 1 }] },
      { op: 'SequenceInsert', inputs: ['s2', 'a'], outputs: ['s3'] },
      { op: 'SequenceErase', inputs: ['s3'], outputs: ['s4'] },
      { op: 'ConcatFromSequence', inputs: ['s4'], outputs: ['cat2'], attrs: [{ name: 'axis', i: 0 }] },
    ],
    inputs: ['a', 'b', 'c', 'd'].map((name) => ({ name, shape: [2, 3] })).concat(['p1', 'p2', 'p3'].map((name) => ({ name, type: INT64, shape: [] }))),
    outputs: ['at', 'len', 'cat', 'stacked', 'cat2'].map((name) => ({ name, ...(name === 'len' ? { type: INT64 } : {}) })),
  });

  for (const [axis, p1, p2, p3] of [[0, 0, 0, 0], [1, 3, -1, 2], [-1, -2, 1, -3], [-2, 1, -4, -1]]) {
    it(`construct, insert at ${p1}, erase at ${p2}, at ${p3}, length, concat and stack along ${axis} match onnxruntime`, async () => {
      const got = await expectLikeOrt(chain(axis), { a: f32([2, 3], 1), b: f32([2, 3], 2), c: f32([2, 3], 3), d: f32([2, 3], 4), p1: i64(p1), p2: i64(p2), p3: i64(p3) }, 0);
      expect(Number(got.len.data[0])).toBe(3);
    });
  }

  const split = (attrs: { name: string; i: number }[], withSplit: boolean) => model({
    opset: 17,
    nodes: [
      { op: 'SplitToSequence', inputs: withSplit ? ['x', 'split'] : ['x'], outputs: ['parts'], attrs },
      { op: 'SequenceLength', inputs: ['parts'], outputs: ['n'] },
      { op: 'SequenceAt', inputs: ['parts', 'p'], outputs: ['part'] },
      { op: 'ConcatFromSequence', inputs: ['parts'], outputs: ['back'], attrs: [{ name: 'axis', i: attrs.find((a) => a.name === 'axis')?.i ?? 0 }, { name: 'new_axis', i: attrs.some((a) => a.name === 'keepdims' && a.i === 0) ? 1 : 0 }] },
    ],
    inputs: [{ name: 'x', shape: [4, 5, 2] }, ...(withSplit ? [{ name: 'split', type: INT64, shape: ['k'] }] : []), { name: 'p', type: INT64, shape: [] }],
    outputs: [{ name: 'n', type: INT64 }, { name: 'part' }, { name: 'back' }],
  });

  const splits: [string, { name: string; i: number }[], number[] | number | undefined][] = [
    ['ones along 0', [], undefined],
    ['ones along 1, squeezed', [{ name: 'axis', i: 1 }, { name: 'keepdims', i: 0 }], undefined],
    ['of 2 along 1 (the last part shorter)', [{ name: 'axis', i: 1 }], 2],
    ['of lengths [1, 3, 1] along -2', [{ name: 'axis', i: -2 }], [1, 3, 1]],
    ['of lengths [3, 0, 1] along 0', [], [3, 0, 1]],
  ];
  for (const [what, attrs, sizes] of splits) {
    it(`SplitToSequence ${what} matches onnxruntime`, async () => {
      const feeds: Record<string, Tensor> = { x: f32([4, 5, 2], 9), p: i64(-1) };
      if (sizes !== undefined) feeds.split = { data: BigInt64Array.from((Array.isArray(sizes) ? sizes : [sizes]).map(BigInt)), shape: Array.isArray(sizes) ? [sizes.length] : [] };
      const bytes = sizes !== undefined && !Array.isArray(sizes) ? splitScalar(attrs) : split(attrs, sizes !== undefined);
      await expectLikeOrt(bytes, feeds, 0);
    });
  }

  /** As `split`, with `split` declared a scalar. */
  function splitScalar(attrs: { name: string; i: number }[]): Uint8Array {
    return model({
      opset: 17,
      nodes: [
        { op: 'SplitToSequence', inputs: ['x', 'split'], outputs: ['parts'], attrs },
        { op: 'SequenceLength', inputs: ['parts'], outputs: ['n'] },
        { op: 'SequenceAt', inputs: ['parts', 'p'], outputs: ['part'] },
      ],
      inputs: [{ name: 'x', shape: [4, 5, 2] }, { name: 'split', type: INT64, shape: [] }, { name: 'p', type: INT64, shape: [] }],
      outputs: [{ name: 'n', type: INT64 }, { name: 'part' }],
    });
  }

  // the torch pattern: an empty list, appended to in a Loop, stacked after it
  const listLoop = model({
    opset: 17,
    nodes: [
      { op: 'SequenceEmpty', inputs: [], outputs: ['empty'] },
      {
        op: 'Loop', inputs: ['M', '', 'h0', 'empty'], outputs: ['h', 'hs'],
        attrs: [{ name: 'body', g: body('step',
          [{ name: 'i', type: INT64, shape: [] }, { name: 'c', type: BOOL, shape: [] }, { name: 'h_in', shape: [2, 3] }, { name: 'list_in', sequence: true }],
          [
            { op: 'Gather', inputs: ['xs', 'i'], outputs: ['x_i'], attrs: [{ name: 'axis', i: 0 }] },
            { op: 'Add', inputs: ['h_in', 'x_i'], outputs: ['sum'] },
            { op: 'Tanh', inputs: ['sum'], outputs: ['h_out'] },
            { op: 'SequenceInsert', inputs: ['list_in', 'h_out'], outputs: ['list_out'] },
            { op: 'Identity', inputs: ['c'], outputs: ['c_out'] },
          ],
          [{ name: 'c_out', type: BOOL, shape: [] }, { name: 'h_out', shape: [2, 3] }, { name: 'list_out', sequence: true }]) }],
      },
      { op: 'ConcatFromSequence', inputs: ['hs'], outputs: ['ys'], attrs: [{ name: 'axis', i: 0 }, { name: 'new_axis', i: 1 }] },
      { op: 'SequenceLength', inputs: ['hs'], outputs: ['n'] },
    ],
    inputs: [{ name: 'M', type: INT64, shape: [] }, { name: 'h0', shape: [2, 3] }, { name: 'xs', shape: [6, 2, 3] }],
    outputs: [{ name: 'h' }, { name: 'ys' }, { name: 'n', type: INT64 }],
  });

  for (const m of [1, 4, 6]) {
    it(`a list built in a Loop and stacked after it (M = ${m}) matches onnxruntime`, async () => {
      // tanh may differ by an ulp from onnxruntime's
      const got = await expectLikeOrt(listLoop, { M: i64(m), h0: f32([2, 3], 20), xs: f32([6, 2, 3], 21) }, 1e-6);
      expect(got.ys.shape).toEqual([m, 2, 3]);
    });
  }

  it('runs again through the specialised and static plans with the same results', () => {
    const mdl = loadOnnx(listLoop);
    const feeds = { M: i64(5), h0: f32([2, 3], 20), xs: f32([6, 2, 3], 22) };
    const first = mdl.run(feeds);
    for (let k = 0; k < 3; k++) expect(Array.from(mdl.run(feeds).ys.data)).toEqual(Array.from(first.ys.data));
  });

  // y = flag ? [a, b] : [b, a, a]: a sequence out of either branch
  it('sequences out of If branches match onnxruntime', async () => {
    const bytes = model({
      opset: 17,
      nodes: [
        { op: 'Cast', inputs: ['flag'], outputs: ['cond'], attrs: [{ name: 'to', i: BOOL }] },
        {
          op: 'If', inputs: ['cond'], outputs: ['s'],
          attrs: [
            { name: 'then_branch', g: body('t', [], [{ op: 'SequenceConstruct', inputs: ['a', 'b'], outputs: ['st'] }], [{ name: 'st', sequence: true }]) },
            { name: 'else_branch', g: body('e', [], [{ op: 'SequenceConstruct', inputs: ['b', 'a', 'a'], outputs: ['se'] }], [{ name: 'se', sequence: true }]) },
          ],
        },
        { op: 'ConcatFromSequence', inputs: ['s'], outputs: ['y'], attrs: [{ name: 'axis', i: 1 }] },
      ],
      inputs: [{ name: 'flag', type: INT64, shape: [] }, { name: 'a', shape: [2, 2] }, { name: 'b', shape: [2, 2] }],
      outputs: [{ name: 'y' }],
    });
    for (const flag of [0, 1]) {
      const got = await expectLikeOrt(bytes, { flag: i64(flag), a: f32([2, 2], 30), b: f32([2, 2], 31) }, 0);
      expect(got.y.shape).toEqual([2, flag ? 4 : 6]);
    }
  });

  it('Identity passes a sequence on, on the dynamic, specialised and static plans', () => {
    const m = loadOnnx(model({
      opset: 17,
      nodes: [
        { op: 'SplitToSequence', inputs: ['x'], outputs: ['parts'], attrs: [{ name: 'axis', i: 1 }] },
        { op: 'Identity', inputs: ['parts'], outputs: ['same'] },
        { op: 'SequenceLength', inputs: ['same'], outputs: ['n'] },
        { op: 'ConcatFromSequence', inputs: ['same'], outputs: ['y'], attrs: [{ name: 'axis', i: 0 }] },
      ],
      inputs: [{ name: 'x', shape: [2, 3] }],
      outputs: [{ name: 'n', type: INT64 }, { name: 'y' }],
    }));
    const x = f32([2, 3], 40);
    for (let run = 0; run < 3; run++) {
      const got = m.run({ x });
      expect(Number(got.n.data[0])).toBe(3);
      // the columns one under the other: [x00, x10, x01, x11, x02, x12]
      const d = x.data as Float32Array;
      expect(Array.from(got.y.data)).toEqual([d[0], d[3], d[1], d[4], d[2], d[5]]);
    }
  });

  it('a sequence made of constants folds at load, and a tensor it hands out is a copy', () => {
    const bytes = model({
      opset: 17,
      nodes: [
        { op: 'SplitToSequence', inputs: ['w'], outputs: ['parts'], attrs: [{ name: 'keepdims', i: 0 }] },
        { op: 'SequenceAt', inputs: ['parts', 'p'], outputs: ['row'] },
        { op: 'SequenceLength', inputs: ['parts'], outputs: ['n'] },
      ],
      inputs: [{ name: 'p', type: INT64, shape: [] }],
      outputs: [{ name: 'row' }, { name: 'n' }],
      initializers: [{ name: 'w', dims: [3, 2], data: [1, 2, 3, 4, 5, 6] }],
    });
    const mdl = loadOnnx(bytes);
    const a = mdl.run({ p: i64(1) });
    expect(mdl.lastRunNodes).toBe(1); // SequenceAt: the split and the length are constants
    expect(Array.from(a.row.data)).toEqual([3, 4]);
    expect(Number(a.n.data[0])).toBe(3);
    (a.row.data as Float32Array).fill(0);
    expect(Array.from(mdl.run({ p: i64(1) }).row.data)).toEqual([3, 4]);
  });
});

describe('sequence errors', () => {
  const one = (nodes: NodeSpec[], outputs = ['y'], opset = 17, inputs: ValueSpec[] = [{ name: 'a', shape: [2] }, { name: 'p', type: INT64, shape: [] }]) => model({
    opset, nodes, inputs, outputs: outputs.map((name) => ({ name })),
  });

  it('a sequence where an operator takes a tensor, and a tensor where it takes a sequence, are INVALID_FORMAT at load', () => {
    const seqIntoAdd = one([{ op: 'SequenceConstruct', inputs: ['a'], outputs: ['s'] }, { op: 'Add', name: 'add', inputs: ['s', 'a'], outputs: ['y'] }]);
    expect(codeOf(() => loadOnnx(seqIntoAdd))).toBe('INVALID_FORMAT');
    expect(() => loadOnnx(seqIntoAdd)).toThrow(/Add node 'add'.*input 0 \('s'\) is a sequence, but operator 'Add' takes tensors/);
    const tensorIntoAt = one([{ op: 'SequenceAt', name: 'at', inputs: ['a', 'p'], outputs: ['y'] }]);
    expect(() => loadOnnx(tensorIntoAt)).toThrow(/SequenceAt node 'at'.*input 0 \('a'\) is a tensor, but SequenceAt takes a sequence there/);
    const seqIntoConstruct = one([{ op: 'SequenceConstruct', inputs: ['a'], outputs: ['s'] }, { op: 'SequenceConstruct', inputs: ['s'], outputs: ['s2'] }, { op: 'SequenceAt', inputs: ['s2', 'p'], outputs: ['y'] }]);
    expect(codeOf(() => loadOnnx(seqIntoConstruct))).toBe('INVALID_FORMAT');
  });

  it('a sequence as a graph output is UNSUPPORTED at load', () => {
    const bytes = one([{ op: 'SequenceConstruct', inputs: ['a'], outputs: ['y'] }]);
    expect(codeOf(() => loadOnnx(bytes))).toBe('UNSUPPORTED');
    expect(() => loadOnnx(bytes)).toThrow(/graph output 'y' is a sequence/);
  });

  it('before opset 11 the sequence operators are UNSUPPORTED', () => {
    expect(codeOf(() => loadOnnx(one([{ op: 'SequenceConstruct', inputs: ['a'], outputs: ['s'] }, { op: 'SequenceAt', inputs: ['s', 'p'], outputs: ['y'] }], ['y'], 10)))).toBe('UNSUPPORTED');
  });

  it('positions out of range are INVALID_INPUT at run', () => {
    const mdl = loadOnnx(one([{ op: 'SequenceConstruct', inputs: ['a', 'a'], outputs: ['s'] }, { op: 'SequenceAt', name: 'at', inputs: ['s', 'p'], outputs: ['y'] }]));
    const a = f32([2], 1);
    expect(Array.from(mdl.run({ a, p: i64(-2) }).y.data)).toEqual(Array.from(a.data));
    expect(codeOf(() => mdl.run({ a, p: i64(2) }))).toBe('INVALID_INPUT');
    expect(() => mdl.run({ a, p: i64(-3) })).toThrow(/SequenceAt node 'at'.*position -3 is out of range for a sequence of 2 tensors \(\[-2, 1\]\)/);
    const insert = loadOnnx(one([{ op: 'SequenceConstruct', inputs: ['a'], outputs: ['s'] }, { op: 'SequenceInsert', inputs: ['s', 'a', 'p'], outputs: ['s2'] }, { op: 'SequenceLength', inputs: ['s2'], outputs: ['y'] }]));
    expect(Number(insert.run({ a, p: i64(1) }).y.data[0])).toBe(2); // at the end
    expect(codeOf(() => insert.run({ a, p: i64(2) }))).toBe('INVALID_INPUT');
  });

  it('a tensor of another dtype inserted, shapes that do not concatenate, an empty concatenation are typed errors at run', () => {
    const dtype = loadOnnx(one([
      { op: 'SequenceEmpty', inputs: [], outputs: ['s'], attrs: [{ name: 'dtype', i: INT64 }] },
      { op: 'SequenceInsert', inputs: ['s', 'a'], outputs: ['s2'] },
      { op: 'SequenceLength', inputs: ['s2'], outputs: ['y'] },
    ], ['y'], 17, [{ name: 'a', shape: [2] }]));
    expect(codeOf(() => dtype.run({ a: f32([2], 1) }))).toBe('DTYPE_MISMATCH');
    const shapes = loadOnnx(one([
      { op: 'SequenceConstruct', inputs: ['a', 'b'], outputs: ['s'] },
      { op: 'ConcatFromSequence', name: 'cat', inputs: ['s'], outputs: ['y'], attrs: [{ name: 'axis', i: 0 }] },
    ], ['y'], 17, [{ name: 'a', shape: [2, 'n'] }, { name: 'b', shape: [3, 'm'] }]));
    expect(shapes.run({ a: f32([2, 2], 1), b: f32([3, 2], 2) }).y.shape).toEqual([5, 2]);
    expect(codeOf(() => shapes.run({ a: f32([2, 2], 1), b: f32([3, 3], 2) }))).toBe('SHAPE_MISMATCH');
    const empty = loadOnnx(one([
      { op: 'SequenceEmpty', inputs: [], outputs: ['s'] },
      { op: 'SequenceConstruct', inputs: ['a'], outputs: ['one'] },
      { op: 'SequenceErase', inputs: ['one'], outputs: ['none'] },
      { op: 'ConcatFromSequence', inputs: ['none'], outputs: ['y'], attrs: [{ name: 'axis', i: 0 }] },
    ], ['y'], 17, [{ name: 'a', shape: [2] }]));
    expect(codeOf(() => empty.run({ a: f32([2], 1) }))).toBe('INVALID_INPUT');
  });

  it('If branches that disagree on a sequence, and a Loop body that changes a carried kind, are INVALID_FORMAT at load', () => {
    const ifBytes = model({
      opset: 17,
      nodes: [
        { op: 'Cast', inputs: ['flag'], outputs: ['cond'], attrs: [{ name: 'to', i: BOOL }] },
        { op: 'If', name: 'pick', inputs: ['cond'], outputs: ['s'], attrs: [
          { name: 'then_branch', g: body('t', [], [{ op: 'SequenceConstruct', inputs: ['a'], outputs: ['st'] }], [{ name: 'st' }]) },
          { name: 'else_branch', g: body('e', [], [{ op: 'Identity', inputs: ['a'], outputs: ['te'] }], [{ name: 'te' }]) },
        ] },
        { op: 'Identity', inputs: ['s'], outputs: ['y'] },
      ],
      inputs: [{ name: 'flag', type: INT64, shape: [] }, { name: 'a', shape: [2] }],
      outputs: [{ name: 'y' }],
    });
    expect(() => loadOnnx(ifBytes)).toThrow(/If node 'pick'.*output 0 \('s'\) is a sequence in one branch and a tensor in the other/);
    const loopBytes = model({
      opset: 17,
      nodes: [
        { op: 'SequenceEmpty', inputs: [], outputs: ['empty'] },
        { op: 'Loop', name: 'l', inputs: ['M', '', 'empty'], outputs: ['out'], attrs: [{ name: 'body', g: body('b',
          [{ name: 'i', type: INT64, shape: [] }, { name: 'c', type: BOOL, shape: [] }, { name: 's_in' }],
          [{ op: 'SequenceLength', inputs: ['s_in'], outputs: ['n'] }, { op: 'Identity', inputs: ['c'], outputs: ['co'] }],
          [{ name: 'co', type: BOOL }, { name: 'n' }]) }] },
        { op: 'Identity', inputs: ['out'], outputs: ['y'] },
      ],
      inputs: [{ name: 'M', type: INT64, shape: [] }],
      outputs: [{ name: 'y' }],
    });
    expect(() => loadOnnx(loopBytes)).toThrow(/Loop node 'l'.*output 1 \('n'\) is a tensor, but loop-carried value 0 is a sequence/);
  });

  it('SplitToSequence: lengths that do not add up, a split that is not positive, are INVALID_INPUT', () => {
    const mdl = loadOnnx(model({
      opset: 17,
      nodes: [{ op: 'SplitToSequence', inputs: ['x', 'split'], outputs: ['s'] }, { op: 'SequenceLength', inputs: ['s'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: [4] }, { name: 'split', type: INT64, shape: ['k'] }],
      outputs: [{ name: 'y' }],
    }));
    const x = f32([4], 1);
    expect(Number(mdl.run({ x, split: { data: BigInt64Array.of(1n, 3n), shape: [2] } }).y.data[0])).toBe(2);
    expect(codeOf(() => mdl.run({ x, split: { data: BigInt64Array.of(1n, 2n), shape: [2] } }))).toBe('INVALID_INPUT');
  });
});

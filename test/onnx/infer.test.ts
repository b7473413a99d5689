/**
 * Shape and type inference at load with symbolic dims (src/onnx/infer.ts).
 *
 * Soundness over ONNX's backend node tests: every case (operators, convs, recurrent nodes) is
 * loaded three ways, the inferred type of each graph output read at load, then the case run on
 * its real inputs:
 *  - as the file declares its inputs (numeric dims): an inferred dim must be the run's;
 *  - every input dim a symbol of its own: an inferred dim must be the run's once each symbol is
 *    replaced by the size the run bound it to (fresh symbols are "unknown" and not checked);
 *  - input dims named by their size (equal sizes share a name): the same, with symbols that are
 *    equal, which exercises the rules' reasoning on equal dims.
 * How many outputs inference determines fully is asserted too, so that a rule that gives up is
 * seen. Then folding at load on hand-built graphs, against onnxruntime-web.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOnnx, readTensorProto } from '../../src/onnx/index.js';
import { loadOnnxWith } from '../../src/onnx/model.js';
import { ALL_OPS } from '../../src/onnx/registry.js';
import { shapeInference, type Dim, type SymValue } from '../../src/onnx/infer.js';
import type { Tensor } from '../../src/base/tensor.js';
import { model as encodeModel, type NodeSpec } from './encode.js';
import { FIXTURES, expectError, listDirs, readBytes, readDataSet, readOptionalProto } from './helpers.js';
import { runOrt } from './ort.js';

const INT64 = 7;

interface Case {
  name: string;
  dir: string;
}

function cases(): Case[] {
  const out: Case[] = [];
  const ops = JSON.parse(readFileSync(join(FIXTURES, 'node-ops', 'cases.json'), 'utf8')) as { cases: { name: string }[] };
  for (const c of ops.cases) out.push({ name: c.name, dir: join(FIXTURES, 'node-ops', c.name) });
  for (const folder of ['node-conv', 'node']) for (const name of listDirs(join(FIXTURES, folder))) out.push({ name, dir: join(FIXTURES, folder, name) });
  return out;
}

type Naming = 'declared' | 'per-axis' | 'by-size';

/** Loads a case with its inputs declared as `naming` says; the inferred output types and the run's outputs. */
function inferAndRun(c: Case, naming: Naming): { inferred: (SymValue | undefined)[]; got: Tensor[]; bound: Map<string, number> } {
  const bytes = readBytes(join(c.dir, 'model.onnx'));
  // an optional input's file is an OptionalProto (its tensor, or none: the input is left out)
  const probe = loadOnnx(bytes);
  const ins = probe.inputs.map((info, i) => {
    const file = readBytes(join(c.dir, 'test_data_set_0', `input_${i}.pb`));
    return info.optional ? readOptionalProto(file) : readTensorProto(file);
  });
  probe.dispose();
  const bound = new Map<string, number>();
  const declared: Record<string, Dim[]> = {};
  if (naming !== 'declared') {
    ins.forEach((t, i) => {
      // a declared scalar stays one (run() also takes it as [1])
      if (t === undefined || t.shape.length === 0) return;
      declared[t.name] = t.shape.map((d, k) => {
        const name = naming === 'per-axis' ? `in${i}_${k}` : `size${d}`;
        bound.set(name, d);
        return name;
      });
    });
  }
  const inference = shapeInference(undefined, declared);
  const model = loadOnnxWith(ALL_OPS, bytes, {}, undefined, inference);
  const inferred = inference.outputTypes;
  const out = model.run(Object.fromEntries(model.inputNames.flatMap((n, i) => (ins[i] === undefined ? [] : [[n, ins[i]!]]))));
  const got = model.outputNames.map((n) => out[n]);
  model.dispose();
  return { inferred, got, bound };
}

const PUBLIC_ARRAY: Record<string, string> = { float32: 'Float32Array', int64: 'BigInt64Array' };

/** A dim's size in a run: a number, a bound symbol, or a product of them ('2*in0_1*in1_0'); undefined when unknown. */
function sizeOf(d: Dim, bound: Map<string, number>): number | undefined {
  if (typeof d === 'number') return d;
  if (bound.has(d)) return bound.get(d);
  if (!d.includes('*')) return undefined;
  let size = 1;
  for (const part of d.split('*')) {
    const v = /^[0-9]+$/.test(part) ? Number(part) : bound.get(part);
    if (v === undefined) return undefined;
    size *= v;
  }
  return size;
}

describe('shape inference at load: sound on ONNX node tests', () => {
  const all = cases();
  for (const naming of ['declared', 'per-axis', 'by-size'] as const) {
    it(`inputs ${naming}: every inferred dim is the run's (${all.length} cases)`, () => {
      let outputs = 0, full = 0;
      const wrong: string[] = [];
      for (const c of all) {
        const { inferred, got, bound } = inferAndRun(c, naming);
        got.forEach((t, i) => {
          outputs++;
          const s = inferred[i];
          if (s?.dtype !== undefined && PUBLIC_ARRAY[s.dtype] !== undefined && t.data.constructor.name !== PUBLIC_ARRAY[s.dtype]) wrong.push(`${c.name} output ${i}: dtype ${s.dtype}, got ${t.data.constructor.name}`);
          if (s?.shape === undefined) return;
          if (s.shape.length !== t.shape.length) {
            wrong.push(`${c.name} output ${i}: rank ${s.shape.length}, got [${t.shape}]`);
            return;
          }
          let known = true;
          s.shape.forEach((d, k) => {
            const size = sizeOf(d, bound);
            if (size === undefined) known = false;
            else if (size !== t.shape[k]) wrong.push(`${c.name} output ${i}: dim ${k} inferred ${d} (${size}), got [${t.shape}]`);
          });
          if (known && s.dtype !== undefined) full++;
        });
      }
      expect(wrong).toEqual([]);
      // how much inference determines (dtype and every dim), as measured when the rules were written.
      // The rest: inputs whose values a node needs fed at run (pads, axes, repeats, k, the signal
      // operators' sizes and lengths, Resize's scales and sizes), declared
      // scalars (run() also takes [1]), pools and ConvTranspose over symbolic spatial dims,
      // broadcasts of two unrelated symbols (either may be 1), a Loop's carried values (their
      // shapes may change between iterations: only the dtype is known), and the counts that
      // Compress and NonZero find in their data.
      const floor = { declared: 0.87, 'per-axis': 0.6, 'by-size': 0.75 }[naming];
      console.log(`inputs ${naming}: ${full} of ${outputs} outputs fully inferred at load`);
      expect(full / outputs).toBeGreaterThanOrEqual(floor);
    });
  }
});

describe('shape inference at load: exported models', () => {
  // torch.onnx.export declares each output's shape with its own symbolic names (batch, time):
  // inference from the inputs alone, through the whole graph, must come to the same.
  for (const name of listDirs(join(FIXTURES, 'torch'))) {
    it(`${name}: the inferred output shapes are the ones torch declares`, () => {
      const inference = shapeInference();
      const model = loadOnnxWith(ALL_OPS, readBytes(join(FIXTURES, 'torch', name, 'model.onnx')), {}, undefined, inference);
      const declared = model.outputs.map((o) => o.shape);
      expect(declared.every((s) => s !== undefined && s.some((d) => typeof d === 'string'))).toBe(true);
      expect(inference.outputTypes.map((t) => t?.shape)).toEqual(declared);
      model.dispose();
    });
  }
});

/**
 * x [batch, T, 8]: Shape(x)[2] == 8 decides an If (folds at load: the Relu branch); a zero state
 * [batch, 16] from Concat(Shape(x)[0], [16]) (typed, not folded: batch is symbolic); a Transpose.
 */
function symbolicModel(cond: 'width' | 'batch'): Uint8Array {
  const branch = (name: string, op: string) => ({ name, nodes: [{ op, inputs: ['x'], outputs: [`${name}_out`] }], inputs: [], outputs: [{ name: `${name}_out` }] });
  const nodes: NodeSpec[] = [
    { op: 'Shape', inputs: ['x'], outputs: ['s'] },
    { op: 'Gather', inputs: ['s', cond === 'width' ? 'two' : 'zero'], outputs: ['d'], attrs: [{ name: 'axis', i: 0 }] },
    { op: 'Equal', inputs: ['d', cond === 'width' ? 'eight' : 'one'], outputs: ['c'] },
    { op: 'If', inputs: ['c'], outputs: ['y'], attrs: [{ name: 'then_branch', g: branch('then', 'Relu') }, { name: 'else_branch', g: branch('else', 'Neg') }] },
    { op: 'Gather', inputs: ['s', 'zero1'], outputs: ['b'], attrs: [{ name: 'axis', i: 0 }] },
    { op: 'Concat', inputs: ['b', 'sixteen'], outputs: ['zs'], attrs: [{ name: 'axis', i: 0 }] },
    { op: 'ConstantOfShape', inputs: ['zs'], outputs: ['z'] },
    { op: 'Transpose', inputs: ['x'], outputs: ['t'], attrs: [{ name: 'perm', ints: [1, 0, 2] }] },
  ];
  return encodeModel({
    opset: 14,
    nodes,
    initializers: [
      ...(cond === 'width' ? [{ name: 'two', dims: [], type: INT64, data: [2] }, { name: 'eight', dims: [], type: INT64, data: [8] }] : [{ name: 'zero', dims: [], type: INT64, data: [0] }, { name: 'one', dims: [], type: INT64, data: [1] }]),
      { name: 'zero1', dims: [1], type: INT64, data: [0] }, { name: 'sixteen', dims: [1], type: INT64, data: [16] },
    ],
    inputs: [{ name: 'x', shape: ['batch', 'T', 8] }],
    outputs: [{ name: 'y' }, { name: 'z' }, { name: 't' }],
  });
}

function input(batch: number, T: number): Float32Array {
  return Float32Array.from({ length: batch * T * 8 }, (_, i) => Math.sin(i * 0.7) * 2);
}

describe('shape inference at load: folding', () => {
  it('a condition on a declared dim folds at load; outputs get symbolic shapes; results match onnxruntime-web for several shapes', async () => {
    const bytes = symbolicModel('width');
    const model = loadOnnx(bytes, { specializeShapes: false });
    expect(model.outputs).toEqual([
      { name: 'y', dtype: 'float32', shape: ['batch', 'T', 8] },
      { name: 'z', dtype: 'float32', shape: ['batch', 16] },
      { name: 't', dtype: 'float32', shape: ['T', 'batch', 8] },
    ]);
    for (const [batch, T] of [[1, 5], [3, 2], [2, 7]]) {
      const x = input(batch, T);
      const got = model.run({ x: { data: x, shape: [batch, T, 8] } });
      // Shape, Gather (batch), Concat, ConstantOfShape, Transpose and the Relu of the branch taken
      expect(model.lastRunNodes).toBe(6);
      const ort = await runOrt(bytes, { x: { data: x, shape: [batch, T, 8] } });
      expect(ort.error).toBeUndefined();
      for (const name of ['y', 'z', 't']) {
        expect(got[name].shape, name).toEqual(ort.outputs![name].shape);
        expect(Array.from(got[name].data), name).toEqual(Array.from(ort.outputs![name].data));
      }
    }
    model.dispose();
  });

  it('a condition on a symbolic dim stays a run-time If; its output is what both branches agree on', async () => {
    const bytes = symbolicModel('batch');
    const model = loadOnnx(bytes, { specializeShapes: false });
    expect(model.outputs[0]).toEqual({ name: 'y', dtype: 'float32', shape: ['batch', 'T', 8] });
    for (const batch of [1, 2]) {
      const x = input(batch, 3);
      const got = model.run({ x: { data: x, shape: [batch, 3, 8] } });
      // Shape, two Gathers, Equal, the node of the branch taken, Concat, ConstantOfShape, Transpose
      expect(model.lastRunNodes).toBe(8);
      const ort = await runOrt(bytes, { x: { data: x, shape: [batch, 3, 8] } });
      expect(Array.from(got.y.data)).toEqual(Array.from(ort.outputs!.y.data));
    }
    model.dispose();
  });

  it('freeDimensions sizes named dims at load: more folds, and run() rejects other sizes', async () => {
    const bytes = symbolicModel('batch');
    const model = loadOnnx(bytes, { specializeShapes: false, freeDimensions: { batch: 1 } });
    expect(model.inputs[0].shape).toEqual([1, 'T', 8]);
    expect(model.outputs.map((o) => o.shape)).toEqual([[1, 'T', 8], [1, 16], ['T', 1, 8]]);
    const x = input(1, 4);
    const got = model.run({ x: { data: x, shape: [1, 4, 8] } });
    // the If (batch == 1) and the zero state's shape folded: Relu, ConstantOfShape, Transpose
    expect(model.lastRunNodes).toBe(3);
    const ort = await runOrt(bytes, { x: { data: x, shape: [1, 4, 8] } });
    for (const name of ['y', 'z', 't']) expect(Array.from(got[name].data), name).toEqual(Array.from(ort.outputs![name].data));
    expectError(() => model.run({ x: { data: input(2, 4), shape: [2, 4, 8] } }), 'SHAPE_MISMATCH', "input 'x'", '[1, T, 8]', '[2, 4, 8]');
    model.dispose();
    expectError(() => loadOnnx(bytes, { freeDimensions: { batch: -1 } }), 'INVALID_OPTION', "freeDimensions['batch']");
    expectError(() => loadOnnx(bytes, { freeDimensions: [] as never }), 'INVALID_OPTION', 'freeDimensions');
  });
});

describe('shape inference at load: products of dims', () => {
  it('Flatten gives a product of symbols, Reshape with -1 divides it back; Mul of two shape values is their product', async () => {
    const bytes = encodeModel({
      opset: 14,
      nodes: [
        { op: 'Flatten', inputs: ['x'], outputs: ['flat'], attrs: [{ name: 'axis', i: 2 }] },
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Slice', inputs: ['s', 'zero', 'one'], outputs: ['b'] },
        { op: 'Concat', inputs: ['b', 'minus1', 'eight'], outputs: ['back'], attrs: [{ name: 'axis', i: 0 }] },
        { op: 'Reshape', inputs: ['flat', 'back'], outputs: ['y'] },
        { op: 'Slice', inputs: ['s', 'one', 'two'], outputs: ['t'] },
        { op: 'Mul', inputs: ['b', 't'], outputs: ['bt'] },
        { op: 'Concat', inputs: ['bt', 'eight'], outputs: ['rows'], attrs: [{ name: 'axis', i: 0 }] },
        { op: 'Reshape', inputs: ['x', 'rows'], outputs: ['z'] },
      ],
      initializers: [
        { name: 'zero', dims: [1], type: INT64, data: [0] }, { name: 'one', dims: [1], type: INT64, data: [1] },
        { name: 'two', dims: [1], type: INT64, data: [2] }, { name: 'minus1', dims: [1], type: INT64, data: [-1] },
        { name: 'eight', dims: [1], type: INT64, data: [8] },
      ],
      inputs: [{ name: 'x', shape: ['batch', 'T', 8] }],
      outputs: [{ name: 'flat' }, { name: 'y' }, { name: 'z' }],
    });
    const model = loadOnnx(bytes, { specializeShapes: false });
    expect(model.outputs.map((o) => o.shape)).toEqual([['T*batch', 8], ['batch', 'T', 8], ['T*batch', 8]]);
    for (const [batch, T] of [[2, 3], [1, 5]]) {
      const x = input(batch, T);
      const got = model.run({ x: { data: x, shape: [batch, T, 8] } });
      const ort = await runOrt(bytes, { x: { data: x, shape: [batch, T, 8] } });
      for (const name of ['flat', 'y', 'z']) {
        expect(got[name].shape, name).toEqual(ort.outputs![name].shape);
        expect(Array.from(got[name].data), name).toEqual(Array.from(ort.outputs![name].data));
      }
    }
    model.dispose();
  });
});

describe('shape inference at load: values it must not fold', () => {
  it('an int64 past 2^53 (INT64_MAX as Slice\'s "to the end") is not carried as a number: the Slice built from it matches onnxruntime-web', async () => {
    const INT64_MAX = 9223372036854775807n as unknown as number;
    const bytes = encodeModel({
      opset: 14,
      nodes: [
        { op: 'Shape', inputs: ['x'], outputs: ['s'] },
        { op: 'Gather', inputs: ['s', 'one'], outputs: ['width'], attrs: [{ name: 'axis', i: 0 }] },
        { op: 'Concat', inputs: ['big', 'width'], outputs: ['ends'], attrs: [{ name: 'axis', i: 0 }] },
        { op: 'Slice', inputs: ['x', 'starts', 'ends', 'axes'], outputs: ['y'] },
      ],
      initializers: [
        { name: 'one', dims: [1], type: INT64, data: [1] },
        { name: 'big', dims: [1], type: INT64, data: [INT64_MAX] },
        { name: 'starts', dims: [2], type: INT64, data: [0, 2] },
        { name: 'axes', dims: [2], type: INT64, data: [0, 1] },
      ],
      inputs: [{ name: 'x', shape: ['batch', 10] }],
      outputs: [{ name: 'y' }],
    });
    const model = loadOnnx(bytes, { specializeShapes: false });
    // the ends [INT64_MAX, 10] are not known as numbers, so neither is y's shape (and no wrong
    // constant is folded: INT64_MAX as a double is 2^63, which an int64 would wrap to INT64_MIN)
    expect(model.outputs[0]).toEqual({ name: 'y', dtype: 'float32', shape: undefined });
    const x = Float32Array.from({ length: 30 }, (_, i) => i);
    const got = model.run({ x: { data: x, shape: [3, 10] } });
    const ort = await runOrt(bytes, { x: { data: x, shape: [3, 10] } });
    expect(got.y.shape).toEqual([3, 8]);
    expect(Array.from(got.y.data)).toEqual(Array.from(ort.outputs!.y.data));
    model.dispose();
  });
});

/**
 * Optional tensors: torch.jit.script modules with an `Optional[Tensor]` argument
 * (tools/gen_onnx_torch_optional.py: the exporter's optional graph input, OptionalHasElement -> If
 * -> OptionalGetElement) against PyTorch with the state given and left out; the operators inside
 * a graph; and the typed errors. ONNX's test_optional_get_element / test_optional_has_element(_empty)
 * run in node-conformance.test.ts.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import type { Tensor } from '../../base/tensor.js';
import { codeOf } from '../helpers/common.js';
import { model, type GraphSpec, type NodeSpec } from './encode.js';
import { BOOL, FIXTURES, expectClose, listDirs, readBytes, readDataSet } from './helpers.js';
import { runOrt } from './ort.js';

const DIR = join(FIXTURES, 'torch-optional');

beforeAll(async () => {
  await ready();
});

describe('torch.jit.script modules with an Optional[Tensor] state', () => {
  const cases = listDirs(DIR);
  it('has two models at two opsets', () => {
    expect(cases).toEqual(['gru_optional_state_op16', 'gru_optional_state_op17', 'rnn_optional_state_op16', 'rnn_optional_state_op17']);
  });

  for (const name of cases) {
    it(`${name}: PyTorch's outputs with the state given and left out, in either order`, async () => {
      const bytes = readBytes(join(DIR, name, 'model.onnx'));
      const m = loadOnnx(bytes);
      expect(m.inputs.map((i) => [i.name, i.optional ?? false])).toEqual([['x', false], ['h0', true]]);
      const sets = ['test_data_set_0', 'test_data_set_1', 'test_data_set_0', 'test_data_set_1', 'test_data_set_1'];
      for (const set of sets) {
        const ins = readDataSet(join(DIR, name, set), 'input');
        const want = readDataSet(join(DIR, name, set), 'output')[0];
        const feeds: Record<string, Tensor> = Object.fromEntries(ins.map((t) => [t.name, t]));
        expectClose(m.run(feeds).h, want, 1e-5, `${name} ${set}`);
      }
      // onnxruntime-web takes the optional input as a tensor
      const ins = readDataSet(join(DIR, name, 'test_data_set_0'), 'input');
      const ort = await runOrt(bytes, Object.fromEntries(ins.map((t) => [t.name, t])) as never);
      expect(ort.error).toBeUndefined();
      expectClose(m.run(Object.fromEntries(ins.map((t) => [t.name, t]))).h, ort.outputs!.h, 1e-5, `${name} onnxruntime`);
      m.dispose();
    });
  }
});

const branch = (name: string, nodes: NodeSpec[], out: string): GraphSpec => ({ name, inputs: [], nodes, outputs: [{ name: out }] });

describe('optional operators', () => {
  it('Optional(x) holds x; OptionalHasElement and OptionalGetElement read it, matching onnxruntime', async () => {
    const bytes = model({
      opset: 16,
      nodes: [
        { op: 'Optional', inputs: ['x'], outputs: ['o'] },
        { op: 'OptionalHasElement', inputs: ['o'], outputs: ['has'] },
        { op: 'OptionalGetElement', inputs: ['o'], outputs: ['got'] },
        { op: 'Neg', inputs: ['got'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [3] }],
      outputs: [{ name: 'has', type: BOOL }, { name: 'y' }],
    });
    const x = { data: Float32Array.of(1, -2, 3), shape: [3] };
    const got = loadOnnx(bytes).run({ x });
    expect(Array.from(got.has.data)).toEqual([1]);
    expect(Array.from(got.y.data)).toEqual([-1, 2, -3]);
    const ort = await runOrt(bytes, { x } as never);
    expect(ort.error).toBeUndefined();
    expect(Array.from(ort.outputs!.y.data)).toEqual([-1, 2, -3]);
  });

  it('Identity passes an optional input on, given or left out, on the dynamic, specialised and static plans', () => {
    const m = loadOnnx(model({
      opset: 16,
      nodes: [
        { op: 'Identity', inputs: ['h0'], outputs: ['h'] },
        { op: 'OptionalHasElement', inputs: ['h'], outputs: ['has'] },
      ],
      inputs: [{ name: 'h0', shape: [2], optional: true }],
      outputs: [{ name: 'has', type: BOOL }],
    }));
    for (let run = 0; run < 3; run++) {
      expect(Array.from(m.run({ h0: { data: Float32Array.of(1, 2), shape: [2] } }).has.data)).toEqual([1]);
      expect(Array.from(m.run({}).has.data)).toEqual([0]);
    }
  });

  it('from opset 18, OptionalHasElement of a tensor is true and of an absent input false; OptionalGetElement passes a tensor through', () => {
    const m = loadOnnx(model({
      opset: 18,
      nodes: [
        { op: 'OptionalHasElement', inputs: ['x'], outputs: ['a'] },
        { op: 'OptionalHasElement', inputs: [''], outputs: ['b'] },
        { op: 'OptionalGetElement', inputs: ['x'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [2] }],
      outputs: [{ name: 'a', type: BOOL }, { name: 'b', type: BOOL }, { name: 'y' }],
    }));
    const got = m.run({ x: { data: Float32Array.of(5, 6), shape: [2] } });
    expect([got.a.data[0], got.b.data[0], ...got.y.data]).toEqual([1, 0, 5, 6]);
  });
});

describe('optional errors', () => {
  it('an empty optional read by OptionalGetElement is INVALID_INPUT at run; given, the model runs', () => {
    const m = loadOnnx(model({
      opset: 16,
      nodes: [
        { op: 'Cast', inputs: ['flag'], outputs: ['cond'], attrs: [{ name: 'to', i: BOOL }] },
        { op: 'If', inputs: ['cond'], outputs: ['o'], attrs: [
          { name: 'then_branch', g: branch('t', [{ op: 'Optional', inputs: ['x'], outputs: ['some'] }], 'some') },
          { name: 'else_branch', g: branch('e', [{ op: 'Optional', inputs: [], outputs: ['none'] }], 'none') },
        ] },
        { op: 'OptionalGetElement', name: 'get', inputs: ['o'], outputs: ['y'] },
      ],
      inputs: [{ name: 'flag', type: 7, shape: [] }, { name: 'x', shape: [2] }],
      outputs: [{ name: 'y' }],
    }));
    const x = { data: Float32Array.of(1, 2), shape: [2] };
    expect(Array.from(m.run({ flag: { data: BigInt64Array.of(1n), shape: [] }, x }).y.data)).toEqual([1, 2]);
    expect(codeOf(() => m.run({ flag: { data: BigInt64Array.of(0n), shape: [] }, x }))).toBe('INVALID_INPUT');
    expect(() => m.run({ flag: { data: BigInt64Array.of(0n), shape: [] }, x })).toThrow(/OptionalGetElement node 'get'.*is an empty optional/);
  });

  it('an optional where an operator takes a tensor is INVALID_FORMAT at load; an optional graph output UNSUPPORTED', () => {
    const intoAdd = model({
      opset: 16,
      nodes: [{ op: 'Optional', inputs: ['x'], outputs: ['o'] }, { op: 'Add', name: 'add', inputs: ['o', 'x'], outputs: ['y'] }],
      inputs: [{ name: 'x', shape: [2] }],
      outputs: [{ name: 'y' }],
    });
    expect(() => loadOnnx(intoAdd)).toThrow(/Add node 'add'.*input 0 \('o'\) is an optional, but operator 'Add' takes tensors/);
    const out = model({ opset: 16, nodes: [{ op: 'Optional', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', shape: [2] }], outputs: [{ name: 'y' }] });
    expect(codeOf(() => loadOnnx(out))).toBe('UNSUPPORTED');
    expect(() => loadOnnx(out)).toThrow(/graph output 'y' is an optional/);
    expect(codeOf(() => loadOnnx(model({ opset: 14, nodes: [{ op: 'Optional', inputs: ['x'], outputs: ['o'] }, { op: 'OptionalGetElement', inputs: ['o'], outputs: ['y'] }], inputs: [{ name: 'x', shape: [2] }], outputs: [{ name: 'y' }] })))).toBe('UNSUPPORTED');
  });

  it('a required input left out is still INVALID_INPUT; an optional one may be left out of bind() too', () => {
    const m = loadOnnx(readBytes(join(DIR, 'rnn_optional_state_op17', 'model.onnx')));
    expect(codeOf(() => m.run({ h0: { data: new Float32Array(6), shape: [1, 6] } }))).toBe('INVALID_INPUT');
    const ins = readDataSet(join(DIR, 'rnn_optional_state_op17', 'test_data_set_1'), 'input');
    const want = readDataSet(join(DIR, 'rnn_optional_state_op17', 'test_data_set_1'), 'output')[0];
    const b = m.bind({ x: ins[0].shape });
    (b.inputs.x.data as Float32Array).set(ins[0].data as Float32Array);
    b.run();
    expectClose(b.outputs.h, want, 1e-5, 'bound, h0 left out');
  });
});

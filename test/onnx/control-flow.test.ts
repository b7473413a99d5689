/**
 * Sub-graphs: If with conditions known only at run time (against onnxruntime-web), outer-scope
 * capture across nested branches, folding inside branches (recurrent weights computed from
 * Constant nodes reach the wasm path), pruning of branches whose condition folds, and the errors
 * of the sub-graph decoder and planner.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import type { Tensor } from '../../base/tensor.js';
import { codeOf } from '../helpers/common.js';
import { model, type GraphSpec, type NodeSpec } from './encode.js';
import { BOOL, INT64, expectClose, prepareNode, randn, readBytes } from './helpers.js';
import { recurrentOp } from '../../src/onnx/recurrent.js';
import { loadOnnxWith } from '../../src/onnx/model.js';
import { SILERO_OPS } from '../../src/onnx/silero-ops.js';
import type { OTensor } from '../../src/onnx/values.js';
import { expectLikeOrt, runOrt } from './ort.js';

beforeAll(async () => {
  await ready();
});

/** cond = Cast<bool>(flag): the condition comes from an int64 input, so it is only known at run. */
const castFlag: NodeSpec = { op: 'Cast', inputs: ['flag'], outputs: ['cond'], attrs: [{ name: 'to', i: BOOL }] };

/** A branch computing `op(a, b)` into `out`. */
function branch(name: string, nodes: NodeSpec[], out: string): GraphSpec {
  return { name, nodes, inputs: [], outputs: [{ name: out }] };
}

describe('If with a run-time condition', () => {
  // y = flag ? (x + w) * x : (flag2 ? x - w : relu(x) * w), where w is an outer initializer and
  // x an outer input: both branches and the nested If capture values of enclosing graphs.
  const inner: NodeSpec = {
    op: 'If', inputs: ['cond2'], outputs: ['inner_out'], name: 'inner_if',
    attrs: [
      { name: 'then_branch', g: branch('inner_then', [{ op: 'Sub', inputs: ['x', 'w'], outputs: ['d'] }], 'd') },
      { name: 'else_branch', g: branch('inner_else', [{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'Mul', inputs: ['r', 'w'], outputs: ['rw'] }], 'rw') },
    ],
  };
  const bytes = model({
    nodes: [
      castFlag,
      { op: 'Cast', inputs: ['flag2'], outputs: ['cond2'], attrs: [{ name: 'to', i: BOOL }] },
      {
        op: 'If', inputs: ['cond'], outputs: ['y'], name: 'outer_if',
        attrs: [
          { name: 'then_branch', g: branch('then', [{ op: 'Add', inputs: ['x', 'w'], outputs: ['s'] }, { op: 'Mul', inputs: ['s', 'x'], outputs: ['p'] }], 'p') },
          { name: 'else_branch', g: branch('else', [inner, { op: 'Identity', inputs: ['inner_out'], outputs: ['e'] }], 'e') },
        ],
      },
    ],
    inputs: [{ name: 'x', shape: [2, 3] }, { name: 'flag', type: INT64, shape: [1] }, { name: 'flag2', type: INT64, shape: [1] }],
    outputs: [{ name: 'y' }],
    initializers: [{ name: 'w', dims: [3], data: [0.5, -1.5, 2] }],
  });

  for (const [flag, flag2] of [[1, 0], [0, 1], [0, 0], [1, 1]]) {
    it(`flag ${flag}, flag2 ${flag2} matches onnxruntime`, async () => {
      await expectLikeOrt(bytes, {
        x: { data: randn(6, 10 + flag * 2 + flag2), shape: [2, 3] },
        flag: { data: BigInt64Array.of(BigInt(flag)), shape: [1] },
        flag2: { data: BigInt64Array.of(BigInt(flag2)), shape: [1] },
      });
    });
  }

  it('a model is reusable: runs alternate between branches with fresh results', () => {
    const m = loadOnnx(bytes);
    const x = { data: randn(6, 3), shape: [2, 3] };
    const run = (f: number) => m.run({ x, flag: { data: BigInt64Array.of(BigInt(f)), shape: [1] }, flag2: { data: BigInt64Array.of(0n), shape: [1] } }).y;
    const a = run(1);
    const b = run(0);
    const c = run(1);
    expect(Array.from(c.data as Float32Array)).toEqual(Array.from(a.data as Float32Array));
    expect(a.data).not.toBe(c.data);
    expect(Array.from(b.data as Float32Array)).not.toEqual(Array.from(a.data as Float32Array));
  });

  it('a condition that is not one bool is a typed error at run', () => {
    const m = loadOnnx(model({
      nodes: [{ op: 'If', inputs: ['c'], outputs: ['y'], attrs: [
        { name: 'then_branch', g: branch('t', [{ op: 'Identity', inputs: ['x'], outputs: ['a'] }], 'a') },
        { name: 'else_branch', g: branch('e', [{ op: 'Relu', inputs: ['x'], outputs: ['b'] }], 'b') },
      ] }],
      inputs: [{ name: 'x', shape: [2] }, { name: 'c', type: BOOL, shape: ['n'] }],
      outputs: [{ name: 'y' }],
    }));
    const x = { data: new Float32Array(2), shape: [2] };
    expect(codeOf(() => m.run({ x, c: { data: Int32Array.of(1, 0), shape: [2] } }))).toBe('SHAPE_MISMATCH');
    expect(m.run({ x, c: { data: Int32Array.of(1), shape: [1] } }).y.shape).toEqual([2]);
  });
});

describe('folding and pruning', () => {
  // An LSTM whose W is Concat(Constant, Constant) inside a branch, as Silero VAD v5 writes it.
  const H = 4;
  const D = 3;
  const wHalf = (seed: number) => ({ name: 'value', t: { name: '', dims: [1, 2 * H, D], data: Array.from(randn(2 * H * D, seed)) } });
  const lstmBranch = (name: string, seed: number): GraphSpec => ({
    name,
    nodes: [
      { op: 'Constant', inputs: [], outputs: [`${name}_w0`], attrs: [wHalf(seed)] },
      { op: 'Constant', inputs: [], outputs: [`${name}_w1`], attrs: [wHalf(seed + 1)] },
      { op: 'Concat', inputs: [`${name}_w0`, `${name}_w1`], outputs: [`${name}_W`], attrs: [{ name: 'axis', i: 1 }] },
      { op: 'Constant', inputs: [], outputs: [`${name}_R`], attrs: [{ name: 'value', t: { name: '', dims: [1, 4 * H, H], data: Array.from(randn(4 * H * H, seed + 2)) } }] },
      { op: 'LSTM', name: `${name}_lstm`, inputs: ['x', `${name}_W`, `${name}_R`], outputs: [`${name}_Y`], attrs: [{ name: 'hidden_size', i: H }] },
    ],
    inputs: [],
    outputs: [{ name: `${name}_Y` }],
  });

  it('weights computed from Constant nodes inside a run-time branch take the wasm path, matching onnxruntime', async () => {
    const bytes = model({
      nodes: [castFlag, { op: 'If', inputs: ['cond'], outputs: ['y'], attrs: [{ name: 'then_branch', g: lstmBranch('a', 1) }, { name: 'else_branch', g: lstmBranch('b', 7) }] }],
      inputs: [{ name: 'x', shape: [5, 1, D] }, { name: 'flag', type: INT64, shape: [1] }],
      outputs: [{ name: 'y' }],
    });
    expect(loadOnnx(bytes).recurrentNodes).toEqual([
      { name: 'a_lstm', op: 'LSTM', path: 'fast' },
      { name: 'b_lstm', op: 'LSTM', path: 'fast' },
    ]);
    for (const flag of [0, 1]) {
      await expectLikeOrt(bytes, { x: { data: randn(5 * D, 4), shape: [5, 1, D] }, flag: { data: BigInt64Array.of(BigInt(flag)), shape: [1] } });
    }
  });

  it('an If whose condition folds is replaced by the branch taken; the other is never prepared', async () => {
    const bytes = model({
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['k'], attrs: [{ name: 'value', t: { name: '', dims: [], data: [16000], type: INT64 } }] },
        { op: 'Shape', inputs: ['k'], outputs: ['ks'] },
        { op: 'Size', inputs: ['ks'], outputs: ['rank'] },
        { op: 'Cast', inputs: ['rank'], outputs: ['cond'], attrs: [{ name: 'to', i: BOOL }] },
        { op: 'If', inputs: ['cond'], outputs: ['y'], attrs: [{ name: 'then_branch', g: lstmBranch('a', 1) }, { name: 'else_branch', g: lstmBranch('b', 7) }] },
      ],
      inputs: [{ name: 'x', shape: [5, 1, D] }],
      outputs: [{ name: 'y' }],
    });
    const m = loadOnnx(bytes);
    // The rank of a scalar is 0: cond is false and only the else branch's LSTM exists.
    expect(m.recurrentNodes).toEqual([{ name: 'b_lstm', op: 'LSTM', path: 'fast' }]);
    await expectLikeOrt(bytes, { x: { data: randn(5 * D, 5), shape: [5, 1, D] } });
  });
});

describe('sub-graph errors', () => {
  const ifNode = (thenG: GraphSpec, elseG: GraphSpec, outputs = ['y']): NodeSpec => ({
    op: 'If', name: 'the_if', inputs: ['c'], outputs, attrs: [{ name: 'then_branch', g: thenG }, { name: 'else_branch', g: elseG }],
  });
  const idBranch = (name: string) => branch(name, [{ op: 'Identity', inputs: ['x'], outputs: [`${name}_o`] }], `${name}_o`);
  const io = { inputs: [{ name: 'x', shape: [2] }, { name: 'c', type: BOOL, shape: [1] }], outputs: [{ name: 'y' }] };

  it('nesting past the decoder bound is INVALID_FORMAT, one level less loads', () => {
    const nested = (levels: number): GraphSpec => {
      let g = idBranch('leaf');
      for (let i = 0; i < levels - 1; i++) g = branch(`l${i}`, [ifNode(g, idBranch(`e${i}`), [`o${i}`])], `o${i}`);
      return g;
    };
    // The main graph is depth 0; the If in it holds depth-1 branches, and so on.
    const deep = (depth: number) => model({ nodes: [ifNode(nested(depth), idBranch('top_else'))], ...io });
    expect(codeOf(() => loadOnnx(deep(33)))).toBe('INVALID_FORMAT');
    expect(() => loadOnnx(deep(33))).toThrow(/nested more than 32 levels/);
    const m = loadOnnx(deep(32));
    const x = { data: Float32Array.of(1, 2), shape: [2] };
    expect(Array.from(m.run({ x, c: { data: Int32Array.of(1), shape: [1] } }).y.data)).toEqual([1, 2]);
  });

  it('SequenceMap is UNSUPPORTED at load, and so are Loop and Scan where the operator set leaves them out (the VAD entry), naming the node', () => {
    for (const [op, ops] of [['SequenceMap', undefined], ['Loop', SILERO_OPS], ['Scan', SILERO_OPS]] as const) {
      const bytes = model({ nodes: [{ op, name: 'the_loop', inputs: ['x'], outputs: ['y'], attrs: [{ name: 'body', g: idBranch('b') }] }], ...io });
      const load = () => (ops === undefined ? loadOnnx(bytes) : loadOnnxWith(ops, bytes));
      expect(codeOf(load)).toBe('UNSUPPORTED');
      expect(load).toThrow(new RegExp(`${op} node 'the_loop'`));
    }
  });

  it('a branch with the wrong number of outputs, or missing, is INVALID_FORMAT', () => {
    const two: GraphSpec = { ...idBranch('t'), outputs: [{ name: 't_o' }, { name: 'x' }] };
    expect(() => loadOnnx(model({ nodes: [ifNode(two, idBranch('e'))], ...io }))).toThrow(/then_branch.*2 outputs but the node has 1/);
    const noElse = model({ nodes: [{ op: 'If', name: 'the_if', inputs: ['c'], outputs: ['y'], attrs: [{ name: 'then_branch', g: idBranch('t') }] }], ...io });
    expect(() => loadOnnx(noElse)).toThrow(/'else_branch' is required/);
  });

  it('a branch reading a value defined after its If is INVALID_FORMAT', () => {
    const late = branch('t', [{ op: 'Identity', inputs: ['later'], outputs: ['t_o'] }], 't_o');
    const bytes = model({ nodes: [ifNode(late, idBranch('e'), ['y0']), { op: 'Relu', inputs: ['x'], outputs: ['later'] }, { op: 'Add', inputs: ['y0', 'later'], outputs: ['y'] }], ...io });
    expect(codeOf(() => loadOnnx(bytes))).toBe('INVALID_FORMAT');
    expect(() => loadOnnx(bytes)).toThrow(/input 'later'/);
  });

  describe('the branch not taken when the condition folds at load (skimmed, never decoded)', () => {
    /** An If on a constant condition (an int64 Constant cast to bool: folds at load). */
    const folded = (elseG: GraphSpec, cond = 1) => model({
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['k64'], attrs: [{ name: 'value', t: { name: '', dims: [1], data: [cond], type: INT64 } }] },
        { op: 'Cast', inputs: ['k64'], outputs: ['k'], attrs: [{ name: 'to', i: BOOL }] },
        { op: 'If', name: 'the_if', inputs: ['k'], outputs: ['y'], attrs: [{ name: 'then_branch', g: idBranch('t') }, { name: 'else_branch', g: elseG }] },
      ],
      ...io,
    });
    const x = { data: Float32Array.of(1, 2), shape: [2] };
    const c = { data: Int32Array.of(1), shape: [1] };

    it('an operator that does not exist inside it loads and runs (it can never run), taken it is UNSUPPORTED', () => {
      const unknownOp = branch('e', [{ op: 'NoSuchOp', name: 'ghost', inputs: ['x'], outputs: ['e_o'] }], 'e_o');
      expect(Array.from(loadOnnx(folded(unknownOp)).run({ x, c }).y.data)).toEqual([1, 2]);
      expect(() => loadOnnx(folded(unknownOp, 0))).toThrow(/NoSuchOp node 'ghost'/);
    });

    it('malformed wire bytes inside it are INVALID_FORMAT at load', () => {
      const good = folded(branch('e', [{ op: 'Identity', name: 'zq_marker_node', inputs: ['x'], outputs: ['e_o'] }], 'e_o'));
      expect(Array.from(loadOnnx(good).run({ x, c }).y.data)).toEqual([1, 2]);
      // the node name's length prefix made to run past the end of its NodeProto
      const at = Buffer.from(good).indexOf('zq_marker_node');
      expect(good[at - 1]).toBe('zq_marker_node'.length);
      const bad = good.slice();
      bad[at - 1] = 0x7f;
      expect(codeOf(() => loadOnnx(bad))).toBe('INVALID_FORMAT');
      expect(() => loadOnnx(bad)).toThrow(/runs past the end/);
    });

    it('sub-graphs nested past the bound inside it are INVALID_FORMAT', () => {
      let g = idBranch('leaf');
      for (let i = 0; i < 32; i++) g = branch(`l${i}`, [ifNode(g, idBranch(`e${i}`), [`o${i}`])], `o${i}`);
      expect(() => loadOnnx(folded(g))).toThrow(/nested more than 32 levels/);
    });
  });

  it('an unknown attribute on If is UNSUPPORTED', () => {
    const n = ifNode(idBranch('t'), idBranch('e'));
    n.attrs!.push({ name: 'extra', i: 1 });
    expect(() => loadOnnx(model({ nodes: [n], ...io }))).toThrow(/attribute 'extra' is not supported/);
  });
});

describe('plans specialised to input shapes', () => {
  // y = rank-1 test on x's dims: if x.shape[0] == 1 then Squeeze(x, 0) * 2 else x + 1; x's dims are
  // declared unknown, so the condition folds only once a run's shapes are known.
  const bytes = model({
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['s'] },
      { op: 'Constant', inputs: [], outputs: ['zero'], attrs: [{ name: 'value', t: { name: '', dims: [], data: [0], type: INT64 } }] },
      { op: 'Constant', inputs: [], outputs: ['one'], attrs: [{ name: 'value', t: { name: '', dims: [], data: [1], type: INT64 } }] },
      { op: 'Constant', inputs: [], outputs: ['axes'], attrs: [{ name: 'value', t: { name: '', dims: [1], data: [0], type: INT64 } }] },
      { op: 'Gather', inputs: ['s', 'zero'], outputs: ['d0'], attrs: [{ name: 'axis', i: 0 }] },
      { op: 'Equal', inputs: ['d0', 'one'], outputs: ['cond'] },
      {
        op: 'If', inputs: ['cond'], outputs: ['y'], attrs: [
          { name: 'then_branch', g: branch('t', [{ op: 'Squeeze', inputs: ['x', 'axes'], outputs: ['sq'] }, { op: 'Add', inputs: ['sq', 'sq'], outputs: ['tw'] }], 'tw') },
          { name: 'else_branch', g: branch('e', [{ op: 'Cast', inputs: ['one'], outputs: ['onef'], attrs: [{ name: 'to', i: 1 }] }, { op: 'Add', inputs: ['x', 'onef'], outputs: ['p1'] }], 'p1') },
        ],
      },
    ],
    inputs: [{ name: 'x', shape: ['', ''] }],
    outputs: [{ name: 'y' }],
  });

  it('every shape, in any order and past the number of kept plans, matches onnxruntime', async () => {
    const m = loadOnnx(bytes);
    const shapes = [[1, 4], [3, 4], [1, 4], [2, 5], ...Array.from({ length: 10 }, (_, i) => [i + 1, 3]), [1, 4], [3, 4]];
    for (const [k, shape] of shapes.entries()) {
      const x = { data: randn(shape[0] * shape[1], 100 + k), shape };
      const ort = await runOrt(bytes, { x } as never);
      expect(ort.error).toBeUndefined();
      expectClose(m.run({ x }).y, ort.outputs!.y, 1e-6, `shape [${shape}]`);
    }
  });

  it('an input shape fixed at load folds Shape of it (one branch planned); other shapes are rejected, declared-incompatible ones ignored', async () => {
    const fixShape = (shape: number[]) => () => ({ shapes: { x: shape } });
    for (const shape of [[1, 4], [3, 4]]) {
      const m = loadOnnxWith(SILERO_OPS, bytes, {}, fixShape(shape));
      expect(m.inputs[0].shape).toEqual(shape);
      // the If folded at load: the load-time plan has no If step left
      const block = (m as unknown as { block: { steps: { kind: string }[] } }).block;
      expect(block.steps.map((st) => st.kind)).not.toContain('if');
      const x = { data: randn(shape[0] * shape[1], 7), shape };
      const ort = await runOrt(bytes, { x } as never);
      expectClose(m.run({ x }).y, ort.outputs!.y, 1e-6, `shape [${shape}]`);
      const other = shape[0] === 1 ? [3, 4] : [1, 4];
      expect(codeOf(() => m.run({ x: { data: new Float32Array(other[0] * other[1]), shape: other } }))).toBe('SHAPE_MISMATCH');
      expect(codeOf(() => m.bind({ x: other }))).toBe('SHAPE_MISMATCH');
    }
    // a shape the declaration does not allow (rank 3 for ['', '']) leaves the input as declared
    const m = loadOnnxWith(SILERO_OPS, bytes, {}, fixShape([1, 2, 2]));
    expect(m.inputs[0].shape).toEqual(['', '']);
    expect(m.run({ x: { data: new Float32Array(6), shape: [2, 3] } }).y.shape).toEqual([2, 3]);
  });

  it('loads from a Node Buffer (whose slice() is a view) like from a Uint8Array', async () => {
    const { Buffer } = await import('node:buffer');
    // Place the model at an odd offset of a larger buffer, as a file read into a pooled Buffer is.
    const pooled = Buffer.alloc(bytes.length + 3);
    pooled.set(bytes, 3);
    const x = { data: randn(8, 1), shape: [2, 4] };
    const fromBuffer = loadOnnx(pooled.subarray(3)).run({ x }).y;
    expect(Array.from(fromBuffer.data as Float32Array)).toEqual(Array.from(loadOnnx(bytes).run({ x }).y.data as Float32Array));
  });
});

describe('Silero VAD v5: the specialised plan', () => {
  it('runs fewer nodes than the load-time plan and gives bitwise the same outputs, frame after frame', () => {
    const bytes = readBytes(new URL('../../node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx', import.meta.url).pathname);
    const special = loadOnnx(bytes);
    const general = loadOnnx(bytes, { specializeShapes: false });
    const sr = { data: BigInt64Array.of(16000n), shape: [1] };
    let s1: Tensor = { data: new Float32Array(256), shape: [2, 1, 128] };
    let s2 = s1;
    const kept: { tensor: Tensor; copy: number[] }[] = [];
    for (let f = 0; f < 12; f++) {
      const input = { data: randn(576, 300 + f), shape: [1, 576] };
      const a = special.run({ input, state: s1, sr });
      const b = general.run({ input, state: s2, sr });
      expect(Array.from(a.output.data as Float32Array)).toEqual(Array.from(b.output.data as Float32Array));
      expect(Array.from(a.stateN.data as Float32Array)).toEqual(Array.from(b.stateN.data as Float32Array));
      s1 = a.stateN;
      s2 = b.stateN;
      kept.push({ tensor: a.stateN, copy: Array.from(a.stateN.data as Float32Array) });
    }
    // Outputs are the caller's: later runs (which reuse the run's memory) leave them as they were.
    for (const k of kept) expect(Array.from(k.tensor.data as Float32Array)).toEqual(k.copy);
    // The decoder's Shape -> Gather -> Equal -> If chains fold away once the shapes are known.
    expect(special.lastRunNodes).toBeGreaterThan(0);
    expect(special.lastRunNodes).toBeLessThan(general.lastRunNodes);
    console.log(`Silero v5 nodes per frame: ${special.lastRunNodes} specialised, ${general.lastRunNodes} load-time plan`);
    expect(() => loadOnnx(bytes, { specializeShapes: 1 as never })).toThrow(/specializeShapes must be a boolean/);
  });
});

describe('folding frees what folded nodes hold', () => {
  it('a Conv whose input is constant too is folded at load and keeps no wasm memory', async () => {
    const { mem } = await import('../reliability/helpers.js');
    const before = mem();
    const m = loadOnnx(model({
      nodes: [
        { op: 'Conv', inputs: ['k', 'w'], outputs: ['c'], attrs: [{ name: 'kernel_shape', ints: [3] }] },
        { op: 'Add', inputs: ['x', 'c'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [1, 2, 6] }],
      initializers: [{ name: 'k', dims: [1, 3, 8], data: Array.from(randn(24, 1)) }, { name: 'w', dims: [2, 3, 3], data: Array.from(randn(18, 2)) }],
      outputs: [{ name: 'y' }],
    }));
    expect(mem()).toMatchObject({ bytesInUse: before.bytesInUse, liveBlocks: before.liveBlocks });
    const x = { data: randn(12, 3), shape: [1, 2, 6] };
    expect(m.run({ x }).y.shape).toEqual([1, 2, 6]);
    m.dispose();
  });
});

describe('recurrent fast path, one time step', () => {
  // A single step runs as a layer step (one wasm call); it must give bitwise what the first step
  // of a longer sequence gives through forward.
  const I = 5;
  const H = 6;
  for (const op of ['LSTM', 'GRU', 'RNN'] as const) {
    for (const layout of [0, 1]) {
      for (const B of [1, 3]) {
        it(`${op}, layout ${layout}, batch ${B}`, () => {
          const G = op === 'LSTM' ? 4 : op === 'GRU' ? 3 : 1;
          const states = op === 'LSTM' ? ['h0', 'c0'] : ['h0'];
          const stateShape = layout ? [B, 1, H] : [1, B, H];
          const bytes = model({
            nodes: [{
              op, name: 'rec', inputs: ['x', 'W', 'R', 'B', '', ...states], outputs: op === 'LSTM' ? ['y', 'yh', 'yc'] : ['y', 'yh'],
              attrs: [{ name: 'hidden_size', i: H }, { name: 'layout', i: layout }, ...(op === 'GRU' ? [{ name: 'linear_before_reset', i: 1 }] : [])],
            }],
            inputs: [{ name: 'x', shape: layout ? [B, 'T', I] : ['T', B, I] }, ...states.map((name) => ({ name, shape: stateShape }))],
            initializers: [
              { name: 'W', dims: [1, G * H, I], data: Array.from(randn(G * H * I, 1)) },
              { name: 'R', dims: [1, G * H, H], data: Array.from(randn(G * H * H, 2)) },
              { name: 'B', dims: [1, 2 * G * H], data: Array.from(randn(2 * G * H, 3)) },
            ],
            outputs: op === 'LSTM' ? [{ name: 'y' }, { name: 'yh' }, { name: 'yc' }] : [{ name: 'y' }, { name: 'yh' }],
          });
          const m = loadOnnx(bytes);
          expect(m.recurrentNodes[0].path).toBe('fast');
          const x2 = randn(2 * B * I, 4); // [T=2, B, I] or [B, T=2, I]
          const x1 = new Float32Array(B * I);
          for (let b = 0; b < B; b++) x1.set(x2.subarray(layout ? b * 2 * I : b * I, (layout ? b * 2 * I : b * I) + I), b * I);
          const st = Object.fromEntries(states.map((name, k) => [name, { data: randn(B * H, 5 + k), shape: stateShape }]));
          const two = m.run({ x: { data: x2, shape: layout ? [B, 2, I] : [2, B, I] }, ...st }).y;
          const oneRun = m.run({ x: { data: x1, shape: layout ? [B, 1, I] : [1, B, I] }, ...st });
          const one = oneRun.y;
          // the shapes specialisation infers for the recurrent node (NodeFn.inferShapes) are the run's
          expect(one.shape).toEqual(layout ? [B, 1, 1, H] : [1, 1, B, H]);
          expect(oneRun.yh.shape).toEqual(layout ? [B, 1, H] : [1, B, H]);
          const firstStep = new Float32Array(B * H);
          for (let b = 0; b < B; b++) firstStep.set((two.data as Float32Array).subarray(layout ? b * 2 * H : b * H, (layout ? b * 2 * H : b * H) + H), b * H);
          expect(Array.from(one.data as Float32Array)).toEqual(Array.from(firstStep));
          // NodeFn.inferShapes (what specialisation uses) against the outputs of a run
          const W = { dtype: 'float32' as const, data: randn(G * H * I, 1), shape: [1, G * H, I] };
          const R = { dtype: 'float32' as const, data: randn(G * H * H, 2), shape: [1, G * H, H] };
          const Bias = { dtype: 'float32' as const, data: randn(2 * G * H, 3), shape: [1, 2 * G * H] };
          const node = prepareNode({ [op]: recurrentOp(op) }, bytes, [undefined, W, R, Bias]);
          const ins: (OTensor | undefined)[] = [{ dtype: 'float32', data: x2, shape: layout ? [B, 2, I] : [2, B, I] }, W, R, Bias, undefined,
            ...states.map((name) => ({ dtype: 'float32' as const, data: st[name].data, shape: stateShape }))];
          const outs = node.kernel(ins);
          expect(node.kernel.inferShapes!(ins)).toEqual(outs.map((o) => o && { dtype: o.dtype, shape: o.shape }));
          node.dispose();
          const general = loadOnnx(bytes, { fastPath: false }).run({ x: { data: x1, shape: layout ? [B, 1, I] : [1, B, I] }, ...st }).y;
          expectClose(one, general as never, 1e-6, `${op} one step vs the general path`);
          m.dispose();
        });
      }
    }
  }
});

describe('recurrent fast path, one time step without some initial states', () => {
  const I = 4;
  const H = 3;
  for (const given of [[], ['h0'], ['c0']] as string[][]) {
    it(`LSTM with ${given.length ? given.join(', ') + ' only' : 'no initial state'}: the first step of forward, bitwise`, () => {
      const inputs = ['x', 'W', 'R', 'B', '', given.includes('h0') ? 'h0' : '', given.includes('c0') ? 'c0' : ''];
      const bytes = model({
        nodes: [{ op: 'LSTM', inputs, outputs: ['y', 'yh', 'yc'], attrs: [{ name: 'hidden_size', i: H }] }],
        inputs: [{ name: 'x', shape: ['T', 2, I] }, ...given.map((name) => ({ name, shape: [1, 2, H] }))],
        initializers: [
          { name: 'W', dims: [1, 4 * H, I], data: Array.from(randn(4 * H * I, 11)) },
          { name: 'R', dims: [1, 4 * H, H], data: Array.from(randn(4 * H * H, 12)) },
          { name: 'B', dims: [1, 8 * H], data: Array.from(randn(8 * H, 13)) },
        ],
        outputs: [{ name: 'y' }, { name: 'yh' }, { name: 'yc' }],
      });
      const m = loadOnnx(bytes);
      const st = Object.fromEntries(given.map((name, k) => [name, { data: randn(2 * H, 20 + k), shape: [1, 2, H] }]));
      const x2 = randn(2 * 2 * I, 14);
      const two = m.run({ x: { data: x2, shape: [2, 2, I] }, ...st });
      // after a first run, a second one-step run must not see the first run's state
      m.run({ x: { data: x2.subarray(0, 2 * I), shape: [1, 2, I] }, ...st });
      const one = m.run({ x: { data: x2.subarray(0, 2 * I), shape: [1, 2, I] }, ...st });
      expect(Array.from(one.y.data as Float32Array)).toEqual(Array.from((two.y.data as Float32Array).subarray(0, 2 * H)));
      m.dispose();
    });
  }
});

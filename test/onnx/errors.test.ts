/** Typed errors: unsupported graphs at load, malformed files (truncations, seeded fuzz), bad feeds. */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RnnError, ready } from '../../src/index.js';
import { loadOnnx, type OnnxModel } from '../../src/onnx/index.js';
import type { Tensor } from '../../base/tensor.js';
import { model, type ModelSpec } from './encode.js';
import { rng, codeOf, errorOf } from '../helpers/common.js';
import { FIXTURES, readBytes, readDataSet } from './helpers.js';

beforeAll(async () => {
  await ready();
});

const reluModel = (extra: Partial<ModelSpec> = {}): Uint8Array =>
  model({
    nodes: [{ op: 'Relu', name: 'r', inputs: ['x'], outputs: ['y'] }],
    inputs: [{ name: 'x', shape: ['batch', 3] }],
    outputs: [{ name: 'y' }],
    ...extra,
  });

describe('load-time errors', () => {
  it('names op type, node name and opset of an unsupported operator', () => {
    const bytes = model({
      opset: 13,
      nodes: [
        { op: 'Relu', name: 'first', inputs: ['x'], outputs: ['a'] },
        { op: 'NonMaxSuppression', name: 'nms_7', inputs: ['a'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', shape: [1, 3] }],
      outputs: [{ name: 'y' }],
    });
    const e = errorOf(() => loadOnnx(bytes));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toContain("'NonMaxSuppression'");
    expect(e.message).toContain("'nms_7'");
    expect(e.message).toContain('opset 13');
  });

  it('rejects other domains, opsets outside 7..21, bad activations and unknown attributes', () => {
    const dom = errorOf(() => loadOnnx(model({ nodes: [{ op: 'FusedGemm', name: 'f', domain: 'com.microsoft', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x' }], outputs: [{ name: 'y' }] })));
    expect(dom.code).toBe('UNSUPPORTED');
    expect(dom.message).toContain('com.microsoft');
    expect(errorOf(() => loadOnnx(reluModel({ opset: 22 }))).message).toContain('opset 22');
    expect(codeOf(() => loadOnnx(reluModel({ opset: 6 })))).toBe('UNSUPPORTED');
    const lstm = (attrs: ModelSpec['nodes'][0]['attrs']) =>
      model({ nodes: [{ op: 'LSTM', name: 'l', inputs: ['x', 'w', 'r'], outputs: ['y'], attrs }], inputs: [{ name: 'x' }, { name: 'w' }, { name: 'r' }], outputs: [{ name: 'y' }] });
    const act = errorOf(() => loadOnnx(lstm([{ name: 'activations', strings: ['Sigmoid', 'Swish', 'Tanh'] }])));
    expect(act.code).toBe('UNSUPPORTED');
    expect(act.message).toContain('Swish');
    expect(codeOf(() => loadOnnx(lstm([{ name: 'activations', strings: ['Sigmoid', 'Tanh'] }])))).toBe('INVALID_FORMAT');
    expect(codeOf(() => loadOnnx(lstm([{ name: 'direction', s: 'sideways' }])))).toBe('INVALID_FORMAT');
    expect(codeOf(() => loadOnnx(lstm([{ name: 'layout', i: 2 }])))).toBe('INVALID_FORMAT');
    expect(codeOf(() => loadOnnx(lstm([{ name: 'bogus', i: 1 }])))).toBe('UNSUPPORTED');
    expect(codeOf(() => loadOnnx(lstm([{ name: 'hidden_size', f: 1.5 }])))).toBe('INVALID_FORMAT');
  });

  it('checks topological order, duplicate outputs, graph outputs and external data', () => {
    const unsorted = model({
      nodes: [
        { op: 'Relu', name: 'b', inputs: ['a'], outputs: ['y'] },
        { op: 'Relu', name: 'a', inputs: ['x'], outputs: ['a'] },
      ],
      inputs: [{ name: 'x' }],
      outputs: [{ name: 'y' }],
    });
    expect(errorOf(() => loadOnnx(unsorted)).message).toContain('topologically sorted');
    const dup = model({
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['y'] },
        { op: 'Tanh', inputs: ['x'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x' }],
      outputs: [{ name: 'y' }],
    });
    expect(codeOf(() => loadOnnx(dup))).toBe('INVALID_FORMAT');
    expect(codeOf(() => loadOnnx(reluModel({ outputs: [{ name: 'nope' }] })))).toBe('INVALID_FORMAT');
    const ext = model({
      nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
      inputs: [{ name: 'x' }],
      outputs: [{ name: 'y' }],
      initializers: [{ name: 'w', dims: [3], data: [], external: true }],
    });
    const e = errorOf(() => loadOnnx(ext));
    expect(e.code).toBe('UNSUPPORTED');
    expect(e.message).toContain('external');
  });

  it('rejects non-bytes, empty and non-ONNX input', () => {
    expect(codeOf(() => loadOnnx('model.onnx' as never))).toBe('INVALID_INPUT');
    expect(codeOf(() => loadOnnx(new Uint8Array(0)))).toBe('INVALID_FORMAT');
    expect(codeOf(() => loadOnnx(new TextEncoder().encode('{"not": "onnx"}')))).toBe('INVALID_FORMAT');
    expect(codeOf(() => loadOnnx(reluModel(), { fastPath: 'yes' as never }))).toBe('INVALID_OPTION');
  });
});

describe('run-time input errors', () => {
  const m = () =>
    loadOnnx(
      model({
        nodes: [{ op: 'Add', name: 'add', inputs: ['x', 'z'], outputs: ['y'] }],
        inputs: [{ name: 'x', shape: ['batch', 3] }, { name: 'z', shape: ['batch', 3] }],
        outputs: [{ name: 'y' }],
      }),
    );
  const f = (shape: number[]): Tensor => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)), shape });

  it('names wrong, missing and extra inputs', () => {
    const model = m();
    expect(model.inputNames).toEqual(['x', 'z']);
    expect(model.outputNames).toEqual(['y']);
    expect(model.run({ x: f([2, 3]), z: f([2, 3]) }).y.shape).toEqual([2, 3]);
    const e = errorOf(() => model.run({ x: f([2, 3]), w: f([2, 3]) }));
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.message).toContain("'w'");
    expect(errorOf(() => model.run({ x: f([2, 3]) })).message).toContain("missing input 'z'");
    expect(codeOf(() => model.run(null as never))).toBe('INVALID_INPUT');
  });

  it('checks shapes against the graph (fixed and symbolic dims) and dtypes', () => {
    const model = m();
    expect(codeOf(() => model.run({ x: f([2, 4]), z: f([2, 4]) }))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => model.run({ x: f([2, 3, 1]), z: f([2, 3]) }))).toBe('SHAPE_MISMATCH');
    expect(errorOf(() => model.run({ x: f([2, 3]), z: f([4, 3]) })).message).toContain("'batch'");
    expect(codeOf(() => model.run({ x: { data: new Int32Array(6), shape: [2, 3] }, z: f([2, 3]) }))).toBe('DTYPE_MISMATCH');
    expect(codeOf(() => model.run({ x: { data: new Float32Array(5), shape: [2, 3] }, z: f([2, 3]) }))).toBe('INVALID_INPUT');
    expect(codeOf(() => model.run({ x: [1, 2, 3] as never, z: f([2, 3]) }))).toBe('DTYPE_MISMATCH');
  });

  it('int64 inputs take BigInt64Array or Int32Array, nothing else', () => {
    const bytes = readBytes(join(FIXTURES, 'torch', 'char_lstm_op14', 'model.onnx'));
    const model = loadOnnx(bytes);
    const ins = readDataSet(join(FIXTURES, 'torch', 'char_lstm_op14', 'test_data_set_0'), 'input');
    const feeds = Object.fromEntries(ins.map((t) => [t.name, { data: t.data, shape: t.shape }]));
    const a = model.run(feeds);
    const b = model.run({ ...feeds, tokens: { data: Int32Array.from(feeds.tokens.data as BigInt64Array, Number), shape: feeds.tokens.shape } });
    expect(Array.from(b.probs.data)).toEqual(Array.from(a.probs.data));
    expect(codeOf(() => model.run({ ...feeds, tokens: { data: new Float32Array(feeds.tokens.data.length), shape: feeds.tokens.shape } }))).toBe('DTYPE_MISMATCH');
    // token id out of the embedding table
    const bad = (feeds.tokens.data as BigInt64Array).slice();
    bad[0] = 1000n;
    expect(codeOf(() => model.run({ ...feeds, tokens: { data: bad, shape: feeds.tokens.shape } }))).toBe('INVALID_INPUT');
    model.dispose();
    expect(codeOf(() => model.run(feeds))).toBe('DISPOSED');
    model.dispose();
  });

  it('checks sequence_lens', () => {
    const dir = join(FIXTURES, 'node', 'test_lstm_with_peepholes');
    const model = loadOnnx(readBytes(join(dir, 'model.onnx')));
    const ins = readDataSet(join(dir, 'test_data_set_0'), 'input');
    const feeds = Object.fromEntries(model.inputNames.map((n, i) => [n, ins[i] as Tensor]));
    const T = feeds.X.shape[0];
    const lens = feeds.sequence_lens;
    const over = Int32Array.from(lens.data as Int32Array, () => T + 1);
    expect(codeOf(() => model.run({ ...feeds, sequence_lens: { data: over, shape: lens.shape } }))).toBe('INVALID_LENGTHS');
    expect(codeOf(() => model.run({ ...feeds, sequence_lens: { data: new Int32Array(1), shape: [1] } }))).toBe('SHAPE_MISMATCH');
  });

  it('never hands out its constants or the caller buffers', () => {
    const net = loadOnnx(
      model({ nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }, { op: 'Identity', inputs: ['w'], outputs: ['v'] }], inputs: [{ name: 'x' }], outputs: [{ name: 'y' }, { name: 'v' }], initializers: [{ name: 'w', dims: [2], data: [1, 2] }] }),
    );
    const x = f([2]);
    const out = net.run({ x });
    expect(out.y.data).not.toBe(x.data);
    out.v.data[0] = 99;
    expect(net.run({ x }).v.data[0]).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------


interface Subject {
  name: string;
  bytes: Uint8Array;
  feeds: Record<string, Tensor>;
}

function subjects(): Subject[] {
  const out: Subject[] = [];
  for (const [dir, sub] of [
    ['node', 'test_lstm_with_peepholes'],
    ['generated', 'gru_bid_l1_clip_acts'],
    ['generated', 'lstm_for_l0_torchlike'],
    ['torch', 'bigru_cls_op9'],
    ['torch', 'char_lstm_op17'],
    ['torch', 'stacked_rnn_op14'],
  ]) {
    const bytes = readBytes(join(FIXTURES, dir, sub, 'model.onnx'));
    const names = loadOnnx(bytes, { fastPath: false }).inputNames;
    const ins = readDataSet(join(FIXTURES, dir, sub, 'test_data_set_0'), 'input');
    out.push({ name: sub, bytes, feeds: Object.fromEntries(names.map((n, i) => [n, ins[i] as Tensor])) });
  }
  return out;
}

/** Loads and (if it loads) runs; anything but a model, outputs or an RnnError fails the test. */
function attempt(bytes: Uint8Array, feeds: Record<string, Tensor>, what: string): 'ok' | string {
  let m: OnnxModel | undefined;
  try {
    m = loadOnnx(bytes);
    m.run(feeds);
    return 'ok';
  } catch (e) {
    if (!(e instanceof RnnError)) throw new Error(`${what}: ${String((e as Error)?.stack ?? e)}`);
    return e.code;
  } finally {
    m?.dispose();
  }
}

describe('malformed files', () => {
  const subs = subjects();

  it('every truncation of a model ends in an RnnError', () => {
    for (const s of subs.slice(0, 3)) {
      const n = s.bytes.length;
      const step = Math.max(1, Math.floor(n / 600));
      for (let len = 0; len < n; len += step) {
        const code = attempt(s.bytes.subarray(0, len), s.feeds, `${s.name} truncated to ${len}`);
        // A cut exactly at a field boundary can leave a well-formed but incomplete model.
        expect(['INVALID_FORMAT', 'INVALID_INPUT', 'UNSUPPORTED', 'ok']).toContain(code);
        if (len < n - 64) expect(code, `${s.name} truncated to ${len}`).not.toBe('ok');
      }
    }
  });

  it('seeded mutations end in a model (that runs or throws RnnError) or an RnnError', () => {
    const next = rng(20240611);
    const codes = new Map<string, number>();
    let total = 0;
    for (let iter = 0; iter < 3000; iter++) {
      const s = subs[iter % subs.length];
      const b = Uint8Array.from(s.bytes);
      const kind = Math.floor(next() * 4);
      const muts = 1 + Math.floor(next() * 4);
      let bytes: Uint8Array = b;
      for (let k = 0; k < muts; k++) {
        const at = Math.floor(next() * bytes.length);
        if (kind === 0) bytes[at] ^= 1 << Math.floor(next() * 8); // bit flip
        else if (kind === 1) bytes[at] = Math.floor(next() * 256); // random byte
        else if (kind === 2) bytes[at] = [0x00, 0x7f, 0x80, 0xff][Math.floor(next() * 4)]; // varint edges
        else {
          // delete or duplicate a run of bytes
          const len = 1 + Math.floor(next() * 8);
          bytes = next() < 0.5 ? Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + len)]) : Uint8Array.from([...bytes.subarray(0, at + len), ...bytes.subarray(at)]);
        }
      }
      const code = attempt(bytes, s.feeds, `${s.name} mutation #${iter}`);
      codes.set(code, (codes.get(code) ?? 0) + 1);
      total++;
    }
    expect(total).toBe(3000);
    console.log('mutation outcomes:', JSON.stringify(Object.fromEntries(codes)));
    // The mutations reach both the decoder (INVALID_FORMAT) and models that still run.
    expect(codes.get('INVALID_FORMAT') ?? 0).toBeGreaterThan(100);
    expect(codes.get('ok') ?? 0).toBeGreaterThan(100);
  });
});

describe('newest opsets', () => {
  it('graphs at opsets 18-21 load and run (axes as inputs)', () => {
    for (const opset of [18, 19, 20, 21]) {
      const net = loadOnnx(
        model({
          opset,
          nodes: [
            { op: 'Unsqueeze', inputs: ['x', 'ax'], outputs: ['u'] },
            { op: 'ReduceMean', inputs: ['u', 'ax2'], outputs: ['m'], attrs: [{ name: 'keepdims', i: 0 }] },
            { op: 'Softmax', inputs: ['m'], outputs: ['y'] },
          ],
          inputs: [{ name: 'x', shape: [2, 3] }],
          outputs: [{ name: 'y' }],
          initializers: [
            { name: 'ax', dims: [1], type: 7, data: [0] },
            { name: 'ax2', dims: [1], type: 7, data: [0] },
          ],
        }),
      );
      const y = net.run({ x: { data: new Float32Array([0, 1, 2, 3, 4, 5]), shape: [2, 3] } }).y;
      expect(y.shape).toEqual([2, 3]);
      const e = [Math.exp(0), Math.exp(1), Math.exp(2)];
      const s = e[0] + e[1] + e[2];
      e.forEach((v, i) => expect(y.data[i]).toBeCloseTo(v / s, 6));
    }
  });
});

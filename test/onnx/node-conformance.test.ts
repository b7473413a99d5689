/**
 * ONNX's backend node tests for the non-recurrent operators (test/fixtures/onnx/node-ops, copied
 * by tools/copy-onnx-node-tests.mjs; cases.json lists them and the excluded ones with reasons).
 * Each case feeds every input, so the kernels run (nothing is folded at load).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOnnx, readTensorProto } from '../../src/onnx/index.js';
import { FIXTURES, expectClose, listDirs, readBytes, readDataSet, readOptionalProto } from './helpers.js';

const DIR = join(FIXTURES, 'node-ops');
const manifest = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { cases: { name: string; op: string; tolerance?: number }[]; excluded: Record<string, string> };

describe('ONNX backend node tests (non-recurrent operators)', () => {
  it('the fixture folder holds exactly the listed cases', () => {
    expect(listDirs(DIR)).toEqual(manifest.cases.map((c) => c.name).sort());
  });
  for (const { name, op, tolerance } of manifest.cases) {
    it(`${op}: ${name}`, () => {
      const model = loadOnnx(readBytes(join(DIR, name, 'model.onnx')));
      // an optional input's file is an OptionalProto: its tensor, or nothing (the input left out)
      const ins = model.inputs.map((info, i) => {
        const file = readBytes(join(DIR, name, 'test_data_set_0', `input_${i}.pb`));
        return info.optional ? readOptionalProto(file) : readTensorProto(file);
      });
      const outs = readDataSet(join(DIR, name, 'test_data_set_0'), 'output');
      const got = model.run(Object.fromEntries(model.inputNames.flatMap((n, i) => (ins[i] === undefined ? [] : [[n, ins[i]!]]))));
      expect(Object.keys(got)).toEqual([...model.outputNames]);
      expect(outs.length).toBe(model.outputNames.length);
      model.outputNames.forEach((n, i) => {
        const want = outs[i];
        // (a case whose expected values are less exact says so in cases.json, with the tool's reason)
        if (want.data instanceof Float32Array) expectClose(got[n], want as never, tolerance ?? 2e-6, `${name} ${n}`);
        else {
          // Integer and bool results must match exactly (bool comes back as 0/1).
          expect(got[n].shape, `${name} ${n} shape`).toEqual(want.shape);
          expect(Array.from(got[n].data, Number), `${name} ${n}`).toEqual(Array.from(want.data, Number));
        }
      });
      model.dispose();
    });
  }
});

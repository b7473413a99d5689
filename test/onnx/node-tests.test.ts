/** ONNX's own backend node tests for LSTM / GRU / RNN (test/fixtures/onnx/node, Apache-2.0). */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { FIXTURES, expectClose, listDirs, readBytes, readDataSet } from './helpers.js';

const NODE = join(FIXTURES, 'node');
const cases = listDirs(NODE);

beforeAll(async () => {
  await ready();
});

describe('ONNX node tests', () => {
  it('has the 12 recurrent cases', () => expect(cases.length).toBe(12));
  for (const c of cases) {
    for (const fastPath of [true, false]) {
      it(`${c} (fastPath ${fastPath})`, () => {
        const model = loadOnnx(readBytes(join(NODE, c, 'model.onnx')), { fastPath });
        const ins = readDataSet(join(NODE, c, 'test_data_set_0'), 'input');
        const outs = readDataSet(join(NODE, c, 'test_data_set_0'), 'output');
        expect(ins.length).toBe(model.inputNames.length);
        const feeds = Object.fromEntries(model.inputNames.map((n, i) => [n, ins[i]]));
        const got = model.run(feeds);
        expect(Object.keys(got)).toEqual([...model.outputNames]);
        model.outputNames.forEach((n, i) => expectClose(got[n], outs[i] as never, 1e-5, `${c} ${n}`));
        model.dispose();
      });
    }
  }
});

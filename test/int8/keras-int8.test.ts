// loadKerasModel / loadLayersModel with { weights: 'int8' }: the recurrent layers that run on the
// wasm layers store int8 matrices; the model's output stays within int8's error of the float32
// model's (a Keras 2 .h5 of two GRUs and a Dense, and a Keras 3 bidirectional GRU over an Embedding).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/index.js';
import { loadKerasModel } from '../../src/keras/files.js';
import { codeOf } from '../helpers/common.js';

const DIR = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'fixtures', 'keras');
const REF = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as Record<string, Record<string, { data: number[]; shape: number[] }>>;

beforeAll(async () => {
  await ready();
});

describe('Keras models with int8 weights', () => {
  for (const file of ['gru_reset_after.h5', 'bidi_masked.keras']) {
    it(`${file}: recurrent layers on int8, output within int8's error of float32`, () => {
      const bytes = new Uint8Array(readFileSync(join(DIR, file)));
      const ref = REF[file];
      const x = file.endsWith('.keras') ? { data: Int32Array.from(ref.tokens.data), shape: ref.tokens.shape } : { data: Float32Array.from(ref.x.data), shape: ref.x.shape };
      const m32 = loadKerasModel(bytes);
      const m8 = loadKerasModel(bytes, { weights: 'int8' });
      expect(m8.recurrentLayers.map((r) => r.path)).toEqual(m32.recurrentLayers.map((r) => r.path));
      const first = (y: unknown) => (Array.isArray(y) ? y[0] : y) as { data: Float32Array };
      const y32 = first(m32.predict(x as never));
      const y8 = first(m8.predict(x as never));
      const d = y8.data.reduce((m, v, i) => Math.max(m, Math.abs(v - y32.data[i])), 0);
      console.log(`${file}: max |int8 - float32| ${d.toExponential(2)}`);
      expect(d).toBeGreaterThan(0);
      expect(d).toBeLessThan(0.05);
      m32.dispose();
      m8.dispose();
    });
  }

  it('an unknown weights option is INVALID_OPTION', () => {
    const bytes = new Uint8Array(readFileSync(join(DIR, 'gru_reset_after.h5')));
    expect(codeOf(() => loadKerasModel(bytes, { weights: 'q4' as never }))).toBe('INVALID_OPTION');
  });
});

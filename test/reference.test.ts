/**
 * Validates the float64 reference (test/reference/recurrent-f64.ts) against every real-PyTorch
 * fixture. Needs no wasm: if this fails, the reference (or a fixture) is wrong, not the layers.
 *
 * Tolerance: 1e-5 absolute, scaled by max(1, max|expected|) per tensor (see toleranceFor) — it
 * only differs from plain 1e-5 for the RNN-relu saturate fixtures, whose unbounded outputs reach
 * ~1e5, where a single float32 ulp is ~1e-2.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { compareResults, listFixtures, loadFixture, maxAbsDiff } from './helpers/fixtures.js';
import { referenceForward } from './reference/recurrent-f64.js';

const TOL = 1e-5;
const cases = listFixtures();
let worst = { err: 0, name: '' };
let worstScaled = { err: 0, name: '' };
let worstBounded = { err: 0, name: '' }; // cases whose outputs all have |v| <= 1

describe('float64 reference vs PyTorch fixtures', () => {
  it('has fixtures for every module kind', () => {
    expect(cases.length).toBeGreaterThan(100);
    for (const prefix of ['lstm_', 'gru_', 'rnn_tanh_', 'rnn_relu_']) {
      expect(cases.some((c) => c.startsWith(prefix))).toBe(true);
    }
  });

  it.each(cases)('%s', (name) => {
    const fx = loadFixture(name);
    const ref = referenceForward(fx.module, fx.config, fx.stateDict, fx.x, { h0: fx.h0, c0: fx.c0, lengths: fx.lengths });
    const { maxErr, maxScaledErr, problems } = compareResults(
      { output: ref.output, h: ref.h, c: ref.c },
      { output: fx.expected.output, h: fx.expected.h, c: fx.expected.c },
      TOL,
    );
    if (maxErr > worst.err) worst = { err: maxErr, name };
    if (maxScaledErr > worstScaled.err) worstScaled = { err: maxScaledErr, name };
    if (maxErr === maxScaledErr && maxErr > worstBounded.err) worstBounded = { err: maxErr, name };
    expect(problems, problems.join('\n')).toEqual([]);
    expect(maxScaledErr).toBeLessThanOrEqual(TOL);
  });

  it('maxAbsDiff treats NaN as a mismatch', () => {
    expect(maxAbsDiff([1, NaN], [1, 2])).toBe(Infinity);
    expect(maxAbsDiff([1, 2], [1, NaN])).toBe(Infinity);
    expect(maxAbsDiff([NaN], [NaN])).toBe(Infinity);
    expect(maxAbsDiff([1, 2], [1, 2.5])).toBe(0.5);
    expect(maxAbsDiff([1], [1, 2])).toBe(Infinity);
  });
});

afterAll(() => {
  console.log(
    `reference vs torch over ${cases.length} fixtures: worst abs err ${worst.err.toExponential(3)} (${worst.name}); ` +
      `worst err/max(1,|want|) ${worstScaled.err.toExponential(3)} (${worstScaled.name}); ` +
      `worst abs err where all |want| <= 1: ${worstBounded.err.toExponential(3)} (${worstBounded.name})`,
  );
});

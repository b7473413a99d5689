/**
 * Isolation on every build: several models and states in one runtime give bitwise the results
 * each gives alone; memory.grow in the middle of work keeps every layer, state and ONNX model
 * valid; results do not depend on the other items of a batch and repeat bitwise run to run.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../../src/index.js';
import { loadOnnx } from '../../src/onnx/index.js';
import { ready, runtime, supportedBuilds } from '../../bindings/wasm.js';
import { expectBitwise, mem, randn, recurrentOnnx, rng } from './helpers.js';

type Make = () => RecurrentLayer;
const configs: Array<[string, Make]> = [
  ['LSTM', () => new LSTM({ inputSize: 5, hiddenSize: 13, seed: 1 })],
  ['LSTM proj 2 layers', () => new LSTM({ inputSize: 3, hiddenSize: 9, projSize: 4, numLayers: 2, seed: 2 })],
  ['GRU 2 layers', () => new GRU({ inputSize: 4, hiddenSize: 17, numLayers: 2, seed: 3 })],
  ['RNN tanh', () => new RNN({ inputSize: 6, hiddenSize: 8, seed: 4 })],
  ['RNN relu bidir', () => new RNN({ inputSize: 2, hiddenSize: 7, nonlinearity: 'relu', bidirectional: true, seed: 5 })],
  ['GRU bidir batchFirst', () => new GRU({ inputSize: 3, hiddenSize: 12, bidirectional: true, batchFirst: true, seed: 6 })],
];

interface Job {
  x: { data: Float32Array; shape: number[] };
  lengths?: number[];
  frames: Float32Array[]; // streaming frames, batch 2
}

function jobFor(layer: RecurrentLayer, seed: number): Job {
  const r = rng(seed);
  const T = 7, B = 5, I = layer.inputSize;
  const shape = layer.batchFirst ? [B, T, I] : [T, B, I];
  return {
    x: { data: randn(T * B * I, r), shape },
    lengths: [7, 3, 1, 7, 5],
    frames: Array.from({ length: 6 }, () => randn(2 * I, r)),
  };
}

interface Outputs {
  forward: Float32Array[];
  steps: Float32Array[];
  finalState: Float32Array;
}

/** Runs a job piece by piece (each `yield` is a point where other work is interleaved). */
function* runJob(layer: RecurrentLayer, job: Job): Generator<void, Outputs> {
  const out: Outputs = { forward: [], steps: [], finalState: new Float32Array(0) };
  const f1 = layer.forward(job.x);
  out.forward.push(f1.output.data, f1.h.data);
  yield;
  const f2 = layer.forward(job.x, { lengths: job.lengths });
  out.forward.push(f2.output.data, f2.h.data);
  yield;
  if (!layer.bidirectional) {
    const s = layer.createState({ batch: 2 });
    for (const fr of job.frames) {
      out.steps.push(layer.step({ data: fr, shape: [2, layer.inputSize] }, s, { view: true }).data.slice());
      yield;
    }
    out.finalState = s.get().h.data;
    s.dispose();
  }
  return out;
}

function runAlone(layer: RecurrentLayer, job: Job): Outputs {
  const g = runJob(layer, job);
  for (;;) {
    const n = g.next();
    if (n.done) return n.value;
  }
}

function compare(a: Outputs, b: Outputs, what: string): void {
  a.forward.forEach((v, i) => expectBitwise(v, b.forward[i], `${what} forward ${i}`));
  expect(a.steps.length).toBe(b.steps.length);
  a.steps.forEach((v, i) => expectBitwise(v, b.steps[i], `${what} step ${i}`));
  expectBitwise(a.finalState, b.finalState, `${what} final state`);
}

const builds = supportedBuilds();

afterAll(async () => {
  await ready(); // leave the default runtime for other files in this worker
});

for (const build of builds) {
  describe(`build ${build}`, () => {
    it('interleaved models and states give bitwise the results of each alone', async () => {
      await ready({ build });
      expect(runtime().build).toBe(build);
      const base = mem();
      // alone: each model created, run and disposed with nothing else in the runtime
      const alone = configs.map(([, make], k) => {
        const l = make();
        const o = runAlone(l, jobFor(l, 100 + k));
        l.dispose();
        return o;
      });
      // together: all alive, advanced round-robin one piece at a time, two copies of the first
      const layers = [...configs.map(([, make]) => make()), configs[0][1]()];
      const gens = layers.map((l, k) => runJob(l, jobFor(l, 100 + (k % configs.length))));
      const results: Array<Outputs | undefined> = layers.map(() => undefined);
      let pending = layers.length;
      for (let round = 0; pending > 0; round++) {
        // vary the order each round so no model always follows the same neighbour
        for (let j = 0; j < layers.length; j++) {
          const k = (j * (round % 2 ? 1 : layers.length - 1) + round) % layers.length;
          if (results[k]) continue;
          const n = gens[k].next();
          if (n.done) {
            results[k] = n.value;
            pending--;
          }
        }
      }
      results.forEach((r, k) => compare(r!, alone[k % configs.length], `${configs[k % configs.length][0]} (#${k})`));
      layers.forEach((l) => l.dispose());
      expect(mem()).toMatchObject({ bytesInUse: base.bytesInUse, liveBlocks: base.liveBlocks });
    });

    it('memory.grow between two calls and between two steps keeps layers, states and ONNX models valid', async () => {
      await ready({ build });
      const r = rng(31);
      const lstm = new LSTM({ inputSize: 4, hiddenSize: 10, numLayers: 2, seed: 8 });
      const gru = new GRU({ inputSize: 4, hiddenSize: 6, seed: 9 });
      const onnx = loadOnnx(recurrentOnnx('LSTM', 4, 5, 10));
      const x = { data: randn(6 * 3 * 4, r), shape: [6, 3, 4] };
      const frames = Array.from({ length: 8 }, () => ({ data: randn(2 * 4, r), shape: [2, 4] }));
      // references, with no growth in between
      const refF = lstm.forward(x).output.data;
      const refO = onnx.run({ x }).y.data as Float32Array;
      const refSteps = (() => {
        const s1 = lstm.createState({ batch: 2 });
        const s2 = gru.createState({ batch: 2 });
        const out = frames.map((f) => [lstm.step(f, s1).data, gru.step(f, s2).data]);
        s1.dispose();
        s2.dispose();
        return out;
      })();

      const s1 = lstm.createState({ batch: 2 });
      const s2 = gru.createState({ batch: 2 });
      const big: RecurrentLayer[] = [];
      const grownFrom = mem().memoryBytes;
      let viewBeforeGrow: Float32Array | null = null;
      for (let t = 0; t < frames.length; t++) {
        const a = lstm.step(frames[t], s1, { view: true }).data; // a view: valid until the next call
        const aCopy = a.slice();
        viewBeforeGrow ??= a;
        if (t % 2 === 1) {
          // a big model between two steps of the stream: memory.grow detaches the old buffer
          const before = mem().memoryBytes;
          big.push(new LSTM({ inputSize: 256, hiddenSize: 256, seed: t }));
          expect(mem().memoryBytes, 'the big model grew the memory').toBeGreaterThan(before);
        }
        expectBitwise(aCopy, refSteps[t][0], `lstm step ${t}`);
        expectBitwise(gru.step(frames[t], s2).data, refSteps[t][1], `gru step ${t}`);
      }
      expect(mem().memoryBytes).toBeGreaterThan(grownFrom);
      expect(viewBeforeGrow!.length, 'views made before a grow are detached (documented)').toBe(0);
      // between two whole-sequence calls
      expectBitwise(lstm.forward(x).output.data, refF, 'forward before the next grow');
      big.push(new GRU({ inputSize: 300, hiddenSize: 300, seed: 99 }));
      expectBitwise(lstm.forward(x).output.data, refF, 'forward after grow');
      expectBitwise(onnx.run({ x }).y.data as Float32Array, refO, 'ONNX after grow');
      // state get/set across a grow
      const h = s1.get();
      big.push(new RNN({ inputSize: 512, hiddenSize: 512, seed: 100 }));
      expectBitwise(s1.get().h.data, h.h.data, 'state h after grow');
      expectBitwise(s1.get().c!.data, h.c!.data, 'state c after grow');
      s1.set(h.h, h.c);
      for (const l of big) l.dispose();
      for (const o of [lstm, gru, onnx]) o.dispose();
    });

    it('batch invariance: item b alone equals item b inside a batch, bitwise', async () => {
      await ready({ build });
      const r = rng(57);
      for (const [name, make] of configs) {
        const layer = make();
        const I = layer.inputSize;
        for (const B of [2, 5, 9]) {
          const T = 6;
          const items = Array.from({ length: B }, () => randn(T * I, r));
          const lengths = Array.from({ length: B }, (_, b) => 1 + ((b * 5 + 3) % T));
          // batch tensor, time-major or batch-first
          const data = new Float32Array(T * B * I);
          for (let b = 0; b < B; b++) {
            for (let t = 0; t < T; t++) {
              const dst = layer.batchFirst ? (b * T + t) * I : (t * B + b) * I;
              data.set(items[b].subarray(t * I, (t + 1) * I), dst);
            }
          }
          const shape = layer.batchFirst ? [B, T, I] : [T, B, I];
          for (const useLengths of [false, true]) {
            const all = layer.forward({ data, shape }, useLengths ? { lengths } : {});
            const od = all.output.shape[2];
            for (let b = 0; b < B; b++) {
              const T1 = useLengths ? lengths[b] : T;
              // alone: only its own valid steps, batch 1
              const one = layer.forward({ data: items[b].slice(0, T1 * I), shape: layer.batchFirst ? [1, T1, I] : [T1, 1, I] });
              const got = new Float32Array(T1 * od);
              for (let t = 0; t < T1; t++) {
                const src = layer.batchFirst ? (b * T + t) * od : (t * B + b) * od;
                got.set(all.output.data.subarray(src, src + od), t * od);
              }
              expectBitwise(got, one.output.data, `${name} B=${B} lengths=${useLengths} item ${b} output`);
              const P = one.h.shape[2];
              const L = one.h.shape[0];
              const hb = new Float32Array(L * P);
              for (let l = 0; l < L; l++) hb.set(all.h.data.subarray((l * B + b) * P, (l * B + b + 1) * P), l * P);
              expectBitwise(hb, one.h.data, `${name} B=${B} lengths=${useLengths} item ${b} h`);
            }
          }
          if (!layer.bidirectional) {
            // streaming: a batch-B state vs B batch-1 states
            const sb = layer.createState({ batch: B });
            const singles = items.map(() => layer.createState());
            for (let t = 0; t < T; t++) {
              const frame = new Float32Array(B * I);
              items.forEach((it, b) => frame.set(it.subarray(t * I, (t + 1) * I), b * I));
              const yb = layer.step({ data: frame, shape: [B, I] }, sb).data;
              const P = yb.length / B;
              items.forEach((it, b) => {
                const y1 = layer.step({ data: it.slice(t * I, (t + 1) * I), shape: [1, I] }, singles[b]).data;
                expectBitwise(yb.subarray(b * P, (b + 1) * P), y1, `${name} step B=${B} t=${t} item ${b}`);
              });
            }
            sb.dispose();
            singles.forEach((s) => s.dispose());
          }
        }
        layer.dispose();
      }
    });

    it('run-to-run repeatability: same inputs, same bits, also from a fresh layer with the same seed', async () => {
      await ready({ build });
      for (const [name, make] of configs) {
        const a = make();
        const job = jobFor(a, 7);
        const first = runAlone(a, job);
        const again = runAlone(a, job);
        compare(again, first, `${name} same layer`);
        a.dispose();
        const b = make();
        compare(runAlone(b, job), first, `${name} fresh layer`);
        b.dispose();
      }
    });
  });
}

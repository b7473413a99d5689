// Trains the round-trip models of tools/train-roundtrip-task.mjs with wasm-rnn and writes what
// tools/gen_train_roundtrip.py hands to PyTorch:
//   test/fixtures/train/roundtrip-<model>.safetensors  writeSafetensors(model.stateDict()) after
//                                                       the model's steps (metadata: build, losses)
//   test/fixtures/train/optstate-<config>.safetensors   the lstm model trained STEPS steps with each
//                                                       optimizer of OPTIMIZER_CONFIGS: its
//                                                       optimizer.stateDict({ layout: 'torch' })
//   test/fixtures/train/optstate-<config>-weights.safetensors   and its model.stateDict()
//   test/fixtures/train/optstate-batches.json           the configurations, the clip norm and the
//                                                       next two batches (steps STEPS + 1, STEPS + 2)
//
//   npm run build && node tools/train-roundtrip.mjs && /usr/bin/python3 tools/gen_train_roundtrip.py
//
// The simd training build (the scalar one gives the same bits; the relaxed one fuses
// multiply-adds and differs by float32 rounding: test/train/torch-roundtrip.test.ts).
import { writeFileSync } from 'node:fs';
import * as lib from '../dist/src/index.js';
import { Rng } from '../dist/base/random.js';
import { MODELS, OPTIMIZER_CONFIGS, STEPS, batchOf, makeOptimizer, train } from './train-roundtrip-task.mjs';

const OUT = new URL('../test/fixtures/train/', import.meta.url);
const info = await lib.ready({ build: 'simd', training: true });
for (const name of Object.keys(MODELS)) {
  const { model, optimizer, losses } = train(lib, Rng, name);
  const bytes = lib.writeSafetensors(model.stateDict(), { build: info.build, steps: String(STEPS), losses: JSON.stringify(losses) });
  writeFileSync(new URL(`roundtrip-${name}.safetensors`, OUT), bytes);
  console.log(`roundtrip-${name}.safetensors: ${bytes.length} bytes, losses ${losses.map((l) => l.toFixed(6)).join(' ')}`);
  optimizer.dispose();
  model.dispose();
}

const tensorJson = (t) => ({ shape: t.shape, data: Array.from(t.data) });
for (const config of Object.keys(OPTIMIZER_CONFIGS)) {
  const { model, optimizer, losses } = train(lib, Rng, 'lstm', { optimizer: (m) => makeOptimizer(lib, config, m) });
  const meta = { build: info.build, steps: String(STEPS), config: JSON.stringify(OPTIMIZER_CONFIGS[config]), losses: JSON.stringify(losses) };
  writeFileSync(new URL(`optstate-${config}.safetensors`, OUT), lib.writeSafetensors(optimizer.stateDict({ layout: 'torch' }), meta));
  writeFileSync(new URL(`optstate-${config}-weights.safetensors`, OUT), lib.writeSafetensors(model.stateDict(), meta));
  console.log(`optstate-${config}: losses ${losses.map((l) => l.toFixed(6)).join(' ')}`);
  optimizer.dispose();
  model.dispose();
}
writeFileSync(new URL('optstate-batches.json', OUT), JSON.stringify({
  model: 'lstm', steps: STEPS, clipNorm: MODELS.lstm.clipNorm, configs: OPTIMIZER_CONFIGS,
  batches: [batchOf(Rng, 'lstm', STEPS), batchOf(Rng, 'lstm', STEPS + 1)].map((b) => ({ input: tensorJson(b.input), target: tensorJson(b.target) })),
}));

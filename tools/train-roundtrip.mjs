// Trains the round-trip models of tools/train-roundtrip-task.mjs with wasm-rnn and writes what
// tools/gen_train_roundtrip.py hands to PyTorch:
//   test/fixtures/train/roundtrip-<model>.safetensors  writeSafetensors(model.stateDict()) after
//                                                       the model's steps (metadata: build, losses)
//
//   npm run build && node tools/train-roundtrip.mjs && /usr/bin/python3 tools/gen_train_roundtrip.py
//
// The simd training build (the scalar one gives the same bits; the relaxed one fuses
// multiply-adds and differs by float32 rounding: test/train/torch-roundtrip.test.ts).
import { writeFileSync } from 'node:fs';
import * as lib from '../dist/src/index.js';
import { Rng } from '../dist/base/random.js';
import { MODELS, STEPS, train } from './train-roundtrip-task.mjs';

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

// Copies the wasm builds next to the compiled bindings (dist/build), so that the relative URL
// `../build/<name>.wasm` resolves the same from bindings/*.ts (tests) and dist/bindings/*.js.
// Not the build choice's probe (the bindings carry it inlined, bindings/probe-wasm.ts) nor the
// test builds (<name>-ref.wasm, assembly/references.ts).
import { mkdirSync, copyFileSync, readdirSync, rmSync } from 'node:fs';
mkdirSync('dist/build', { recursive: true });
const shipped = (f) => f.endsWith('.wasm') && f !== 'probe.wasm' && !f.endsWith('-ref.wasm');
for (const f of readdirSync('dist/build')) if (!shipped(f)) rmSync(`dist/build/${f}`);
for (const f of readdirSync('build')) if (shipped(f)) copyFileSync(`build/${f}`, `dist/build/${f}`);

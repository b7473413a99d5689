// Copies the wasm builds next to the compiled bindings (dist/build), so that the relative URL
// `../build/<name>.wasm` resolves the same from bindings/*.ts (tests) and dist/bindings/*.js.
// Not the build choice's probe: the bindings carry it inlined (bindings/probe-wasm.ts).
import { mkdirSync, copyFileSync, readdirSync, rmSync } from 'node:fs';
mkdirSync('dist/build', { recursive: true });
rmSync('dist/build/probe.wasm', { force: true });
for (const f of readdirSync('build')) if (f.endsWith('.wasm') && f !== 'probe.wasm') copyFileSync(`build/${f}`, `dist/build/${f}`);

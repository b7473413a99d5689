// Copies the wasm builds next to the compiled bindings (dist/build), so that the relative URL
// `../build/<name>.wasm` resolves the same from bindings/*.ts (tests) and dist/bindings/*.js.
import { mkdirSync, copyFileSync, readdirSync } from 'node:fs';
mkdirSync('dist/build', { recursive: true });
for (const f of readdirSync('build')) if (f.endsWith('.wasm')) copyFileSync(`build/${f}`, `dist/build/${f}`);

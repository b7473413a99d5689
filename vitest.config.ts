import { defineConfig } from 'vitest/config';

// Node 20 runs relaxed SIMD only behind a flag (Node 22+ has it on by default and rejects the
// flag); with it every test covers all three wasm builds.
const major = Number(process.versions.node.split('.')[0]);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    execArgv: major < 22 ? ['--experimental-wasm-relaxed-simd'] : [],
    testTimeout: 120_000,
    pool: 'forks',
  },
});

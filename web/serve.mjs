#!/usr/bin/env node
// Static server of the web demo (npm run demo:web): web/ at /, the built library at /dist/,
// the demo models at /models/ (with /models/list.json listing the .safetensors files there),
// the Silero VAD models of @ricky0123/vad-web (a devDependency) at /vad-models/ (.onnx only).
// Listens on 127.0.0.1 only. PORT=0 picks a free port; the URL is printed.
import { createServer } from 'node:http';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const MOUNTS = [
  ['/dist/', join(ROOT, 'dist')],
  ['/models/', join(ROOT, 'models')],
  ['/vad-models/', join(ROOT, 'node_modules/@ricky0123/vad-web/dist')],
  ['/', join(ROOT, 'web')],
];
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.svg': 'image/svg+xml',
};

export function startServer(port = Number(process.env.PORT ?? 8080)) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/models/list.json') {
      const dir = join(ROOT, 'models');
      const list = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort() : [];
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(list));
      return;
    }
    const [prefix, dir] = MOUNTS.find(([p]) => path.startsWith(p));
    let file = normalize(join(dir, path.slice(prefix.length)));
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    if (prefix === '/vad-models/' && extname(file) !== '.onnx') return void res.writeHead(403).end();
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) return void res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
    res
      .writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' })
      .end(readFileSync(file));
  });
  return new Promise((ok) =>
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address();
      ok({ server, url: `http://127.0.0.1:${addr.port}/` });
    }),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!existsSync(join(ROOT, 'dist/src/index.js'))) {
    console.error('dist/ is missing: run `npm run build` first');
    process.exit(1);
  }
  const { url } = await startServer();
  console.log(`wasm-rnn demo: ${url}  (Ctrl-C to stop)`);
}

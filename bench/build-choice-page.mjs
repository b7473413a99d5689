// One fresh page's ready() timing (bindings/build-choice.ts) for bench/build-choice.mjs: the
// choice ready() reports, as JSON in window.__bench.
const out = {};
try {
  const lib = await import('/dist/src/index.js');
  const t = performance.now();
  const rt = await lib.ready();
  out.readyMs = performance.now() - t;
  out.choice = rt.choice;
  out.crossOriginIsolated = globalThis.crossOriginIsolated;
} catch (e) {
  out.error = String(e?.stack ?? e);
}
window.__bench = JSON.stringify(out);

/**
 * The module resolution hook that wasm-rnn/ort/register installs (node:module registerHooks, or
 * register, which runs it on a thread of its own): the onnxruntime packages resolve to the module
 * Node resolves 'wasm-rnn/ort' to, so that an application's own imports of wasm-rnn and the
 * swapped ones share one wasm runtime. Synchronous, as registerHooks needs.
 */
const ORT = new URL('../../entries/node-ort.js', import.meta.url).href;

/** The specifiers answered with wasm-rnn/ort: the two packages whose API it implements. */
const SWAPPED: ReadonlySet<string> = new Set(['onnxruntime-node', 'onnxruntime-web']);

type Resolved = { url: string; format?: string | null; shortCircuit?: boolean };
type NextResolve = (specifier: string, context: unknown) => Resolved | Promise<Resolved>;

export function resolve(specifier: string, context: unknown, nextResolve: NextResolve): Resolved | Promise<Resolved> {
  if (SWAPPED.has(specifier)) return { url: ORT, format: 'module', shortCircuit: true };
  return nextResolve(specifier, context);
}

/**
 * The wasm runtime: picks a build, instantiates it, and owns its linear memory.
 *
 * Everything that touches wasm memory goes through a WasmRuntime: allocation (a JS-side
 * allocator, see allocator.ts), typed-array views (made fresh against the current buffer, so
 * they are valid after memory.grow), and the kernels (pointers and sizes only), typed and bound
 * once per runtime with the constants they share with the bindings (kernels.ts).
 * Several models share one runtime without interfering: each owns its own blocks.
 */
import { Allocator } from './allocator.js';
import { type KernelConstants, type Kernels, type TrainingKernels, bindKernels } from './kernels.js';
import { RnnError } from '../base/errors.js';
import { nodeBuiltin } from '../base/node-builtin.js';
import type { BuildChoice } from './build-choice.js';
import type { ThreadPool } from './threads.js';

export type { BuildChoice } from './build-choice.js';

export type BuildName = 'relaxed' | 'simd' | 'scalar';

/**
 * The builds, fastest kind first: the order supportedBuilds() lists them in. Where relaxed and
 * simd both validate, ready() times them and takes relaxed only if it is faster (build-choice.ts).
 */
export const BUILD_ORDER: readonly BuildName[] = ['relaxed', 'simd', 'scalar'];

/** Linear memory limit of every build (asconfig.json maximumMemory: 32768 pages = 2 GiB). */
export const MAX_MEMORY_BYTES = 32768 * 65536;

const PAGE = 65536;

// Probe modules for WebAssembly.validate: one function returning a v128 constant (SIMD), and
// one applying f32x4.relaxed_madd (opcode 0xfd 0x105) to three constants (relaxed SIMD).
const V128_CONST = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
const PROBE_HEAD = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00];
const SIMD_PROBE = new Uint8Array([...PROBE_HEAD, 0x0a, 0x16, 0x01, 0x14, 0x00, ...V128_CONST, 0x0b]);
const RELAXED_PROBE = new Uint8Array([
  ...PROBE_HEAD, 0x0a, 0x3d, 0x01, 0x3b, 0x00, ...V128_CONST, ...V128_CONST, ...V128_CONST, 0xfd, 0x85, 0x02, 0x0b,
]);

/** Builds this engine can run, best first. */
export function supportedBuilds(): BuildName[] {
  const out: BuildName[] = [];
  if (safeValidate(RELAXED_PROBE)) out.push('relaxed');
  if (safeValidate(SIMD_PROBE)) out.push('simd');
  out.push('scalar');
  return out;
}

function safeValidate(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

/**
 * Where a build's .wasm file lives next to this module (same relative path in src and dist:
 * `<package>/dist/build/<name>.wasm` once published). Bundlers that understand
 * `new URL('...', import.meta.url)` (Vite, webpack 5, Parcel, esbuild with a file loader) copy the
 * file into their output; see docs/loading.md.
 */
export function buildUrl(build: BuildName, training = false, threads = false): URL {
  return new URL(`../build/${buildFileName(build, training, threads)}`, import.meta.url);
}

/**
 * A build's file name: `<build>.wasm`, `<build>-train.wasm` for its training build
 * (assembly/train.ts), `<build>-threads.wasm` for its threads build (the inference build on an
 * imported shared memory, bindings/threads.ts).
 */
export function buildFileName(build: BuildName, training = false, threads = false): string {
  return `${build}${training ? '-train' : threads ? '-threads' : ''}.wasm`;
}

/**
 * Pages the threads builds declare as their imported memory's minimum (asconfig.json
 * initialMemory; test/threads.test.ts checks the built files): the shared memory made for them
 * starts at this size.
 */
export const THREADS_INITIAL_PAGES = 2;

/** Largest `threads` ready() accepts. */
export const MAX_THREADS = 64;

/** Whether `module` imports its memory (a threads build). */
export function importsMemory(module: WebAssembly.Module): boolean {
  return WebAssembly.Module.imports(module).some((i) => i.kind === 'memory');
}

/**
 * Imports for a new instance of `module` with a memory of its own: a threads build imports its
 * memory (shared, as it declares it), the others make theirs.
 */
export function ownMemoryImports(module: WebAssembly.Module): WebAssembly.Imports {
  if (!importsMemory(module)) return {};
  return { env: { memory: new WebAssembly.Memory({ initial: THREADS_INITIAL_PAGES, maximum: MAX_MEMORY_BYTES / PAGE, shared: true }) } };
}
export interface InstantiateOptions {
  /** Force a build instead of choosing one (no timing). */
  build?: BuildName;
  /**
   * Where the engine validates both `relaxed` and `simd`, ready() times the two for a few
   * milliseconds and keeps `relaxed` only where it is faster (docs/performance.md, "Which build
   * ready() chooses"); the result is kept for later ready() calls in this JS realm and reported as
   * `choice`. `false` skips the timing and takes `simd`. To skip it on later page loads, store
   * `choice` (keyed by the user agent) and pass it as `choice`.
   */
  calibrate?: boolean;
  /**
   * What an earlier ready() on this engine chose (its `choice`, for example stored as JSON):
   * the build and W_hh's panel width are taken from it without timing (`how: 'given'`). Only
   * `build` and `widePanels` are read. A build this engine does not run is ignored (then ready()
   * times as without it). Not with `build`, `module`, `bytes` or `calibrate`.
   */
  choice?: Pick<BuildChoice, 'build' | 'widePanels'>;
  /**
   * A compiled module (edge workers, where compiling bytes at run time is forbidden: import the
   * .wasm as a module and pass it here). Say which one it is with `build` if it is not 'simd'.
   */
  module?: WebAssembly.Module;
  /** The bytes of a build (then `build` says which one they are; default: the probed best). */
  bytes?: BufferSource;
  /**
   * Where each inference build comes from, for entries that carry their own copies
   * (`wasm-rnn/embedded`: their bytes): ready() takes the build it chooses (or `build`) from
   * here instead of fetching it, and times relaxed against simd as it does with the files. A
   * function returns a module or bytes per build name. Not used with `training` or `url`.
   */
  sources?: (build: BuildName) => WebAssembly.Module | BufferSource | undefined;
  /**
   * Where to load the build from. A URL ending in '/' is a folder holding all three builds, and
   * the probed (or forced) build's `<name>.wasm` is taken from it; any other URL is the file
   * itself. Relative strings resolve against the page (document.baseURI / location). `file:` URLs
   * are read from disk. Default: `buildUrl(build)`, next to this module.
   */
  url?: URL | string;
  /**
   * Load the training build (`<name>-train.wasm`: the same kernels plus back-propagation and the
   * optimizers), which train-mode forward / backward and the optimizers need. A page that only
   * runs models does not ship those kernels. `module` / `bytes` must then be a training build.
   */
  training?: boolean;
  /**
   * Threads to run on (default 1): with n > 1, ready() loads the threads build of the chosen
   * build (`<name>-threads.wasm`: its memory is a SharedArrayBuffer) and starts n - 1 workers
   * (Web Workers, or node:worker_threads in Node) that run parts of large computations: the
   * batch rows of a recurrent layer and the rows of its input projection (docs/threads.md). The
   * results are the same bits as with one thread. Needs shared memory (a page must be
   * cross-origin isolated) and workers; not with `training` or the `scalar` build. `module` /
   * `bytes` must then be a threads build.
   */
  threads?: number;
}

export class WasmRuntime {
  readonly build: BuildName;
  /** The kernels, typed (bindings/kernels.ts). */
  readonly exports: Kernels;
  /** Whether this is a training build (ready({ training: true })). */
  readonly isTraining: boolean;
  private readonly trainingExports: TrainingKernels | undefined;
  /** The constants shared with the kernels (cell ids, descriptor slots), read from the build. */
  readonly constants: KernelConstants;
  readonly memory: WebAssembly.Memory;
  /** How ready() chose between relaxed and simd; undefined when there was no choice to make. */
  readonly choice: BuildChoice | undefined;
  /** The worker threads (ready({ threads })); undefined with one thread. */
  threads: ThreadPool | undefined;
  private readonly allocator: Allocator;

  constructor(
    instance: WebAssembly.Instance,
    build: BuildName,
    choice?: BuildChoice,
    /** The compiled build this runtime is an instance of (another instance of it serves the ONNX plans' buffers, plan-arena.ts). */
    readonly module?: WebAssembly.Module,
  ) {
    this.build = build;
    this.choice = choice;
    ({ kernels: this.exports, training: this.trainingExports, constants: this.constants } = bindKernels(instance));
    this.isTraining = this.trainingExports !== undefined;
    this.memory = this.exports.memory;
    const memory = this.memory;
    this.allocator = new Allocator(this.exports.heap_base(), MAX_MEMORY_BYTES, (bytes) => {
      const have = memory.buffer.byteLength;
      if (bytes <= have) return true;
      try {
        memory.grow(Math.ceil((bytes - have) / PAGE));
        return true;
      } catch {
        return false;
      }
    });
  }

  /**
   * The training kernels; NOT_READY naming `what` when this runtime is not a training build
   * (ready({ training: true }) loads one).
   */
  training(what: string): TrainingKernels {
    if (this.trainingExports === undefined) {
      throw new RnnError('NOT_READY', `${what}: training needs the training build; call await ready({ training: true }) before creating the layers you train`);
    }
    return this.trainingExports;
  }

  /**
   * Allocates `bytes` (16-byte aligned). Throws OUT_OF_MEMORY naming `what` if the wasm memory
   * limit does not allow it; nothing is allocated in that case.
   */
  alloc(bytes: number, what = 'buffer'): number {
    const ptr = this.allocator.alloc(bytes);
    if (ptr === 0) {
      throw new RnnError(
        'OUT_OF_MEMORY',
        `${what}: cannot allocate ${bytes} bytes of wasm memory (${this.allocator.bytesInUse} in use, limit ${MAX_MEMORY_BYTES})`,
      );
    }
    return ptr;
  }

  /** Allocates room for `n` float32 values. */
  allocF32(n: number, what?: string): number {
    return this.alloc(n * 4, what);
  }

  free(ptr: number): void {
    if (ptr !== 0) this.allocator.release(ptr);
  }

  /** A Float32Array view of `len` floats at byte address `ptr`, valid until the next memory.grow. */
  f32(ptr: number, len: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, len);
  }

  /** An Int32Array view of `len` ints at byte address `ptr`, valid until the next memory.grow. */
  i32(ptr: number, len: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, len);
  }

  /**
   * `a` itself, or a copy if it is a view of this runtime's memory: call before anything that
   * may grow the memory (an allocation), which would detach such a view (e.g. a step output
   * taken with { view: true } passed on to another layer).
   */
  detachSafe<T extends Float32Array | null>(a: T): T {
    return (a && this.isView(a) ? a.slice() : a) as T;
  }

  /** Whether `a` is a view of this runtime's linear memory (which memory.grow detaches). */
  isView(a: ArrayBufferView): boolean {
    return a.buffer === this.memory.buffer;
  }

  /** Bytes held by live allocations. */
  get bytesInUse(): number {
    return this.allocator.bytesInUse;
  }

  /** First byte past the highest allocation (the heap's footprint in linear memory). */
  get heapTop(): number {
    return this.allocator.heapTop;
  }

  /** Number of live allocations (for leak checks). */
  get liveBlocks(): number {
    return this.allocator.liveBlocks;
  }

  /** Current size of linear memory in bytes. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Threads computations may split over: the main thread and the workers. */
  get threadCount(): number {
    return 1 + (this.threads?.workers ?? 0);
  }
}

/** Resolves the `url` option (see InstantiateOptions.url) to the URL of one build file. */
export function resolveBuildUrl(url: URL | string | undefined, build: BuildName, training = false, threads = false): URL {
  if (url === undefined) return buildUrl(build, training, threads);
  const g = globalThis as { document?: { baseURI?: string }; location?: { href?: string } };
  const base = g.document?.baseURI ?? g.location?.href;
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url, base) : new URL(url.href);
  } catch {
    throw new RnnError('INVALID_OPTION', `ready: url must be an absolute URL here (no page to resolve it against), got ${String(url)}`);
  }
  if (u.pathname.endsWith('/')) u = new URL(buildFileName(build, training, threads), u);
  return u;
}

type Fs = { readFileSync(path: URL): Uint8Array };

// Node's fs (nodeBuiltin: no static import for browser bundlers to resolve), undefined where there
// is no fs (browsers, workers). readFileSync, not fs.promises or the callback readFile: the build
// is one small local file read once, and the first touch of fs.promises (Node 22+) or of libuv's
// thread pool costs milliseconds of a cold start (docs/performance.md, "ready() reads the wasm
// with fs.readFileSync").
async function nodeFs(): Promise<Fs | undefined> {
  const fs = await nodeBuiltin<Fs>('fs');
  return typeof fs?.readFileSync === 'function' ? (fs as Fs) : undefined;
}

/**
 * Compiles the build at `url`: fs for file: URLs where there is one, fetch otherwise (streaming if
 * served as application/wasm), or `fetched`, the response chooseBuild already has for it (never
 * for file: URLs).
 */
async function compileFrom(url: URL, fetched?: Response): Promise<WebAssembly.Module> {
  if (url.protocol === 'file:') {
    const fs = await nodeFs();
    if (fs) return WebAssembly.compile(fs.readFileSync(url) as Uint8Array<ArrayBuffer>);
    // Deno and Bun also fetch file: URLs; browsers and workers do not (the error below says what to do)
  }
  let res: Response;
  try {
    res = fetched ?? (await fetch(url));
  } catch (e) {
    throw new Error(
      `cannot fetch ${url.href} (${(e as Error).message}); pass { url } pointing at a served copy, { bytes }, ` +
        `{ module } (edge workers), or import 'wasm-rnn/embedded' (docs/loading.md)`,
    );
  }
  if (!res.ok) {
    throw new Error(`HTTP ${res.status} for ${url.href}; serve the package's dist/build/*.wasm there or pass { url }, { bytes } or { module } (docs/loading.md)`);
  }
  const type = res.headers.get('content-type') ?? '';
  if (typeof WebAssembly.compileStreaming === 'function' && type.split(';')[0].trim() === 'application/wasm') {
    return WebAssembly.compileStreaming(res);
  }
  return WebAssembly.compile(await res.arrayBuffer());
}

/** compileFrom(url), from the response chooseBuild already requested for that url if there is one. */
async function compileBuild(url: URL, fetched: { url: URL; response: Promise<Response | undefined> } | undefined): Promise<WebAssembly.Module> {
  return compileFrom(url, fetched && fetched.url.href === url.href ? await fetched.response : undefined);
}

/**
 * The choice made earlier in this JS realm (one engine, one CPU): later ready() calls without a
 * build reuse it, so that a training runtime loaded after an inference one is the same build.
 */
let madeChoice: BuildChoice | undefined;

/**
 * The timing chooseBuild runs (build-choice.ts, with its probe inlined as base64: about 4 KB of
 * JS). The entries whose ready() may time (src/core.ts, and so the main, ONNX, Keras and ort
 * entries) import it statically and hand it over as their ready() starts, so that it arrives with
 * their code; one that never times by default (wasm-rnn/vad: relaxed untimed, or the only SIMD
 * build) leaves it out of its pages, and a ready() there that does time (`calibrate: true`)
 * imports it then.
 */
let buildTiming: (() => Promise<BuildChoice>) | undefined;

/** Sets the timing chooseBuild runs (see buildTiming). */
export function useBuildTiming(time: () => Promise<BuildChoice>): void {
  buildTiming = time;
}

/**
 * Chooses between relaxed and simd by speed (build-choice.ts, timed in its probe) when the engine
 * validates both and nothing fixes the build: no `build`, `module` or `bytes`, and `url`, if any,
 * a folder. Returns the choice, and where the builds are fetched over the network, the chosen
 * build's response: both builds are requested before the timing starts, so that the download of
 * the one chosen overlaps the timing instead of following it (the other's is cancelled).
 * Undefined when there is nothing to choose.
 */
async function chooseBuild(
  options: InstantiateOptions, supported: BuildName[], threaded: boolean,
): Promise<{ choice: BuildChoice; fetched?: { url: URL; response: Promise<Response | undefined> } } | undefined> {
  if (options.build !== undefined || options.module !== undefined || options.bytes !== undefined) return undefined;
  if (!supported.includes('relaxed') || !supported.includes('simd')) return undefined;
  const training = options.training === true;
  const fromSources = options.sources !== undefined && !training && options.url === undefined;
  // (no URLs when the builds come from sources: an entry with its own copies may have no usable import.meta.url)
  const urls = fromSources ? undefined : { relaxed: resolveBuildUrl(options.url, 'relaxed', training, threaded), simd: resolveBuildUrl(options.url, 'simd', training, threaded) };
  if (urls && urls.relaxed.href === urls.simd.href) return undefined; // url names one file: that build is used as given
  const given = options.choice;
  if (given !== undefined && supported.includes(given.build)) {
    return { choice: (madeChoice = given.widePanels === undefined ? { build: given.build, how: 'given' } : { build: given.build, how: 'given', widePanels: given.widePanels }) };
  }
  if (madeChoice) return { choice: madeChoice.how === 'calibrate: false' || madeChoice.how === 'given' ? madeChoice : { ...madeChoice, how: 'cached' } };
  if (options.calibrate === false) return { choice: (madeChoice = { build: 'simd', how: 'calibrate: false' }) };
  const responses = urls && urls.relaxed.protocol !== 'file:' && typeof fetch === 'function'
    ? { relaxed: prefetch(urls.relaxed), simd: prefetch(urls.simd) }
    : undefined;
  let choice: BuildChoice;
  try {
    choice = await (buildTiming ?? (await import('./build-choice.js')).timeProbe)();
  } catch {
    choice = { build: 'simd', how: 'untimed' };
  }
  madeChoice = choice;
  if (!responses || !urls) return { choice };
  const other = choice.build === 'relaxed' ? 'simd' : 'relaxed';
  void responses[other].then((r) => r?.body?.cancel().catch(() => undefined));
  return { choice, fetched: { url: urls[choice.build], response: responses[choice.build] } };
}

/** ready({ choice }): an object with `build` 'relaxed' or 'simd' and `widePanels` a boolean if given; alone among the options that fix the build. */
function checkGivenChoice(options: InstantiateOptions): void {
  const c = options.choice as { build?: unknown; widePanels?: unknown } | null;
  if (c === null || typeof c !== 'object' || (c.build !== 'relaxed' && c.build !== 'simd')) {
    throw new RnnError('INVALID_OPTION', `ready: choice must be an earlier ready()'s choice, with build 'relaxed' or 'simd', got ${c === null || typeof c !== 'object' ? String(c) : `build ${String(c.build)}`}`);
  }
  if (c.widePanels !== undefined && typeof c.widePanels !== 'boolean') {
    throw new RnnError('INVALID_OPTION', `ready: choice.widePanels must be true or false, got ${String(c.widePanels)}`);
  }
  const fixed = (['build', 'module', 'bytes', 'calibrate'] as const).filter((k) => options[k] !== undefined);
  if (fixed.length) throw new RnnError('INVALID_OPTION', `ready: choice says which build to load; it cannot be given with ${fixed.join(', ')}`);
}

/** fetch(url), or undefined where it fails (compileFrom then fetches again, and says why it failed). */
function prefetch(url: URL): Promise<Response | undefined> {
  return fetch(url).then((r) => r, () => undefined);
}

/** A build from `sources`: the module itself, or its bytes compiled. */
async function compileSource(source: WebAssembly.Module | BufferSource | undefined, build: BuildName): Promise<WebAssembly.Module> {
  if (source === undefined) throw new Error(`no '${build}' build among the sources`);
  return source instanceof WebAssembly.Module ? source : WebAssembly.compile(source);
}

/** bindings/threads.ts, imported on the first ready({ threads }). */
let threadsModule: Promise<typeof import('./threads.js')> | undefined;

/** Compiles (if needed) and instantiates a build. */
export async function instantiate(options: InstantiateOptions = {}): Promise<WasmRuntime> {
  const supported = supportedBuilds();
  let build = options.build;
  if (build !== undefined && !BUILD_ORDER.includes(build)) {
    throw new RnnError('INVALID_OPTION', `ready: build must be one of ${BUILD_ORDER.join(', ')}, got ${String(build)}`);
  }
  if (build !== undefined && !supported.includes(build) && !options.module) {
    throw new RnnError('UNSUPPORTED', `ready: this engine cannot run the '${build}' build (supported: ${supported.join(', ')})`);
  }
  if (options.module !== undefined && !(options.module instanceof WebAssembly.Module)) {
    throw new RnnError('INVALID_OPTION', `ready: module must be a WebAssembly.Module`);
  }
  if (options.sources !== undefined && typeof options.sources !== 'function') {
    throw new RnnError('INVALID_OPTION', `ready: sources must be a function from a build name to its module or bytes`);
  }
  if (options.calibrate !== undefined && typeof options.calibrate !== 'boolean') {
    throw new RnnError('INVALID_OPTION', `ready: calibrate must be true or false, got ${String(options.calibrate)}`);
  }
  if (options.choice !== undefined) checkGivenChoice(options);
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new RnnError('INVALID_OPTION', `ready: threads must be an integer from 1 to ${MAX_THREADS}, got ${String(options.threads)}`);
  }
  const threaded = threads > 1;
  if (threaded) {
    // the pool's code (and its checks) load only here: a page without threads does not fetch them
    threadsModule ??= import('./threads.js');
    const refusal = await (await threadsModule).threadsRefusal(options, supported.includes('simd'));
    if (refusal) throw refusal;
  }
  const chosen = await chooseBuild(options, supported, threaded);
  build ??= chosen ? chosen.choice.build : options.module ? 'simd' : supported[0];
  try {
    let module = options.module;
    if (!module) {
      module = options.bytes !== undefined
        ? await WebAssembly.compile(options.bytes)
        : options.sources !== undefined && options.training !== true && options.url === undefined
          ? await compileSource(options.sources(build), build)
          : await compileBuild(resolveBuildUrl(options.url, build, options.training === true, threaded), chosen?.fetched);
    }
    if (threaded && !importsMemory(module)) throw (await threadsModule!).notThreadsBuild();
    // a threads build imports its memory: a shared one, made here
    const instance = await WebAssembly.instantiate(module, ownMemoryImports(module));
    const rt = new WasmRuntime(instance, build, chosen?.choice, module);
    // W_hh's panel width as timed in this realm (build-choice.ts); an instance starts 32-wide
    const widePanels = (chosen?.choice ?? madeChoice)?.widePanels !== false;
    if (!widePanels) rt.exports.set_wide_panels(0);
    if (options.training === true && !rt.isTraining) {
      throw new RnnError('INVALID_OPTION', `ready: { training: true } needs a training build (<name>-train.wasm); the module given is an inference build`);
    }
    if (threaded) {
      rt.threads = await (await threadsModule!).ThreadPool.start({
        module, memory: rt.memory,
        alloc: (bytes, what) => rt.alloc(bytes, what),
        scratchBytes: rt.exports.thread_scratch_size(),
        relaxedDot: rt.exports.qd8_relaxed_dot(),
        widePanels,
      }, threads - 1);
    }
    return rt;
  } catch (e) {
    if (e instanceof RnnError) throw e;
    throw new RnnError('WASM_LOAD_FAILED', `ready: could not load the '${build}' build: ${(e as Error).message}`);
  }
}

let current: WasmRuntime | undefined;
let pending: Promise<WasmRuntime> | undefined;

/**
 * Loads the wasm once (later calls return the same runtime unless options force another build).
 */
export function ready(options?: InstantiateOptions): Promise<WasmRuntime> {
  if (options && (options.build || options.module || options.bytes || options.url || options.training || options.threads !== undefined)) {
    const sameBuild = options.build === undefined ? options.training === true || options.threads !== undefined : current?.build === options.build;
    const sameThreads = current !== undefined && current.threadCount === (options.threads ?? 1);
    if (current && sameBuild && sameThreads && (!options.training || current.isTraining) && !options.module && !options.bytes && !options.url) {
      return Promise.resolve(current);
    }
    return load(options);
  }
  if (current) return Promise.resolve(current);
  return pending ?? load(options);
}

/** instantiate(options) as the pending load; a load that fails is forgotten, so that a later ready() tries again. */
function load(options: InstantiateOptions | undefined): Promise<WasmRuntime> {
  const p = instantiate(options).then((rt) => (current = rt));
  pending = p;
  p.catch(() => {
    if (pending === p) pending = undefined;
  });
  return p;
}

/** The runtime ready() made; throws NOT_READY before that. */
export function runtime(): WasmRuntime {
  if (!current) throw new RnnError('NOT_READY', 'call and await ready() before creating or running models');
  return current;
}

/**
 * The runtime ready() made, or undefined before that: for code with a JS fallback (ONNX nodes
 * that pack their weights into wasm memory when the runtime is there, else run in JS).
 */
export function loadedRuntime(): WasmRuntime | undefined {
  return current;
}

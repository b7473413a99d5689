/**
 * Worker threads for the threads builds (`<build>-threads.wasm`: the same kernels on an imported
 * shared memory). ready({ threads: n }) starts n - 1 workers; each instantiates the runtime's
 * module on the runtime's memory, points its kernels at a scratch block of its own
 * (assembly/scratch.ts) and then only runs kernel calls the main thread writes for it. The
 * workers hold no JS state of the library: a job is a list of kernel calls (an export and its
 * integer arguments), the same calls the main thread would make, on memory the main thread
 * allocated. So the bindings stay the one owner of linear memory, and a split computation gives
 * the same bits as the whole (the kernels compute every row independently of how many rows a call
 * has: docs/threads.md).
 *
 * The protocol, per worker, in a control block of linear memory (Int32 words):
 *   [POSTED] job number the main thread posted, [DONE] last job number finished,
 *   [FAILED] nonzero when a call threw, [CALLS] calls in the job, then the calls:
 *   kernel index (THREAD_KERNELS), argument count, the arguments.
 * The main thread writes a job, stores POSTED and notifies; the worker spins briefly, then waits
 * (Atomics.wait) for POSTED to change, runs the calls, stores DONE and notifies. The main thread
 * does its own share meanwhile and then waits for DONE: with Atomics.wait where it may block
 * (Node, workers), by spinning where it may not (a page's main thread).
 */
import { RnnError } from '../base/errors.js';
import { nodeBuiltin } from '../base/node-builtin.js';

/** The kernels a worker runs: the parts of a split computation (bindings/recurrent-run.ts). */
export const THREAD_KERNELS = [
  'f32_gemm',
  'qd8_f32_qc8w_gemm',
  'lstm_recurrence',
  'gru_recurrence',
  'rnn_tanh_recurrence',
  'rnn_relu_recurrence',
] as const;
export type ThreadKernel = (typeof THREAD_KERNELS)[number];

const POSTED = 0;
const DONE = 1;
const FAILED = 2;
const CALLS = 3;
const HEADER = 4;
/** Words of a control block: the header and up to 252 words of calls. */
export const CONTROL_WORDS = 256;
/** Spins (Atomics.load) before a wait blocks: about 20-50 us, the gap between two jobs of one run. */
const SPINS = 4000;

/**
 * The worker's whole program, run from source (a Blob URL for a Web Worker, `eval` for
 * node:worker_threads in Node, Deno and Bun; `nodeWorker` says which, since Bun's node workers
 * define `self` too), so that it needs no file of its own next to the bundles: it receives
 * { module, memory, control, scratch, kernels, relaxedDot, widePanels }, answers 'ready' (or an error
 * message) and then serves jobs for as long as the realm lives.
 */
const workerSource = (nodeWorker: boolean) => `
const serve = (msg, reply) => {
  let ex, ctl;
  try {
    ex = new WebAssembly.Instance(msg.module, { env: { memory: msg.memory } }).exports;
    ex.use_thread_scratch(msg.scratch);
    if (msg.relaxedDot >= 0) ex.qd8_set_relaxed_dot(msg.relaxedDot);
    if (!msg.widePanels) ex.set_wide_panels(0);
    ctl = new Int32Array(msg.memory.buffer, msg.control, ${CONTROL_WORDS});
  } catch (e) {
    reply(String(e && e.message || e));
    return;
  }
  const fns = msg.kernels.map((k) => ex[k]);
  reply('ready');
  let seen = 0;
  for (;;) {
    for (let spins = 0; Atomics.load(ctl, ${POSTED}) === seen; spins++) {
      if (spins > ${SPINS}) Atomics.wait(ctl, ${POSTED}, seen);
    }
    seen = Atomics.load(ctl, ${POSTED});
    try {
      for (let i = 0, p = ${HEADER}, n = ctl[${CALLS}]; i < n; i++) {
        const argc = ctl[p + 1];
        fns[ctl[p]](...ctl.subarray(p + 2, p + 2 + argc));
        p += 2 + argc;
      }
    } catch (e) {
      Atomics.store(ctl, ${FAILED}, 1);
    }
    Atomics.store(ctl, ${DONE}, seen);
    Atomics.notify(ctl, ${DONE});
  }
};
if (${nodeWorker}) {
  // node:worker_threads: the source runs as a script or as a module (it follows the parent's
  // --input-type), so no require and no static import
  const gb = globalThis.process && process.getBuiltinModule;
  (gb ? Promise.resolve(gb('node:worker_threads')) : import('node:worker_threads')).then(({ parentPort }) => {
    parentPort.once('message', (msg) => serve(msg, (m) => parentPort.postMessage(m)));
  });
} else {
  self.onmessage = (e) => serve(e.data, (m) => self.postMessage(m));
}
`;

/** A started worker, as the two kinds of Worker both offer it. */
interface AnyWorker {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

/** Whether this thread may block in Atomics.wait (not a page's main thread). */
function mayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why ready({ threads: n > 1 }) with these options cannot run (an RnnError to throw), or
 * undefined: threads run the inference builds with SIMD (relaxed or simd), from files or given
 * modules (not an entry's embedded copies), where there is shared memory and workers.
 */
export async function threadsRefusal(
  options: { threads?: number; training?: boolean; build?: string; sources?: unknown; url?: unknown; module?: unknown; bytes?: unknown },
  hasSimd: boolean,
): Promise<RnnError | undefined> {
  const refuse = (why: string) => new RnnError('UNSUPPORTED', `ready: cannot run ${options.threads} threads: ${why}`);
  if (options.training === true) return refuse('threads run inference builds only; train with { threads: 1 }');
  if (options.build === 'scalar') return refuse("the 'scalar' build has no threads build (threads need relaxed or simd)");
  const given = options.module !== undefined || options.bytes !== undefined;
  if (options.sources !== undefined && options.url === undefined && !given) {
    return refuse('this entry carries no threads builds (wasm-rnn/embedded); import the main entry, which loads <build>-threads.wasm');
  }
  if (!hasSimd && !given) return refuse('threads need wasm SIMD, which this engine lacks');
  const why = await threadsUnavailable();
  return why === undefined ? undefined : refuse(why);
}

/** The error for a module given with threads that is not a threads build. */
export function notThreadsBuild(): RnnError {
  return new RnnError('INVALID_OPTION', 'ready: with threads, module / bytes / url must be a threads build (<name>-threads.wasm, which imports a shared memory); this one has its own memory');
}

/**
 * Why this realm cannot run threads, or undefined when it can: it needs shared memory (a page
 * must be cross-origin isolated) and Workers (a Web Worker or Node's worker_threads).
 */
async function threadsUnavailable(): Promise<string | undefined> {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') {
    return 'this JS realm has no SharedArrayBuffer (a page must be cross-origin isolated: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (isolated === false) return 'the page is not cross-origin isolated, so wasm memory cannot be shared with workers (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  if ((await nodeBuiltin<{ Worker: unknown }>('worker_threads'))?.Worker) return undefined;
  if (typeof Worker === 'function' && typeof Blob === 'function' && typeof URL?.createObjectURL === 'function') return undefined;
  return 'this JS realm can start no workers (neither Web Workers nor node:worker_threads)';
}

/** What a pool needs of the runtime it serves. */
export interface PoolHost {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  alloc(bytes: number, what: string): number;
  /** Bytes of a worker's kernel scratch (thread_scratch_size). */
  scratchBytes: number;
  /** The main instance's relaxed-dot probe result (qd8_relaxed_dot), handed to every worker. */
  relaxedDot: number;
  /** The main instance's W_hh panel width choice (set_wide_panels): workers read panels as it packed them. */
  widePanels: boolean;
}

/**
 * The workers of a threaded runtime and their control blocks. `workers` is the count of workers
 * (the main thread is the other thread). Jobs: add() calls to some workers, start() them, do the
 * main thread's share, wait().
 */
export class ThreadPool {
  private readonly control: Int32Array[];
  /** Next free word of each worker's job being written. */
  private readonly cursor: number[];
  private readonly started: boolean[];
  private posted = 0;
  private readonly block: boolean = mayBlock();

  private constructor(
    private readonly handles: AnyWorker[],
    control: Int32Array[],
  ) {
    this.control = control;
    this.cursor = control.map(() => HEADER);
    this.started = control.map(() => false);
  }

  get workers(): number {
    return this.handles.length;
  }

  /** Jobs posted so far (each start() with work for some worker). */
  get jobsPosted(): number {
    return this.posted;
  }

  /** Starts `count` workers on `host`'s module and memory; resolves once every one is serving. */
  static async start(host: PoolHost, count: number): Promise<ThreadPool> {
    // node:worker_threads where there is one (Node, Deno, Bun: its workers can be unref'd, so an
    // idle pool does not keep the process alive), else Web Workers
    const node = await nodeBuiltin<{ Worker: new (src: string, o: { eval: boolean }) => AnyWorker & { unref(): void; once(e: string, f: (x: unknown) => void): void } }>('worker_threads');
    const unref: (() => void)[] = [];
    const handles: AnyWorker[] = [];
    const control: Int32Array[] = [];
    try {
      const waits: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        const ctlPtr = host.alloc(CONTROL_WORDS * 4, 'thread control block');
        const scratch = host.alloc(host.scratchBytes, 'thread scratch');
        control.push(new Int32Array(host.memory.buffer, ctlPtr, CONTROL_WORDS));
        const message = { module: host.module, memory: host.memory, control: ctlPtr, scratch, kernels: THREAD_KERNELS, relaxedDot: host.relaxedDot, widePanels: host.widePanels };
        if (node?.Worker) {
          const w = new node.Worker(workerSource(true), { eval: true });
          unref.push(() => w.unref()); // once it serves: a process waiting for its answer stays alive
          handles.push(w);
          waits.push(new Promise((ok, fail) => {
            w.once('message', (m) => (m === 'ready' ? ok() : fail(new Error(String(m)))));
            w.once('error', (e) => fail(e as Error));
          }));
          w.postMessage(message);
        } else {
          const url = URL.createObjectURL(new Blob([workerSource(false)], { type: 'text/javascript' }));
          const w = new Worker(url, { type: 'module' });
          handles.push(w);
          // the URL lives until the worker answers: some engines (Bun) fetch it asynchronously
          waits.push(new Promise<void>((ok, fail) => {
            w.onmessage = (e: MessageEvent) => (e.data === 'ready' ? ok() : fail(new Error(String(e.data))));
            w.onerror = (e: ErrorEvent) => fail(new Error(e.message || 'worker failed to start'));
          }).finally(() => URL.revokeObjectURL(url)));
          w.postMessage(message);
        }
      }
      await Promise.all(waits);
      for (const u of unref) u();
    } catch (e) {
      for (const h of handles) h.terminate();
      throw new RnnError('WASM_LOAD_FAILED', `ready: could not start ${count} worker thread(s): ${(e as Error).message}`);
    }
    return new ThreadPool(handles, control);
  }

  /** Appends a call of `kernel` with `args` to worker w's next job. */
  add(w: number, kernel: ThreadKernel, args: ArrayLike<number>): void {
    const ctl = this.control[w];
    const at = this.cursor[w];
    if (at + 2 + args.length > CONTROL_WORDS) throw new RnnError('THREAD_FAILED', `the job of worker thread ${w} exceeds ${CONTROL_WORDS} words`);
    ctl[at] = THREAD_KERNELS.indexOf(kernel);
    ctl[at + 1] = args.length;
    for (let i = 0; i < args.length; i++) ctl[at + 2 + i] = args[i];
    ctl[CALLS]++;
    this.cursor[w] = at + 2 + args.length;
  }

  /** Posts every worker's job written since the last start(). */
  start(): void {
    if (this.control.every((ctl) => ctl[CALLS] === 0)) return;
    this.posted++;
    for (let w = 0; w < this.control.length; w++) {
      if (this.control[w][CALLS] === 0) continue;
      this.started[w] = true;
      Atomics.store(this.control[w], POSTED, this.posted);
      Atomics.notify(this.control[w], POSTED);
    }
  }

  /** Waits for the jobs start() posted; THREAD_FAILED if a call threw in a worker. */
  wait(): void {
    let failed = false;
    for (let w = 0; w < this.control.length; w++) {
      if (!this.started[w]) continue;
      const ctl = this.control[w];
      for (let spins = 0; Atomics.load(ctl, DONE) !== this.posted; spins++) {
        if (this.block && spins > SPINS) Atomics.wait(ctl, DONE, Atomics.load(ctl, DONE), 10);
      }
      if (ctl[FAILED] !== 0) failed = true;
      ctl[FAILED] = 0;
      ctl[CALLS] = 0;
      this.cursor[w] = HEADER;
      this.started[w] = false;
    }
    if (failed) throw new RnnError('THREAD_FAILED', 'a kernel call threw in a worker thread (its inputs had passed the bindings\' checks: please report this)');
  }
}

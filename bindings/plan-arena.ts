/**
 * The wasm memory the ONNX importer's static plans (src/onnx/static-plan.ts) keep their value
 * buffers in, and the elementwise kernels that run on it.
 *
 * A plan's buffers are typed-array views, read and written by JS operators, by the packed convs
 * and recurrences (which copy them in and out of their own workspaces), and, once they live in wasm
 * memory, by wasm SIMD loops in place: Relu, Neg, Abs, Sqrt, Pow 2 and Add / Sub / Mul / Div with
 * operands of one shape or one scalar (f32-vunary-exact.ts, f32-vbinary.ts; the same bits as the
 * JS loops), and long runs of the copying operators (copyWithin, a memmove).
 *
 * Why a memory of its own: a view of wasm memory is detached when the memory grows, and the
 * runtime's memory grows whenever a packed operator allocates its workspace, which can happen in
 * the middle of a run (the first call of a shape, a branch taken for the first time) while the
 * operator holds views of its inputs and outputs. The arena is a second instance of the runtime's
 * build (its own linear memory, the same kernels) that nothing but the plans allocates in, and
 * only when a plan is compiled, which is before that plan's run: a plan checks at the start of
 * every run whether the arena grew since it made its views (another plan was compiled) and makes
 * them again if it did (StaticPlan.refresh).
 */
import { WasmRuntime, ownMemoryImports } from './wasm.js';

/** Each runtime's arena. */
const arenaOfRuntime = new WeakMap<WasmRuntime, WasmRuntime>();
/** The arena of each memory buffer views were made of (registered by arenaViews). */
const arenaOfBuffer = new WeakMap<ArrayBuffer, WasmRuntime>();

/**
 * The arena of runtime `rt` (made on first use: a synchronous instantiation of its compiled build),
 * or undefined when `rt` has no module to instantiate again or the engine refuses to (the plans
 * then keep their buffers in an ArrayBuffer).
 */
export function planArena(rt: WasmRuntime): WasmRuntime | undefined {
  let arena = arenaOfRuntime.get(rt);
  if (arena === undefined && rt.module !== undefined) {
    try {
      // a memory of its own (a threads build: a second shared memory, used by the main thread only)
      arena = new WasmRuntime(new WebAssembly.Instance(rt.module, ownMemoryImports(rt.module)), rt.build);
    } catch {
      return undefined;
    }
    arenaOfRuntime.set(rt, arena);
  }
  return arena;
}

/** The arena's memory buffer, to make views of: the elementwise calls below recognise them. */
export function arenaViews(arena: WasmRuntime): ArrayBuffer {
  const buffer = arena.memory.buffer;
  arenaOfBuffer.set(buffer, arena);
  return buffer;
}

/** The arena whose memory `a` is a view of, if any. */
function arenaOf(a: ArrayBufferView): WasmRuntime | undefined {
  const arena = arenaOfBuffer.get(a.buffer as ArrayBuffer);
  return arena !== undefined && arena.memory.buffer === a.buffer ? arena : undefined;
}

/** Operators of f32_vunary_exact. */
export type ExactUnary = 'VUNARY_RELU' | 'VUNARY_NEG' | 'VUNARY_ABS' | 'VUNARY_SQRT' | 'VUNARY_SQUARE';
/** Operators of f32_vbinary / f32_vbinary_scalar. */
export type ExactBinary = 'VBINARY_ADD' | 'VBINARY_SUB' | 'VBINARY_MUL' | 'VBINARY_DIV' | 'VBINARY_MAX' | 'VBINARY_MIN' | 'VBINARY_PRELU';

/** y = op(x) in wasm when both are views of one arena (then true); false: the caller's JS loop does it. */
export function arenaUnary(op: ExactUnary, x: Float32Array, y: Float32Array): boolean {
  const arena = arenaOf(y);
  if (arena === undefined || x.buffer !== y.buffer || x.length !== y.length) return false;
  arena.exports.f32_vunary_exact(arena.constants[op], y.byteOffset, x.byteOffset, y.length);
  return true;
}

/**
 * MaxPool of `planes` float32 planes [ih, iw] -> [oh, ow] in wasm when x and y are views of one
 * arena (then true): windows kh x kw at strides sh x sw, each inside its plane.
 */
export function arenaMaxPool2d(x: Float32Array, y: Float32Array, planes: number, ih: number, iw: number, kh: number, kw: number, sh: number, sw: number, oh: number, ow: number): boolean {
  const arena = arenaOf(y);
  if (arena === undefined || x.buffer !== y.buffer) return false;
  arena.exports.f32_maxpool2d(y.byteOffset, x.byteOffset, planes, ih, iw, kh, kw, sh, sw, oh, ow);
  return true;
}

/**
 * y = Log(x) (float32 of Math.log's value) in wasm when both are views of one arena (then true):
 * f32_vlog writes every element whose rounding it is sure of and leaves the others (zero,
 * negative, subnormal, inf and NaN inputs, and results next to a float32 rounding tie) to
 * Math.log here, so the result has the JS loop's bits.
 */
export function arenaLog(x: Float32Array, y: Float32Array): boolean {
  const arena = arenaOf(y);
  if (arena === undefined || x.buffer !== y.buffer || x.length !== y.length) return false;
  const vlog = arena.exports.f32_vlog;
  const n = y.length;
  for (let i = 0; i < n; i++) {
    i += vlog(y.byteOffset + 4 * i, x.byteOffset + 4 * i, n - i);
    if (i < n) y[i] = Math.log(x[i]);
  }
  return true;
}

/** z = x op y elementwise in wasm when all three are views of one arena (then true). */
export function arenaBinary(op: ExactBinary, x: Float32Array, y: Float32Array, z: Float32Array): boolean {
  const arena = arenaOf(z);
  if (arena === undefined || x.buffer !== z.buffer || y.buffer !== z.buffer || x.length !== z.length || y.length !== z.length) return false;
  arena.exports.f32_vbinary(arena.constants[op], z.byteOffset, x.byteOffset, y.byteOffset, z.length);
  return true;
}

/** z = s op x (scalarFirst) or x op s in wasm when x and z are views of one arena (then true). */
export function arenaBinaryScalar(op: ExactBinary, x: Float32Array, s: number, z: Float32Array, scalarFirst: boolean): boolean {
  const arena = arenaOf(z);
  if (arena === undefined || x.buffer !== z.buffer || x.length !== z.length) return false;
  arena.exports.f32_vbinary_scalar(arena.constants[op], z.byteOffset, x.byteOffset, s, scalarFirst ? 1 : 0, z.length);
  return true;
}

/** Views of each arena's whole memory, for copyWithin (remade when the memory grows). */
const wholeViews = new WeakMap<ArrayBufferLike, Float32Array>();

/**
 * dst[to .. to + len) = src[from .. from + len) as one memmove when both are views of one arena
 * (then true); the runs must not overlap unless src is dst.
 */
export function arenaCopy(src: Float32Array, from: number, dst: Float32Array, to: number, len: number): boolean {
  if (src.buffer !== dst.buffer || arenaOf(dst) === undefined) return false;
  let all = wholeViews.get(dst.buffer);
  if (all === undefined) wholeViews.set(dst.buffer, (all = new Float32Array(dst.buffer)));
  const s = (src.byteOffset >> 2) + from;
  all.copyWithin((dst.byteOffset >> 2) + to, s, s + len);
  return true;
}

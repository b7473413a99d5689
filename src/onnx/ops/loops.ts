/**
 * Float32 loops of the hot elementwise operators, one loop per operator.
 *
 * A loop shared by several operators that calls the element function through a parameter
 * (`dst[i] = f(src[i])`) makes that call site megamorphic: V8 cannot inline `f`, and each element
 * costs a call (10-50 ns measured here on Silero VAD's 500-3000-element tensors). Each loop below
 * is its own function literal, so its arithmetic is inlined (about 1 ns an element). The math
 * is the same as the generic paths: float64 arithmetic on float32 values, rounded once when
 * stored.
 *
 * On a static plan's buffers in wasm memory (bindings/plan-arena.ts), Relu, Neg, Abs, Sqrt, Pow 2,
 * Log and Add / Sub / Mul / Div of one shape or with one scalar run as wasm SIMD loops instead,
 * which give the same bits (their float32 results are the float64 ones rounded once; Log's
 * kernel leaves the elements whose rounding it cannot vouch for to Math.log).
 */
import { sameShape } from '../values.js';
import { broadcastIndex } from './util.js';
import { arenaBinary, arenaBinaryScalar, arenaLog, arenaUnary, type ExactBinary } from '../../../bindings/plan-arena.js';

/** Unary loops by ONNX operator name; operators not listed take the generic path. */
export const UNARY_F32_LOOPS: Record<string, (src: Float32Array, dst: Float32Array) => void> = {
  // max(0, x) with -0 -> +0 and NaN kept
  Relu: (src, dst) => {
    if (arenaUnary('VUNARY_RELU', src, dst)) return;
    for (let i = 0; i < src.length; i++) {
      const x = src[i];
      dst[i] = x > 0 || x !== x ? x : 0;
    }
  },
  Sqrt: (src, dst) => {
    if (arenaUnary('VUNARY_SQRT', src, dst)) return;
    for (let i = 0; i < src.length; i++) dst[i] = Math.sqrt(src[i]);
  },
  Log: (src, dst) => {
    if (arenaLog(src, dst)) return;
    for (let i = 0; i < src.length; i++) dst[i] = Math.log(src[i]);
  },
  Exp: (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = Math.exp(src[i]);
  },
  Neg: (src, dst) => {
    if (arenaUnary('VUNARY_NEG', src, dst)) return;
    for (let i = 0; i < src.length; i++) dst[i] = -src[i];
  },
  Abs: (src, dst) => {
    if (arenaUnary('VUNARY_ABS', src, dst)) return;
    for (let i = 0; i < src.length; i++) dst[i] = Math.abs(src[i]);
  },
  Tanh: (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = Math.tanh(src[i]);
  },
  Sigmoid: (src, dst) => {
    for (let i = 0; i < src.length; i++) {
      const x = src[i];
      dst[i] = x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }
  },
};

export type BinaryF32 = 'Add' | 'Sub' | 'Mul' | 'Div';

const EXACT_BINARY: Record<BinaryF32, ExactBinary> = { Add: 'VBINARY_ADD', Sub: 'VBINARY_SUB', Mul: 'VBINARY_MUL', Div: 'VBINARY_DIV' };

/**
 * z = x op y for float32 data. Without index arrays x, y and z have the same length; with them,
 * element o reads x[ia[o]] and y[ib[o]] (broadcasting).
 */
export function binaryF32(op: BinaryF32, x: Float32Array, y: Float32Array, z: Float32Array, ia?: Int32Array, ib?: Int32Array): void {
  const n = z.length;
  if (ia === undefined || ib === undefined) {
    if (arenaBinary(EXACT_BINARY[op], x, y, z)) return;
    switch (op) {
      case 'Add': for (let i = 0; i < n; i++) z[i] = x[i] + y[i]; return;
      case 'Sub': for (let i = 0; i < n; i++) z[i] = x[i] - y[i]; return;
      case 'Mul': for (let i = 0; i < n; i++) z[i] = x[i] * y[i]; return;
      case 'Div': for (let i = 0; i < n; i++) z[i] = x[i] / y[i]; return;
    }
  }
  switch (op) {
    case 'Add': for (let i = 0; i < n; i++) z[i] = x[ia[i]] + y[ib[i]]; return;
    case 'Sub': for (let i = 0; i < n; i++) z[i] = x[ia[i]] - y[ib[i]]; return;
    case 'Mul': for (let i = 0; i < n; i++) z[i] = x[ia[i]] * y[ib[i]]; return;
    case 'Div': for (let i = 0; i < n; i++) z[i] = x[ia[i]] / y[ib[i]]; return;
  }
}

/**
 * x op y where y holds one element (broadcast to x's shape, `yFirst` false) or x does (`yFirst`
 * true: y op x with the scalar first): no index arrays, the scalar read once. The same float64
 * arithmetic rounded to float32 as binaryF32, so the same bits.
 */
export function binaryScalarF32(op: BinaryF32, x: Float32Array, scalar: number, z: Float32Array, scalarFirst: boolean): void {
  const n = z.length;
  const s = scalar;
  // (a scalar that is not a float32 value would give other bits in float32 arithmetic)
  if (Math.fround(s) === s && arenaBinaryScalar(EXACT_BINARY[op], x, s, z, scalarFirst)) return;
  if (scalarFirst) {
    switch (op) {
      case 'Add': for (let i = 0; i < n; i++) z[i] = s + x[i]; return;
      case 'Sub': for (let i = 0; i < n; i++) z[i] = s - x[i]; return;
      case 'Mul': for (let i = 0; i < n; i++) z[i] = s * x[i]; return;
      case 'Div': for (let i = 0; i < n; i++) z[i] = s / x[i]; return;
    }
  }
  switch (op) {
    case 'Add': for (let i = 0; i < n; i++) z[i] = x[i] + s; return;
    case 'Sub': for (let i = 0; i < n; i++) z[i] = x[i] - s; return;
    case 'Mul': for (let i = 0; i < n; i++) z[i] = x[i] * s; return;
    case 'Div': for (let i = 0; i < n; i++) z[i] = x[i] / s; return;
  }
}

/**
 * broadcastIndex(shape, out) remembered for the last pair of shapes: a stream of same-shape calls
 * computes the index array once.
 */
export class IndexCache {
  private shape: readonly number[] = [];
  private out: readonly number[] = [];
  private index: Int32Array | undefined;

  get(shape: readonly number[], out: readonly number[]): Int32Array {
    if (this.index === undefined || !sameShape(shape, this.shape) || !sameShape(out, this.out)) {
      this.index = broadcastIndex(shape, out);
      this.shape = shape.slice();
      this.out = out.slice();
    }
    return this.index;
  }
}

/** The index arrays of two operands broadcast to one output (see IndexCache). */
export class BroadcastCache {
  private readonly a = new IndexCache();
  private readonly b = new IndexCache();

  get(a: readonly number[], b: readonly number[], out: readonly number[]): [Int32Array, Int32Array] {
    return [this.a.get(a, out), this.b.get(b, out)];
  }
}

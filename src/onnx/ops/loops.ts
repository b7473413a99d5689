/**
 * Float32 loops of the hot elementwise operators, one loop per operator.
 *
 * A loop shared by several operators that calls the element function through a parameter
 * (`dst[i] = f(src[i])`) makes that call site megamorphic: V8 cannot inline `f`, and each element
 * costs a call (10-50 ns measured here on Silero VAD's 500-3000-element tensors). Each loop below
 * is its own function literal, so its arithmetic is inlined (about 1 ns an element). The math
 * is the same as the generic paths: float64 arithmetic on float32 values, rounded once when
 * stored.
 */

/** Unary loops by ONNX operator name; operators not listed take the generic path. */
export const UNARY_F32_LOOPS: Record<string, (src: Float32Array, dst: Float32Array) => void> = {
  // max(0, x) with -0 -> +0 and NaN kept
  Relu: (src, dst) => {
    for (let i = 0; i < src.length; i++) {
      const x = src[i];
      dst[i] = x > 0 ? x : x === 0 || x < 0 ? 0 : x;
    }
  },
  Sqrt: (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = Math.sqrt(src[i]);
  },
  Log: (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = Math.log(src[i]);
  },
  Exp: (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = Math.exp(src[i]);
  },
  Neg: (src, dst) => {
    for (let i = 0; i < src.length; i++) dst[i] = -src[i];
  },
  Abs: (src, dst) => {
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

/**
 * z = x op y for float32 data. Without index arrays x, y and z have the same length; with them,
 * element o reads x[ia[o]] and y[ib[o]] (broadcasting).
 */
export function binaryF32(op: BinaryF32, x: Float32Array, y: Float32Array, z: Float32Array, ia?: Int32Array, ib?: Int32Array): void {
  const n = z.length;
  if (ia === undefined || ib === undefined) {
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
 * Index arrays of two operands broadcast to one output, remembered for the last pair of input
 * shapes (a stream of same-shape calls computes them once).
 */
export class BroadcastCache {
  private aShape: readonly number[] = [];
  private bShape: readonly number[] = [];
  private ia: Int32Array | undefined;
  private ib: Int32Array | undefined;

  get(a: readonly number[], b: readonly number[], out: readonly number[], index: (s: readonly number[], out: readonly number[]) => Int32Array): [Int32Array, Int32Array] {
    if (this.ia === undefined || !same(a, this.aShape) || !same(b, this.bShape)) {
      this.ia = index(a, out);
      this.ib = index(b, out);
      this.aShape = a.slice();
      this.bShape = b.slice();
    }
    return [this.ia, this.ib!];
  }
}

export function same(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

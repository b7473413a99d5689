/**
 * Elementwise arithmetic: unary math and activations, Pow, the variadic Min / Max / Sum / Mean,
 * Clip and PRelu. Float math runs in float64 and is rounded to float32 once per output element;
 * integer math wraps to the element type.
 */
import { erf, relu, sigmoid, softplus, softsign } from '../../../base/reference-math.js';
import type { NodeFn, NodeContext } from '../node.js';
import { alloc, NUMERIC, numelOf, sameShape, SIGNED_INTS, type ODType, type OTensor } from '../values.js';
import {
  broadcastAll, broadcastIndex, requireDtype, requireOpset, sameDtype, scalarOf, type Elems, type OpFactory,
} from './util.js';
import { UNARY_F32_LOOPS } from './loops.js';
import { arenaBinary, arenaBinaryScalar, arenaUnary } from '../../../bindings/plan-arena.js';

const FLOAT: readonly ODType[] = ['float32'];
/** float32 and the signed integers (Neg, Relu). */
const SIGNED: readonly ODType[] = ['float32', ...SIGNED_INTS];
/** The base of Pow and X of PRelu: float32, int64 (which holds uint32 / uint64 too) and int32. */
const WIDE: readonly ODType[] = ['float32', 'int64', 'int32'];

interface UnarySpec {
  /** First opset of the operator (default: it exists in every supported opset). */
  since?: number;
  /** Attributes the operator accepts (read by `make`). */
  attrs?: readonly string[];
  /** Element types accepted (default float32). */
  dtypes?: readonly ODType[];
  /** Builds the float function from the node's attributes. */
  make: (ctx: NodeContext) => (x: number) => number;
  /** The integer version, for operators defined on integers too. */
  int?: (x: bigint) => bigint;
  /**
   * The float32 loop of an operator with attributes (see loops.ts for why loops are literals of
   * their own): computes what `make` computes.
   */
  makeLoop?: (ctx: NodeContext) => (src: Float32Array, dst: Float32Array) => void;
  /** The integer version of an operator with attributes (instead of `int`). */
  makeInt?: (ctx: NodeContext) => (x: bigint) => bigint;
}

/**
 * An elementwise operator of one input: float math in float64, integers through `int`. `loop`, when
 * given, is the operator's own float32 loop (see loops.ts); it computes what `make` computes.
 */
function unary(spec: UnarySpec, loop?: (src: Float32Array, dst: Float32Array) => void): OpFactory {
  return (ctx) => {
    if (spec.since !== undefined) requireOpset(ctx, spec.since);
    ctx.allowOnly(spec.attrs ?? []);
    const f = spec.make(ctx);
    const loopF32 = loop ?? spec.makeLoop?.(ctx);
    const intF = spec.int ?? spec.makeInt?.(ctx);
    const dtypes = spec.dtypes ?? FLOAT;
    const compute = (x: OTensor, out: OTensor): void => {
      const n = x.data.length;
      if (x.dtype === 'float32' && loopF32) loopF32(x.data as Float32Array, out.data as Float32Array);
      else if (x.dtype === 'float32') {
        const src = x.data as Float32Array;
        const dst = out.data as Float32Array;
        for (let i = 0; i < n; i++) dst[i] = f(src[i]);
      } else if (x.dtype === 'int64') {
        const src = x.data as BigInt64Array;
        const dst = out.data as BigInt64Array;
        for (let i = 0; i < n; i++) dst[i] = BigInt.asIntN(64, intF!(src[i]));
      } else {
        // int32 and narrower: the typed-array store wraps the result to the element type.
        const src = x.data as Int32Array;
        const dst = out.data as Int32Array;
        for (let i = 0; i < n; i++) dst[i] = Number(BigInt.asIntN(32, intF!(BigInt(src[i]))));
      }
    };
    const kernel: NodeFn = (ins) => {
      const x = ctx.input(ins, 0, 'X');
      requireDtype(ctx, x, 'X', dtypes);
      const out = alloc(x.dtype, x.shape.slice(), ctx.label);
      compute(x, out);
      return [out];
    };
    kernel.prepare = ([x]) => (x === undefined || !dtypes.includes(x.dtype) ? undefined : { outputs: [{ dtype: x.dtype, shape: x.shape }], run: (ins, outs) => compute(ins[0]!, outs[0]) });
    return kernel;
  };
}

/** A parameterless float function as a unary spec. */
const plain = (f: (x: number) => number, since?: number): UnarySpec => ({ since, make: () => f });

/** Round half to even (ONNX Round, numpy.round). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** C's pow, which differs from Math.pow for a base of 1 and for -1 to an infinite power. */
export function powC(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && !Number.isFinite(y) && !Number.isNaN(y)) return 1;
  return Math.pow(x, y);
}

// ops.ts re-exports sigmoid from here
export { sigmoid };

const f32 = Math.fround;

// The operators Silero VAD runs, one by one, so that a bundle of silero-ops.ts keeps only these
// (the table below is built by a call that a bundler drops when nothing uses it).
// max(0, x) with -0 -> +0 and NaN kept, as onnxruntime
const RELU: UnarySpec = { dtypes: SIGNED, make: () => relu, int: (x) => (x < 0n ? 0n : x) };
const SIGMOID: UnarySpec = { make: () => sigmoid };
const SQRT: UnarySpec = { make: () => Math.sqrt };
const LOG: UnarySpec = { make: () => Math.log };
const NEG: UnarySpec = { dtypes: SIGNED, make: () => (x) => -x, int: (x) => -x };
export const reluOp = /* @__PURE__ */ unary(RELU, UNARY_F32_LOOPS.Relu);
export const sigmoidOp = /* @__PURE__ */ unary(SIGMOID, UNARY_F32_LOOPS.Sigmoid);
export const sqrtOp = /* @__PURE__ */ unary(SQRT, UNARY_F32_LOOPS.Sqrt);
export const logOp = /* @__PURE__ */ unary(LOG, UNARY_F32_LOOPS.Log);
export const negOp = /* @__PURE__ */ unary(NEG, UNARY_F32_LOOPS.Neg);

const unarySpecs = (): Record<string, UnarySpec> => ({
  Tanh: plain(Math.tanh),
  Exp: plain(Math.exp),
  Reciprocal: plain((x) => 1 / x),
  Floor: plain(Math.floor),
  Ceil: plain(Math.ceil),
  Round: plain(roundHalfEven, 11),
  Erf: plain(erf, 9),
  Softplus: plain(softplus),
  Softsign: plain(softsign),
  Sin: plain(Math.sin),
  Cos: plain(Math.cos),
  Tan: plain(Math.tan),
  Asin: plain(Math.asin),
  Acos: plain(Math.acos),
  Atan: plain(Math.atan),
  Sinh: plain(Math.sinh, 9),
  Cosh: plain(Math.cosh, 9),
  Asinh: plain(Math.asinh, 9),
  Acosh: plain(Math.acosh, 9),
  Atanh: plain(Math.atanh, 9),
  // x * tanh(softplus(x))
  Mish: plain((x) => x * Math.tanh(softplus(x)), 18),
  Gelu: {
    since: 20,
    attrs: ['approximate'],
    make: (ctx) => {
      const approximate = ctx.string('approximate', 'none');
      if (approximate === 'none') return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
      if (approximate === 'tanh') return (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
      throw ctx.error('INVALID_FORMAT', `attribute 'approximate' must be 'none' or 'tanh', got '${approximate}'`);
    },
  },
  // x < -lambd: x + bias; x > lambd: x - bias; else 0 (integers too, the result cast back)
  Shrink: {
    since: 9,
    attrs: ['bias', 'lambd'],
    dtypes: NUMERIC,
    make: (ctx) => {
      const bias = ctx.float('bias', 0);
      const lambd = ctx.float('lambd', 0.5);
      return (x) => (x < -lambd ? x + bias : x > lambd ? x - bias : 0);
    },
    makeInt: (ctx) => {
      const bias = ctx.float('bias', 0);
      const lambd = ctx.float('lambd', 0.5);
      return (x) => {
        const v = Number(x);
        return BigInt(Math.trunc(v < -lambd ? v + bias : v > lambd ? v - bias : 0));
      };
    },
  },
  Abs: { dtypes: NUMERIC, make: () => Math.abs, int: (x) => (x < 0n ? -x : x) },
  Sign: { since: 9, dtypes: NUMERIC, make: () => Math.sign, int: (x) => (x > 0n ? 1n : x < 0n ? -1n : 0n) },
  LeakyRelu: {
    attrs: ['alpha'],
    make: (ctx) => {
      const alpha = ctx.float('alpha', f32(0.01));
      return (x) => (x < 0 ? alpha * x : x);
    },
    makeLoop: (ctx) => {
      const alpha = ctx.float('alpha', f32(0.01));
      return (src, dst) => {
        if (arenaBinaryScalar('VBINARY_PRELU', src, alpha, dst, false)) return;
        for (let i = 0; i < src.length; i++) {
          const x = src[i];
          dst[i] = x < 0 ? alpha * x : x;
        }
      };
    },
  },
  Elu: {
    attrs: ['alpha'],
    make: (ctx) => {
      const alpha = ctx.float('alpha', 1);
      return (x) => (x < 0 ? alpha * Math.expm1(x) : x);
    },
  },
  Celu: {
    since: 12,
    attrs: ['alpha'],
    make: (ctx) => {
      const alpha = ctx.float('alpha', 1);
      if (alpha === 0) throw ctx.error('INVALID_INPUT', "attribute 'alpha' must not be 0");
      return (x) => Math.max(0, x) + Math.min(0, alpha * Math.expm1(x / alpha));
    },
  },
  Selu: {
    attrs: ['alpha', 'gamma'],
    make: (ctx) => {
      const alpha = ctx.float('alpha', f32(1.6732632423543772848170429916717));
      const gamma = ctx.float('gamma', f32(1.0507009873554804934193349852946));
      return (x) => (x > 0 ? gamma * x : gamma * alpha * Math.expm1(x));
    },
  },
  HardSigmoid: {
    attrs: ['alpha', 'beta'],
    make: (ctx) => {
      const alpha = ctx.float('alpha', f32(0.2));
      const beta = ctx.float('beta', f32(0.5));
      return (x) => Math.max(0, Math.min(1, alpha * x + beta));
    },
  },
  HardSwish: { since: 14, make: () => (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)) },
  ThresholdedRelu: {
    since: 10,
    attrs: ['alpha'],
    make: (ctx) => {
      const alpha = ctx.float('alpha', 1);
      return (x) => (x > alpha ? x : 0);
    },
  },
});

// ---------------------------------------------------------------------------------------------
// Pow

/** x ** y wrapped to 64 bits, by squaring (no huge intermediate bigints). */
function powInt64(x: bigint, y: bigint): bigint {
  let result = 1n;
  let base = BigInt.asIntN(64, x);
  let e = y;
  while (e > 0n) {
    if (e & 1n) result = BigInt.asIntN(64, result * base);
    base = BigInt.asIntN(64, base * base);
    e >>= 1n;
  }
  return result;
}

/** z = x ** e for float32 x and one exponent e (Silero's |X|^2): x * x for 2, which Math.pow(x, 2) is exactly. */
function powScalarF32(x: Float32Array, e: number, z: Float32Array): void {
  if (e !== 2) for (let o = 0; o < z.length; o++) z[o] = powC(x[o], e);
  else if (!arenaUnary('VUNARY_SQUARE', x, z)) for (let o = 0; o < z.length; o++) z[o] = x[o] * x[o];
}

export const pow: OpFactory = (ctx) => {
  ctx.allowOnly(ctx.opset < 7 ? ['broadcast', 'axis'] : []);
  const kernel: NodeFn = (ins) => {
    const a = ctx.input(ins, 0, 'X');
    const b = ctx.input(ins, 1, 'Y');
    requireDtype(ctx, a, 'X', WIDE);
    requireDtype(ctx, b, 'Y', NUMERIC);
    if (ctx.opset < 12 && a.dtype !== b.dtype) throw ctx.error('DTYPE_MISMATCH', `X and Y must have the same element type before opset 12, got ${a.dtype} and ${b.dtype}`);
    const shape = broadcastAll(ctx, [a.shape, b.shape]);
    const out = alloc(a.dtype, shape, ctx.label);
    if (a.dtype === 'float32' && b.data.length === 1 && shape.length === a.shape.length) {
      powScalarF32(a.data as Float32Array, Number(b.data[0]), out.data as Float32Array);
      return [out];
    }
    const ia = broadcastIndex(a.shape, shape);
    const ib = broadcastIndex(b.shape, shape);
    const x = a.data as Elems;
    const y = b.data as Elems;
    const z = out.data as Elems;
    if (a.dtype === 'float32') {
      const zf = out.data as Float32Array;
      for (let o = 0; o < zf.length; o++) zf[o] = powC(x[ia[o]] as number, Number(y[ib[o]]));
      return [out];
    }
    // Integer base: exact for a non-negative integer exponent, else the float result truncated.
    const intExponent = b.dtype !== 'float32';
    for (let o = 0; o < z.length; o++) {
      const xv = x[ia[o]];
      const yv = y[ib[o]];
      let v: bigint;
      if (intExponent && BigInt(yv) >= 0n) v = powInt64(BigInt(xv), BigInt(yv));
      else {
        const p = Math.trunc(powC(Number(xv), Number(yv)));
        if (!Number.isFinite(p)) throw ctx.error('INVALID_INPUT', `integer Pow ${xv} ** ${yv} has no integer result`);
        v = BigInt(p);
      }
      z[o] = a.dtype === 'int64' ? v : Number(BigInt.asIntN(32, v));
    }
    return [out];
  };
  kernel.prepare = ([a, b]) => {
    // the scalar-exponent loop only; other exponents run the kernel
    if (a?.dtype !== 'float32' || b === undefined || !NUMERIC.includes(b.dtype) || numelOf(b.shape) !== 1 || b.shape.length > a.shape.length) return undefined;
    if (ctx.opset < 12 && b.dtype !== 'float32') return undefined;
    return { outputs: [{ dtype: 'float32', shape: a.shape }], run: (ins, outs) => powScalarF32(ins[0]!.data as Float32Array, Number(ins[1]!.data[0]), outs[0].data as Float32Array) };
  };
  return kernel;
};

// ---------------------------------------------------------------------------------------------
// variadic Min / Max / Sum / Mean

type Fold = 'min' | 'max' | 'sum' | 'mean';

/**
 * Max / Min of two float32 tensors of one shape, or of a tensor and a single element (a clamp, as
 * tf2onnx writes tf.maximum(x, c)): a loop that picks b where it is NaN or beyond a, as the
 * general path does. False when the inputs are not of that form.
 */
function minMax2(kind: 'min' | 'max', a: OTensor, b: OTensor, dst: Float32Array): boolean {
  const n = dst.length;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return false;
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  const op = kind === 'max' ? 'VBINARY_MAX' : 'VBINARY_MIN';
  if (x.length === n && y.length === n) {
    if (arenaBinary(op, x, y, dst)) return true;
    if (kind === 'max') for (let i = 0; i < n; i++) { const u = x[i], v = y[i]; dst[i] = v > u || v !== v ? v : u; }
    else for (let i = 0; i < n; i++) { const u = x[i], v = y[i]; dst[i] = v < u || v !== v ? v : u; }
    return true;
  }
  if (x.length === n && y.length === 1) {
    const v = y[0];
    if (arenaBinaryScalar(op, x, v, dst, false)) return true;
    if (v !== v) dst.fill(v);
    else if (kind === 'max') for (let i = 0; i < n; i++) { const u = x[i]; dst[i] = v > u ? v : u; }
    else for (let i = 0; i < n; i++) { const u = x[i]; dst[i] = v < u ? v : u; }
    return true;
  }
  if (x.length === 1 && y.length === n) {
    const u = x[0];
    if (arenaBinaryScalar(op, y, u, dst, true)) return true;
    if (kind === 'max') for (let i = 0; i < n; i++) { const v = y[i]; dst[i] = v > u || v !== v ? v : u; }
    else for (let i = 0; i < n; i++) { const v = y[i]; dst[i] = v < u || v !== v ? v : u; }
    return true;
  }
  return false;
}

function variadic(kind: Fold): OpFactory {
  return (ctx) => {
    ctx.allowOnly([]);
    const kernel: NodeFn = (ins) => {
      const ts = ins.filter((t): t is OTensor => t !== undefined);
      if (ts.length === 0) throw ctx.error('INVALID_FORMAT', 'needs at least one input');
      const dtype = sameDtype(ctx, ts);
      if (dtype === 'bool' || (kind === 'mean' && dtype !== 'float32')) throw ctx.error('DTYPE_MISMATCH', `inputs must be ${kind === 'mean' ? 'float32' : 'numeric'}, got ${dtype}`);
      if (ctx.opset < 8 && ts.some((t) => !sameShape(t.shape, ts[0].shape))) {
        throw ctx.error('SHAPE_MISMATCH', 'inputs must have the same shape before opset 8 (no broadcasting)');
      }
      const shape = broadcastAll(ctx, ts.map((t) => t.shape));
      const out = alloc(dtype, shape, ctx.label);
      const n = out.data.length;
      if ((kind === 'min' || kind === 'max') && ts.length === 2 && minMax2(kind, ts[0], ts[1], out.data as Float32Array)) return [out];
      if (dtype === 'int64') {
        const acc = out.data as BigInt64Array;
        ts.forEach((t, k) => {
          const idx = broadcastIndex(t.shape, shape);
          const src = t.data as BigInt64Array;
          for (let o = 0; o < n; o++) {
            const v = src[idx[o]];
            if (k === 0) acc[o] = v;
            else if (kind === 'sum') acc[o] = BigInt.asIntN(64, acc[o] + v);
            else if (kind === 'min' ? v < acc[o] : v > acc[o]) acc[o] = v;
          }
        });
        return [out];
      }
      // float32 and int32 or narrower: accumulate in float64 (exact for integer sums, wrapped to the type below).
      const acc = new Float64Array(n);
      ts.forEach((t, k) => {
        const idx = broadcastIndex(t.shape, shape);
        const src = t.data as Float32Array | Int32Array;
        for (let o = 0; o < n; o++) {
          const v = src[idx[o]];
          if (k === 0) acc[o] = v;
          else if (kind === 'sum' || kind === 'mean') acc[o] += v;
          else if (Number.isNaN(v) || (kind === 'min' ? v < acc[o] : v > acc[o])) acc[o] = v;
        }
      });
      if (kind === 'mean') for (let o = 0; o < n; o++) acc[o] /= ts.length;
      (out.data as Float32Array | Int32Array).set(acc); // rounds to float32, or wraps to the integer type
      return [out];
    };
    if (kind === 'min' || kind === 'max') {
      // two float32 inputs of one shape, or one of a single element (ranks may differ): the loop above
      kernel.prepare = (types) => {
        const [a, b] = types;
        if (types.length !== 2 || a === undefined || b === undefined || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
        if (ctx.opset < 8 && !sameShape(a.shape, b.shape)) return undefined;
        const na = numelOf(a.shape);
        const nb = numelOf(b.shape);
        const full = na >= nb ? a : b;
        if (!(sameShape(a.shape, b.shape) || (Math.min(na, nb) === 1 && full.shape.length >= Math.max(a.shape.length, b.shape.length)))) return undefined;
        return { outputs: [{ dtype: 'float32', shape: full.shape }], run: (ins, outs) => void minMax2(kind, ins[0]!, ins[1]!, outs[0].data as Float32Array) };
      };
    }
    return kernel;
  };
}

// ---------------------------------------------------------------------------------------------
// Clip, PRelu

const clip: OpFactory = (ctx) => {
  const legacy = ctx.opset < 11;
  ctx.allowOnly(legacy ? ['min', 'max'] : []);
  const minAttr = ctx.float('min', -Infinity);
  const maxAttr = ctx.float('max', Infinity);
  return (ins) => {
    const x = ctx.input(ins, 0, 'input');
    requireDtype(ctx, x, 'input', ctx.opset < 12 ? FLOAT : NUMERIC);
    const bound = (i: number, what: string, def: number): number | bigint => {
      if (legacy) return def;
      const t = ins[i];
      if (t === undefined) return x.dtype === 'int64' ? (def < 0 ? -(2n ** 63n) : 2n ** 63n - 1n) : def;
      if (t.dtype !== x.dtype) throw ctx.error('DTYPE_MISMATCH', `${what} must have the input's element type ${x.dtype}, got ${t.dtype}`);
      return scalarOf(ctx, t, what);
    };
    const lo = bound(1, 'min', minAttr);
    const hi = bound(2, 'max', maxAttr);
    const out = alloc(x.dtype, x.shape.slice(), ctx.label);
    const src = x.data as Elems;
    const dst = out.data as Elems;
    // min(max(x, lo), hi): when lo > hi every value becomes hi, as the spec says. NaN stays NaN.
    for (let i = 0; i < src.length; i++) {
      let v = src[i];
      if (v < lo) v = lo;
      if (v > hi) v = hi;
      dst[i] = v;
    }
    return [out];
  };
};

const prelu: OpFactory = (ctx) => {
  ctx.allowOnly([]);
  return (ins) => {
    const x = ctx.input(ins, 0, 'X');
    const s = ctx.input(ins, 1, 'slope');
    requireDtype(ctx, x, 'X', ctx.opset < 9 ? FLOAT : WIDE);
    if (s.dtype !== x.dtype) throw ctx.error('DTYPE_MISMATCH', `slope must have X's element type ${x.dtype}, got ${s.dtype}`);
    const shape = broadcastAll(ctx, [x.shape, s.shape]);
    if (!sameShape(shape, x.shape)) {
      throw ctx.error('SHAPE_MISMATCH', `slope of shape [${s.shape.join(', ')}] does not broadcast to X's shape [${x.shape.join(', ')}]`);
    }
    const idx = broadcastIndex(s.shape, shape);
    const out = alloc(x.dtype, shape, ctx.label);
    const src = x.data as Elems;
    const slope = s.data as Elems;
    const dst = out.data as Elems;
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      // number * number or bigint * bigint (one element type); typed-array stores wrap integers.
      dst[i] = v < 0 ? (v as number) * (slope[idx[i]] as number) : v;
    }
    return [out];
  };
};

export const ELEMENTWISE_OPS: Record<string, OpFactory> = /* @__PURE__ */ (() => ({
  Relu: reluOp,
  Sigmoid: sigmoidOp,
  Sqrt: sqrtOp,
  Log: logOp,
  Neg: negOp,
  ...Object.fromEntries(Object.entries(unarySpecs()).map(([name, spec]) => [name, unary(spec, UNARY_F32_LOOPS[name])])),
  Pow: pow,
  Min: variadic('min'),
  Max: variadic('max'),
  Sum: variadic('sum'),
  Mean: variadic('mean'),
  Clip: clip,
  PRelu: prelu,
}))();

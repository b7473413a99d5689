/**
 * Resize (opsets 10, 11, 13, 18, 19) and the deprecated Upsample (opsets 7-9): nearest, n-linear
 * and n-cubic resampling of any axes of a tensor of any rank, with every attribute the spec
 * defines (coordinate_transformation_mode, nearest_mode, cubic_coeff_a, exclude_outside,
 * extrapolation_value with the roi of tf_crop_and_resize, axes, keep_aspect_ratio_policy,
 * antialias). Nearest copies elements of every type; linear and cubic take float32 and the
 * integer types.
 *
 * The spec's resampling is separable: the value at an output position is the 1-D interpolation
 * along axis 0 of the 1-D interpolations along axis 1 of ... (ONNX's reference implementation
 * computes it so). Each resized axis gets a table of taps (input positions and weights) per output
 * index, and the axes are applied one after the other in float64, shrinking ones first; the result
 * is rounded to the output type once. The coordinates are the spec's formulas brought to one
 * division each, so that a coordinate the spec puts exactly on a position or halfway between two
 * is exactly there when nearest_mode rounds it (onnxruntime computes them in float32).
 *
 * Where the text of the spec leaves a choice, ONNX's reference implementation
 * (onnx/reference/ops/op_resize.py) and its node tests decide:
 * - the coordinate formulas use the scale as given (not output / input length), and the length
 *   in align_corners' and tf_crop_and_resize's denominators is the target length scale * input
 *   length, fractional when a scale makes it so (test_resize_downsample_scales_*_align_corners;
 *   onnxruntime divides by the integer output length instead);
 * - taps outside the input take the edge value (exclude_outside 0) or are dropped with the weights
 *   renormalised (exclude_outside 1); antialias stretches the filter by 1 / scale when
 *   downsampling and normalises its weights;
 * - integer outputs of linear and cubic are the float64 result rounded half to even and
 *   saturated to the type's range (onnxruntime truncates).
 * The spec's text decides where the reference contradicts it: the special cases of
 * pytorch_half_pixel (coordinate 0; the reference -0.5) and tf_crop_and_resize (the roi's center)
 * apply when the output length is 1 (the reference tests the fractional target length), as
 * onnxruntime does.
 *
 * An axis that keeps its length and scale is not resampled (every mode maps it onto itself, but
 * for a crop by its roi, which is applied, and tf_half_pixel_for_nn's half-pixel shift, which
 * onnxruntime does not apply there either). roi is read only for tf_crop_and_resize;
 * keep_aspect_ratio_policy applies to sizes only (the spec: "not applicable when the scales input
 * is used"); exclude_outside changes nothing for nearest (one tap, clamped into the input).
 *
 * The output shape depends on X's shape and on the values of scales and sizes (Resize-10 and
 * Upsample-9: input 1; Resize-11+: inputs 2 and 3; Upsample-7/8: the attribute), not on roi.
 */
import { fmtShape } from '../../../base/errors.js';
import type { NodeContext, NodeFn, ValueType } from '../node.js';
import { alloc, checkSize, DTYPES, INTS, numelOf, toInts, type OData, type ODType, type OTensor } from '../values.js';
import { normAxes, requireDtype, requireOpset, stridesOf, type Elems, type OpFactory } from './util.js';

type Mode = 'nearest' | 'linear' | 'cubic';
type CoordMode = 'half_pixel' | 'half_pixel_symmetric' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric' | 'tf_half_pixel_for_nn' | 'tf_crop_and_resize';
type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';
type Policy = 'stretch' | 'not_larger' | 'not_smaller';

/** Coordinate modes and the opsets they exist in (tf_half_pixel_for_nn: 11 to 18, see coordModeOf). */
const COORD_MODES: Record<CoordMode, [number, number]> = {
  half_pixel: [11, Infinity],
  half_pixel_symmetric: [19, Infinity],
  pytorch_half_pixel: [11, Infinity],
  align_corners: [11, Infinity],
  asymmetric: [11, Infinity],
  tf_half_pixel_for_nn: [11, 18],
  tf_crop_and_resize: [11, Infinity],
};
const NEAREST_MODES: readonly NearestMode[] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];
const POLICIES: readonly Policy[] = ['stretch', 'not_larger', 'not_smaller'];
/** Element types linear and cubic interpolate (nearest takes bool too). */
const INTERPOLATED: readonly ODType[] = ['float32', ...INTS];

/** What a node's opset and attributes fix. */
interface Config {
  op: 'Resize' | 'Upsample';
  mode: Mode;
  coord: CoordMode;
  /**
   * undefined: Upsample and Resize-10, which have no nearest_mode: floor when the axis grows,
   * ceil when it shrinks (see nearestIndex).
   */
  nearest: NearestMode | undefined;
  cubicA: number;
  excludeOutside: boolean;
  extrapolation: number;
  antialias: boolean;
  axes: number[] | undefined;
  policy: Policy;
  /** Upsample-7/8: the `scales` attribute. */
  scalesAttr: number[] | undefined;
  /** Input positions of roi, scales and sizes (-1: the opset has no such input). */
  roiInput: number;
  scalesInput: number;
  sizesInput: number;
}

// ---------------------------------------------------------------------------------------------
// Attributes

/** A string attribute that must be one of `allowed` (INVALID_FORMAT naming them otherwise). */
function oneOf<T extends string>(ctx: NodeContext, name: string, def: T, allowed: readonly T[]): T {
  const v = ctx.string(name, def) as T;
  if (!allowed.includes(v)) throw ctx.error('INVALID_FORMAT', `attribute '${name}' must be ${allowed.join(', ')}, got '${v}'`);
  return v;
}

/** A 0 / 1 int attribute. */
function flag(ctx: NodeContext, name: string): boolean {
  const v = ctx.int(name, 0);
  if (v !== 0 && v !== 1) throw ctx.error('INVALID_FORMAT', `attribute '${name}' must be 0 or 1, got ${v}`);
  return v === 1;
}

function coordModeOf(ctx: NodeContext): CoordMode {
  const v = ctx.string('coordinate_transformation_mode', 'half_pixel');
  const range = (COORD_MODES as Record<string, [number, number] | undefined>)[v];
  if (range === undefined) throw ctx.error('INVALID_FORMAT', `attribute 'coordinate_transformation_mode' must be ${Object.keys(COORD_MODES).join(', ')}, got '${v}'`);
  // tf_half_pixel_for_nn is described by Resize-11's text only; taken through opset 18
  // (onnxruntime takes it at any opset, deprecated from 13; ONNX's reference no longer knows it).
  if (ctx.opset < range[0]) throw ctx.error('UNSUPPORTED', `attribute 'coordinate_transformation_mode' = '${v}' exists from opset ${range[0]}`);
  if (ctx.opset > range[1]) throw ctx.error('UNSUPPORTED', `attribute 'coordinate_transformation_mode' = '${v}' exists in opsets ${range[0]} to ${range[1]} only`);
  return v as CoordMode;
}

/** Resize at the node's opset: the attributes its opset defines, checked at load. */
function resizeConfig(ctx: NodeContext): Config {
  requireOpset(ctx, 10);
  const v11 = ctx.opset >= 11;
  const v18 = ctx.opset >= 18;
  const names = ['mode'];
  if (v11) names.push('coordinate_transformation_mode', 'cubic_coeff_a', 'exclude_outside', 'extrapolation_value', 'nearest_mode');
  if (v18) names.push('antialias', 'axes', 'keep_aspect_ratio_policy');
  ctx.allowOnly(names);
  const modeName = ctx.string('mode', 'nearest');
  if (modeName === 'cubic' && !v11) throw ctx.error('UNSUPPORTED', "attribute 'mode' = 'cubic' exists from opset 11");
  const mode = oneOf<Mode>(ctx, 'mode', 'nearest', ['nearest', 'linear', 'cubic']);
  const antialias = flag(ctx, 'antialias');
  if (antialias && mode === 'nearest') throw ctx.error('INVALID_FORMAT', "attribute 'antialias' = 1 applies to modes linear and cubic, not nearest");
  return {
    op: 'Resize',
    mode,
    // Resize-10 maps coordinates as Upsample does: x_original = x_resized / scale
    coord: v11 ? coordModeOf(ctx) : 'asymmetric',
    nearest: v11 ? oneOf(ctx, 'nearest_mode', 'round_prefer_floor', NEAREST_MODES) : undefined,
    cubicA: ctx.float('cubic_coeff_a', -0.75),
    excludeOutside: flag(ctx, 'exclude_outside'),
    extrapolation: ctx.float('extrapolation_value', 0),
    antialias,
    axes: ctx.ints('axes'),
    policy: oneOf(ctx, 'keep_aspect_ratio_policy', 'stretch', POLICIES),
    scalesAttr: undefined,
    roiInput: v11 ? 1 : -1,
    scalesInput: v11 ? 2 : 1,
    sizesInput: v11 ? 3 : -1,
  };
}

/** Upsample: opsets 7-8 (scales attribute) and 9 (scales input); Resize replaces it from 10. */
function upsampleConfig(ctx: NodeContext): Config {
  requireOpset(ctx, 7);
  if (ctx.opset >= 10) {
    throw ctx.error('UNSUPPORTED', `operator 'Upsample' is deprecated from opset 10 (Resize replaces it); the model imports opset ${ctx.opset}`);
  }
  const attrScales = ctx.opset < 9;
  ctx.allowOnly(attrScales ? ['mode', 'scales'] : ['mode']);
  const mode = oneOf<Mode>(ctx, 'mode', 'nearest', ['nearest', 'linear']);
  let scalesAttr: number[] | undefined;
  if (attrScales) {
    scalesAttr = ctx.floats('scales');
    if (scalesAttr === undefined) throw ctx.error('INVALID_FORMAT', "attribute 'scales' is required");
    const bad = scalesAttr.findIndex((s) => !(s >= 1 && s < Infinity));
    if (bad >= 0) throw ctx.error('INVALID_FORMAT', `attribute 'scales' must hold finite values >= 1, got scales[${bad}] = ${scalesAttr[bad]}`);
  }
  return {
    op: 'Upsample', mode, coord: 'asymmetric', nearest: undefined, cubicA: -0.75, excludeOutside: false, extrapolation: 0, antialias: false,
    axes: undefined, policy: 'stretch', scalesAttr, roiInput: -1, scalesInput: attrScales ? -1 : 1, sizesInput: -1,
  };
}

// ---------------------------------------------------------------------------------------------
// Geometry: the output shape and, per resized axis, its taps

/**
 * One resized axis: output index o reads input positions idx[start[o] .. start[o + 1]) (clamped
 * into the axis) with weights w (nearest: one tap of weight 1).
 */
interface AxisMap {
  axis: number;
  inLen: number;
  outLen: number;
  start: Int32Array;
  idx: Int32Array;
  w: Float64Array;
  /** tf_crop_and_resize: 1 where the output's coordinate is outside the input (extrapolation_value). */
  outside: Uint8Array | undefined;
}

/** Everything one input shape and one set of scales / sizes / roi values fix, made once for them. */
interface Plan {
  inShape: number[];
  outShape: number[];
  /** The axes resampled, in the order they are applied: shrinking ones first (smaller intermediates). */
  maps: AxisMap[];
  /** Largest intermediate (elements) of the float passes. */
  scratchSize: number;
  /** Made on the first float pass that needs them and kept with the plan. */
  scratch: Float64Array[];
  /** Nearest: per axis and output index, the element offset in X it reads (made on first use). */
  offsets: Int32Array[] | undefined;
  /** Nearest: the output index per axis while walking the output. */
  counters: Int32Array;
}

/** The scales / sizes / roi a node was given, read and checked. */
interface Given {
  scales: number[] | undefined;
  sizes: number[] | undefined;
  roi: number[] | undefined;
}

/** Reads input i as a 1-D tensor of `dtype` (undefined when absent or empty: "not given"). */
function vectorInput(ctx: NodeContext, t: OTensor | ValueType | undefined, what: string, dtype: ODType): number[] | undefined {
  if (t === undefined || numelOf(t.shape) === 0) return undefined;
  requireDtype(ctx, t as OTensor, what, [dtype]);
  if (t.shape.length !== 1) throw ctx.error('SHAPE_MISMATCH', `${what} must be a 1-D tensor, got shape ${fmtShape(t.shape)}`);
  const data = (t as OTensor).data;
  return dtype === 'int64' ? toInts(t as OTensor, `${ctx.label} ${what}`) : Array.from(data as Float32Array);
}

function givenOf(ctx: NodeContext, cfg: Config, ins: readonly (OTensor | ValueType | undefined)[]): Given {
  const scales = cfg.scalesAttr ?? (cfg.scalesInput >= 0 ? vectorInput(ctx, ins[cfg.scalesInput], 'scales', 'float32') : undefined);
  const sizes = cfg.sizesInput >= 0 ? vectorInput(ctx, ins[cfg.sizesInput], 'sizes', 'int64') : undefined;
  // roi only matters to tf_crop_and_resize (the spec: "It only takes effect when ..."): ignored otherwise
  const roi = cfg.coord === 'tf_crop_and_resize' ? vectorInput(ctx, ins[cfg.roiInput], 'roi', 'float32') : undefined;
  return { scales, sizes, roi };
}

/**
 * Per axis: the scale as a ratio num / den (a given float32 scale over 1, or an output size over
 * the input length: kept as a ratio so that the coordinates below are one division of exact
 * terms, and a coordinate the spec puts exactly halfway between two positions stays exactly
 * there for nearest_mode), and the output length.
 */
interface Targets {
  num: number[];
  den: number[];
  out: number[];
}

function targetsOf(ctx: NodeContext, cfg: Config, inShape: readonly number[], axes: readonly number[], g: Given): Targets {
  const r = inShape.length;
  const num = new Array<number>(r).fill(1);
  const den = new Array<number>(r).fill(1);
  const out = inShape.slice();
  const n = axes.length;
  const which = cfg.axes === undefined ? `one per axis of X ${fmtShape(inShape)}` : `one per axis of 'axes' ${fmtShape(cfg.axes)}`;
  if (g.scales !== undefined && g.sizes !== undefined) throw ctx.error('INVALID_INPUT', 'only one of scales and sizes may be given (the other empty or omitted), got both');
  if (g.scales !== undefined) {
    if (g.scales.length !== n) throw ctx.error('SHAPE_MISMATCH', `scales must hold ${n} values (${which}), got ${g.scales.length}`);
    g.scales.forEach((s, i) => {
      if (!(cfg.op === 'Upsample' ? s >= 1 : s > 0) || s === Infinity) {
        throw ctx.error('INVALID_INPUT', `scales[${i}] = ${s} must be a finite number ${cfg.op === 'Upsample' ? '>= 1' : '> 0'}`);
      }
      const d = axes[i];
      num[d] = s;
      // the spec's floor(input_dimension * scale) (exact in float64, as ONNX's shape inference computes it)
      out[d] = Math.floor(inShape[d] * s);
    });
    return { num, den, out };
  }
  if (g.sizes === undefined) throw ctx.error('INVALID_INPUT', 'one of scales and sizes must be given (non-empty), got neither');
  const sizes = g.sizes;
  if (sizes.length !== n) throw ctx.error('SHAPE_MISMATCH', `sizes must hold ${n} values (${which}), got ${sizes.length}`);
  sizes.forEach((v, i) => {
    if (!(v >= 0)) throw ctx.error('INVALID_INPUT', `sizes[${i}] = ${v} must be >= 0`);
    if (inShape[axes[i]] === 0 && v > 0) throw ctx.error('INVALID_INPUT', `sizes[${i}] = ${v}: axis ${axes[i]} of X ${fmtShape(inShape)} is empty and can only be resized to 0`);
  });
  if (cfg.policy === 'stretch') {
    axes.forEach((d, i) => {
      out[d] = sizes[i];
      if (inShape[d] > 0) [num[d], den[d]] = [sizes[i], inShape[d]];
    });
    return { num, den, out };
  }
  // One scale for every axis listed: the smallest (not_larger) or largest (not_smaller) of
  // sizes / input length (compared exactly: a/b < c/d as a*d < c*b), and the lengths it gives
  // rounded half up.
  let best = -1;
  axes.forEach((d, i) => {
    if (inShape[d] === 0) return;
    if (best < 0) best = i;
    const less = sizes[i] * inShape[axes[best]] < sizes[best] * inShape[d];
    const more = sizes[i] * inShape[axes[best]] > sizes[best] * inShape[d];
    if (cfg.policy === 'not_larger' ? less : more) best = i;
  });
  const [p, q] = best < 0 ? [1, 1] : [sizes[best], inShape[axes[best]]];
  for (const d of axes) {
    [num[d], den[d]] = [p, q];
    out[d] = Math.floor((2 * p * inShape[d] + q) / (2 * q));
  }
  return { num, den, out };
}

/**
 * x_original of output index x on an axis of length inLen resized to outLen with scale
 * s = p / q: the spec's coordinate_transformation_mode formulas, each brought to one division
 * (width = s * inLen is the target length, fractional when a scale makes it so).
 *   half_pixel            (x + 0.5) / s - 0.5             = ((2x + 1) q - p) / 2p
 *   half_pixel_symmetric  + inLen / 2 * (1 - outLen / width) = (p (inLen - 1) + q (2x + 1 - outLen)) / 2p
 *   pytorch_half_pixel    half_pixel, 0 when outLen is 1
 *   align_corners         x (inLen - 1) / (width - 1)     = x (inLen - 1) q / (p inLen - q), 0 when outLen is 1
 *   asymmetric            x / s                           = x q / p
 *   tf_half_pixel_for_nn  (x + 0.5) / s                   = (2x + 1) q / 2p
 *   tf_crop_and_resize    start (inLen - 1) + x (end - start) (inLen - 1) / (width - 1), or
 *                         (start + end) / 2 (inLen - 1) when outLen is 1
 */
function coordinate(mode: CoordMode, x: number, p: number, q: number, inLen: number, outLen: number, roiStart: number, roiEnd: number): number {
  switch (mode) {
    case 'half_pixel':
      return ((2 * x + 1) * q - p) / (2 * p);
    case 'half_pixel_symmetric':
      return (p * (inLen - 1) + q * (2 * x + 1 - outLen)) / (2 * p);
    case 'pytorch_half_pixel':
      return outLen > 1 ? ((2 * x + 1) * q - p) / (2 * p) : 0;
    case 'align_corners':
      return outLen > 1 ? (x * (inLen - 1) * q) / (p * inLen - q) : 0;
    case 'asymmetric':
      return (x * q) / p;
    case 'tf_half_pixel_for_nn':
      return ((2 * x + 1) * q) / (2 * p);
    case 'tf_crop_and_resize':
      return outLen > 1 ? roiStart * (inLen - 1) + (x * (roiEnd - roiStart) * (inLen - 1) * q) / (p * inLen - q) : 0.5 * (roiStart + roiEnd) * (inLen - 1);
  }
}

/**
 * The input position nearest to coordinate c (before clamping). With x_original = f + r (f its
 * floor, r in (0, 1), and an integer coordinate being itself): round_prefer_floor takes f when
 * r <= 0.5, round_prefer_ceil when r < 0.5, floor f, ceil f + 1. Upsample and Resize-10 define
 * no nearest_mode: floor on an axis that grows and ceil on one that shrinks (onnxruntime's rule;
 * the opset-10 node tests of ONNX 1.5 agree: 1.67 -> 2 when downsampling by 0.6, 0.33 and 0.67 ->
 * 0 when upsampling by 3).
 */
function nearestIndex(mode: NearestMode | undefined, c: number, shrinks: boolean): number {
  const f = Math.floor(c);
  if (f === c) return c;
  const r = c - f;
  switch (mode) {
    case undefined: return shrinks ? f + 1 : f;
    case 'round_prefer_floor': return r <= 0.5 ? f : f + 1;
    case 'round_prefer_ceil': return r < 0.5 ? f : f + 1;
    case 'floor': return f;
    case 'ceil': return f + 1;
  }
}

/** Keys' cubic kernel at distance t (|t| < 2, else 0), as the spec's antialiased cubic. */
function keys(a: number, t: number): number {
  const x = Math.abs(t);
  const x2 = x * x;
  const x3 = x * x2;
  if (x <= 1) return (a + 2) * x3 - (a + 3) * x2 + 1;
  if (x < 2) return a * x3 - 5 * a * x2 + 8 * a * x - 4 * a;
  return 0;
}

/**
 * The taps of coordinate c on an axis of length `inLen`: input positions (unclamped) and weights.
 * With f = the largest integer below c (c - 1 when c is an integer) and ratio = c - f in (0, 1]
 * (the reference's convention, so zero-weight taps fall where its do):
 * - linear: f, f + 1 weighted 1 - ratio, ratio;
 * - cubic: f - 1 .. f + 2 weighted by Keys' kernel of parameter a at their distances;
 * - antialias: the kernel stretched by 1 / min(scale, 1) (its support then spans more positions),
 *   the weights normalised to sum 1.
 * exclude_outside then zeroes the taps outside [0, inLen) and renormalises the rest.
 */
function taps(cfg: Config, c: number, p: number, q: number, inLen: number, pos: number[], w: number[]): void {
  const f = Math.floor(c) === c ? c - 1 : Math.floor(c);
  const ratio = c - f;
  pos.length = 0;
  w.length = 0;
  const a = cfg.cubicA;
  if (cfg.antialias) {
    // the kernel's argument scaled by k = min(scale, 1); first offset of the stretched support
    // (the reference's start / i_start: -support rounded down, plus 1)
    const k = p < q ? p / q : 1;
    const first = Math.floor(-(cfg.mode === 'linear' ? 1 : 2) * (p < q ? q / p : 1)) + 1;
    let sum = 0;
    for (let i = first; i <= 1 - first; i++) {
      const t = (i - ratio) * k;
      const v = cfg.mode === 'linear' ? Math.min(1, Math.max(0, 1 - Math.abs(t))) : keys(a, t);
      pos.push(f + i);
      w.push(v);
      sum += v;
    }
    for (let i = 0; i < w.length; i++) w[i] /= sum;
  } else if (cfg.mode === 'linear') {
    pos.push(f, f + 1);
    w.push(1 - ratio, ratio);
  } else {
    // the spec's cubic coefficients at distances 1 + ratio, ratio, 1 - ratio, 2 - ratio (the
    // reference's expressions)
    const r1 = ratio + 1;
    const u = 1 - ratio;
    const u1 = u + 1;
    pos.push(f - 1, f, f + 1, f + 2);
    w.push(((a * r1 - 5 * a) * r1 + 8 * a) * r1 - 4 * a, ((a + 2) * ratio - (a + 3)) * ratio * ratio + 1, ((a + 2) * u - (a + 3)) * u * u + 1, ((a * u1 - 5 * a) * u1 + 8 * a) * u1 - 4 * a);
  }
  if (cfg.excludeOutside) {
    let sum = 0;
    for (let i = 0; i < w.length; i++) {
      if (pos[i] < 0 || pos[i] >= inLen) w[i] = 0;
      sum += w[i];
    }
    // (all taps outside cannot happen for the coordinates the modes give; kept as zeros if so)
    if (sum !== 0) for (let i = 0; i < w.length; i++) w[i] /= sum;
  }
}

function axisMap(cfg: Config, axis: number, t: Targets, inLen: number, roiStart: number, roiEnd: number): AxisMap {
  const outLen = t.out[axis];
  const p = t.num[axis];
  const q = t.den[axis];
  const start = new Int32Array(outLen + 1);
  const idx: number[] = [];
  const w: number[] = [];
  const crop = cfg.coord === 'tf_crop_and_resize';
  const outside = crop ? new Uint8Array(outLen) : undefined;
  const pos: number[] = [];
  const tw: number[] = [];
  const last = inLen - 1;
  for (let o = 0; o < outLen; o++) {
    const c = coordinate(cfg.coord, o, p, q, inLen, outLen, roiStart, roiEnd);
    if (outside && !(c >= 0 && c <= last)) {
      // extrapolated (filled in at the end): one tap for the passes to write something here
      outside[o] = 1;
      idx.push(0);
      w.push(cfg.mode === 'nearest' ? 1 : 0);
    } else if (cfg.mode === 'nearest') {
      idx.push(Math.min(last, Math.max(0, nearestIndex(cfg.nearest, c, p < q))));
      w.push(1);
    } else {
      taps(cfg, c, p, q, inLen, pos, tw);
      // edge padding: a tap outside the axis reads the nearest edge element
      for (let i = 0; i < pos.length; i++) idx.push(Math.min(last, Math.max(0, pos[i])));
      w.push(...tw);
    }
    start[o + 1] = idx.length;
  }
  return { axis, inLen, outLen, start, idx: Int32Array.from(idx), w: Float64Array.from(w), outside };
}

function planOf(ctx: NodeContext, cfg: Config, inShape: readonly number[], g: Given): Plan {
  const r = inShape.length;
  if (r === 0) throw ctx.error('SHAPE_MISMATCH', 'X must have rank >= 1, got a scalar');
  const axes = cfg.axes === undefined ? inShape.map((_, i) => i) : normAxes(ctx, cfg.axes, r);
  const t = targetsOf(ctx, cfg, inShape, axes, g);
  checkSize(t.out, ctx.label);
  const roiStart = new Array<number>(r).fill(0);
  const roiEnd = new Array<number>(r).fill(1);
  if (cfg.coord === 'tf_crop_and_resize') {
    if (g.roi === undefined) throw ctx.error('INVALID_INPUT', "coordinate_transformation_mode 'tf_crop_and_resize' needs the roi input (given empty or omitted)");
    const n = axes.length;
    if (g.roi.length !== 2 * n) {
      throw ctx.error('SHAPE_MISMATCH', `roi must hold ${2 * n} values (the starts, then the ends, of the ${n} axes ${cfg.axes === undefined ? `of X ${fmtShape(inShape)}` : `in 'axes' ${fmtShape(cfg.axes)}`}), got ${g.roi.length}`);
    }
    axes.forEach((d, i) => {
      roiStart[d] = g.roi![i];
      roiEnd[d] = g.roi![n + i];
    });
  }
  const maps: AxisMap[] = [];
  if (numelOf(t.out) > 0) {
    for (let d = 0; d < r; d++) {
      // an axis whose length and scale stay is left alone, unless its roi crops it (see above)
      const cropped = cfg.coord === 'tf_crop_and_resize' && (roiStart[d] !== 0 || roiEnd[d] !== 1);
      if (t.num[d] === t.den[d] && t.out[d] === inShape[d] && !cropped) continue;
      maps.push(axisMap(cfg, d, t, inShape[d], roiStart[d], roiEnd[d]));
    }
    maps.sort((a, b) => a.outLen / a.inLen - b.outLen / b.inLen || a.axis - b.axis);
  }
  // intermediates of the float passes
  let scratchSize = 0;
  const shape = inShape.slice();
  for (const m of maps) {
    shape[m.axis] = m.outLen;
    scratchSize = Math.max(scratchSize, numelOf(shape));
  }
  return { inShape: inShape.slice(), outShape: t.out, maps, scratchSize, scratch: [], offsets: undefined, counters: new Int32Array(r) };
}

// ---------------------------------------------------------------------------------------------
// Execution

/** Per axis and output index: the offset in X of the input position nearest mode reads. */
function nearestOffsets(plan: Plan): Int32Array[] {
  const inStr = stridesOf(plan.inShape);
  const offsets = plan.outShape.map((len, d) => {
    const table = new Int32Array(len);
    for (let o = 0; o < len; o++) table[o] = o * inStr[d];
    return table;
  });
  for (const m of plan.maps) {
    const table = offsets[m.axis];
    for (let o = 0; o < m.outLen; o++) table[o] = m.idx[m.start[o]] * inStr[m.axis];
  }
  return offsets;
}

/** Writes the nearest elements of x into out (any element type: the elements are copied). */
function gatherNearest(plan: Plan, src: Elems, dst: Elems): void {
  const offsets = (plan.offsets ??= nearestOffsets(plan));
  const out = plan.outShape;
  const r = out.length;
  const last = offsets[r - 1];
  const inner = out[r - 1];
  const rows = numelOf(out) / inner;
  const idx = plan.counters.fill(0);
  let base = 0;
  for (let d = 0; d < r - 1; d++) base += offsets[d][0];
  let o = 0;
  // row by row of the last axis; the offset of the other axes carried as the row index advances
  for (let row = 0; row < rows; row++) {
    for (let j = 0; j < inner; j++) dst[o++] = src[base + last[j]];
    for (let d = r - 2; d >= 0; d--) {
      base -= offsets[d][idx[d]];
      if (++idx[d] < out[d]) {
        base += offsets[d][idx[d]];
        break;
      }
      idx[d] = 0;
      base += offsets[d][0];
    }
  }
}

/**
 * Interpolates along one axis: src (of `shape`) -> dst (shape with the axis resized), each
 * output the weighted sum of its taps, in float64.
 */
function resamplePass(m: AxisMap, src: ArrayLike<number>, shape: readonly number[], dst: Float64Array): void {
  const d = m.axis;
  const inLen = shape[d];
  const outLen = m.outLen;
  let outer = 1;
  for (let i = 0; i < d; i++) outer *= shape[i];
  let inner = 1;
  for (let i = d + 1; i < shape.length; i++) inner *= shape[i];
  const { start, idx, w } = m;
  if (inner === 1) {
    // the last axis: one sum per output element (the same order of the terms as below)
    for (let b = 0; b < outer; b++) {
      const base = b * inLen;
      const at = b * outLen;
      for (let o = 0; o < outLen; o++) {
        const t0 = start[o];
        let acc = w[t0] * src[base + idx[t0]];
        for (let t = t0 + 1; t < start[o + 1]; t++) acc += w[t] * src[base + idx[t]];
        dst[at + o] = acc;
      }
    }
    return;
  }
  for (let b = 0; b < outer; b++) {
    for (let o = 0; o < outLen; o++) {
      const at = (b * outLen + o) * inner;
      const t0 = start[o];
      // the first tap assigns, the others add (every output has at least one tap)
      let from = (b * inLen + idx[t0]) * inner;
      let wt = w[t0];
      for (let j = 0; j < inner; j++) dst[at + j] = wt * src[from + j];
      for (let t = t0 + 1; t < start[o + 1]; t++) {
        from = (b * inLen + idx[t]) * inner;
        wt = w[t];
        for (let j = 0; j < inner; j++) dst[at + j] += wt * src[from + j];
      }
    }
  }
}

/** The nearest integer, halves to even (numpy's round, which the reference's cast applies). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Stores float64 results into an array of `dtype`: float32 rounds, integers round half to even and saturate. */
function storeAll(dtype: ODType, from: ArrayLike<number>, n: number, dst: OData): void {
  if (dtype === 'float32') {
    const out = dst as Float32Array;
    for (let i = 0; i < n; i++) out[i] = from[i];
    return;
  }
  if (dtype === 'int64') {
    const out = dst as BigInt64Array;
    for (let i = 0; i < n; i++) out[i] = toInt64(roundHalfEven(from[i]));
    return;
  }
  const { min, max } = DTYPES[dtype];
  const out = dst as Int32Array;
  for (let i = 0; i < n; i++) out[i] = Math.min(max!, Math.max(min!, roundHalfEven(from[i])));
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** A float64 integer as int64, saturated (NaN: 0). */
function toInt64(v: number): bigint {
  if (Number.isNaN(v)) return 0n;
  if (v >= 9223372036854775807) return INT64_MAX;
  if (v <= -9223372036854775808) return INT64_MIN;
  return BigInt(v);
}

/** extrapolation_value as an element of `dtype` (integers as the float results are; bool: nonzero). */
function extrapolationOf(dtype: ODType, v: number): number | bigint {
  if (dtype === 'float32') return v;
  if (dtype === 'bool') return v !== 0 ? 1 : 0;
  const one = new (DTYPES[dtype].array)(1);
  storeAll(dtype, [v], 1, one);
  return one[0];
}

/** Sets every output element whose coordinate on some axis lies outside the input (tf_crop_and_resize). */
function fillOutside(plan: Plan, dst: Elems, value: number | bigint): void {
  const out = plan.outShape;
  for (const m of plan.maps) {
    if (m.outside === undefined || !m.outside.includes(1)) continue;
    const d = m.axis;
    let outer = 1;
    for (let i = 0; i < d; i++) outer *= out[i];
    let inner = 1;
    for (let i = d + 1; i < out.length; i++) inner *= out[i];
    for (let b = 0; b < outer; b++) {
      for (let o = 0; o < m.outLen; o++) {
        if (!m.outside[o]) continue;
        const at = (b * m.outLen + o) * inner;
        for (let j = 0; j < inner; j++) dst[at + j] = value;
      }
    }
  }
}

/** Resizes x into out (of plan.outShape and x's dtype). */
function execute(cfg: Config, plan: Plan, x: OTensor, out: OTensor): void {
  const n = out.data.length;
  if (n === 0) return;
  if (plan.maps.length === 0) {
    (out.data as Float32Array).set(x.data as Float32Array);
    return;
  }
  if (cfg.mode === 'nearest') gatherNearest(plan, x.data as Elems, out.data as Elems);
  else {
    if (plan.scratch.length === 0) plan.scratch = [new Float64Array(plan.scratchSize), new Float64Array(plan.scratchSize)];
    // int64 elements are read as float64 numbers (exact to 2^53), as the reference computes
    let src: ArrayLike<number> = x.dtype === 'int64' ? Float64Array.from(x.data as BigInt64Array, Number) : (x.data as Float32Array);
    const shape = plan.inShape.slice();
    plan.maps.forEach((m, k) => {
      const dst = plan.scratch[k % 2];
      resamplePass(m, src, shape, dst);
      shape[m.axis] = m.outLen;
      src = dst;
    });
    storeAll(x.dtype, src, n, out.data);
  }
  if (cfg.coord === 'tf_crop_and_resize') fillOutside(plan, out.data as Elems, extrapolationOf(x.dtype, cfg.extrapolation));
}

// ---------------------------------------------------------------------------------------------
// The operators

function resizeKernel(ctx: NodeContext, cfg: Config): NodeFn {
  const dtypes: readonly ODType[] = cfg.mode === 'nearest' ? (Object.keys(DTYPES) as ODType[]) : INTERPOLATED;
  const checkX = (x: { dtype: ODType }): void => {
    if (!dtypes.includes(x.dtype)) throw ctx.error('DTYPE_MISMATCH', `X must be float32 or an integer type for mode '${cfg.mode}', got ${x.dtype}`);
  };
  // the plan of the last input shape and values (a stream of same-shape calls makes it once)
  let key = '';
  let last: Plan | undefined;
  const planFor = (shape: readonly number[], g: Given): Plan => {
    const k = `${shape.join(',')}|${g.scales ?? ''}|${g.sizes ?? ''}|${g.roi ?? ''}`;
    if (last === undefined || k !== key) {
      last = planOf(ctx, cfg, shape, g);
      key = k;
    }
    return last;
  };
  const kernel: NodeFn = (ins) => {
    const x = ctx.input(ins, 0, 'X');
    if (cfg.scalesInput === 1) ctx.input(ins, 1, 'scales');
    checkX(x);
    const plan = planFor(x.shape, givenOf(ctx, cfg, ins));
    const out = alloc(x.dtype, plan.outShape.slice(), ctx.label);
    execute(cfg, plan, x, out);
    return [out];
  };
  kernel.prepare = (types) => {
    // scales / sizes / roi known here (constants): the plan is made once, runs into the plan's buffer
    const x = types[0];
    if (x === undefined || !dtypes.includes(x.dtype) || (cfg.mode !== 'nearest' && x.dtype === 'int64')) return undefined;
    const values: (OTensor | undefined)[] = [];
    for (let i = 1; i < types.length; i++) {
      const t = types[i];
      const known = ctx.constInputs[i] ?? (t !== undefined && 'data' in t ? (t as OTensor) : undefined);
      if (t !== undefined && known === undefined && (i !== cfg.roiInput || cfg.coord === 'tf_crop_and_resize')) return undefined;
      values[i] = known;
    }
    let plan: Plan;
    try {
      if (cfg.scalesInput === 1 && values[1] === undefined) return undefined;
      plan = planOf(ctx, cfg, x.shape, givenOf(ctx, cfg, values));
    } catch {
      return undefined;
    }
    return { outputs: [{ dtype: x.dtype, shape: plan.outShape }], run: (ins, outs) => execute(cfg, plan, ins[0]!, outs[0]) };
  };
  return kernel;
}

const resize: OpFactory = (ctx) => resizeKernel(ctx, resizeConfig(ctx));
const upsample: OpFactory = (ctx) => resizeKernel(ctx, upsampleConfig(ctx));

export const RESIZE_OPS: Record<string, OpFactory> = { Resize: resize, Upsample: upsample };

/** TopK, CumSum and Einsum. */
import { fmtShape } from '../../../base/errors.js';
import type { NodeContext } from '../node.js';
import { alloc, numelOf, NUMERIC, type OTensor } from '../values.js';
import { normAxis, requireDtype, requireFloat, requireOpset, scalarOf, walkStrided, type Elems, type OpFactory } from './util.js';

const topK: OpFactory = (ctx) => {
  ctx.allowOnly(ctx.opset < 10 ? ['axis', 'k'] : ctx.opset < 11 ? ['axis'] : ['axis', 'largest', 'sorted']);
  const axisAttr = ctx.int('axis', -1);
  const kAttr = ctx.int('k');
  if (ctx.opset < 10 && kAttr === undefined) throw ctx.error('INVALID_FORMAT', "attribute 'k' is required before opset 10");
  const largest = ctx.int('largest', 1) !== 0;
  // sorted=0 leaves the order unspecified; the sorted order is one valid answer.
  ctx.int('sorted', 1);
  return (ins) => {
    const x = ctx.input(ins, 0, 'X');
    requireDtype(ctx, x, 'X', NUMERIC);
    const r = x.shape.length;
    const axis = normAxis(ctx, axisAttr, r);
    let k = kAttr ?? 0;
    if (ctx.opset >= 10) {
      const kt = ctx.input(ins, 1, 'K');
      requireDtype(ctx, kt, 'K', ['int64']);
      k = Number(scalarOf(ctx, kt, 'K'));
    }
    const dim = x.shape[axis];
    if (!(k >= 0 && k <= dim)) throw ctx.error('INVALID_INPUT', `k = ${k} is out of range for axis ${axis} of size ${dim} (input ${fmtShape(x.shape)})`);
    const outer = numelOf(x.shape.slice(0, axis));
    const inner = numelOf(x.shape.slice(axis + 1));
    const shape = x.shape.map((d, i) => (i === axis ? k : d));
    const values = alloc(x.dtype, shape, ctx.label);
    const indices = alloc('int64', shape.slice(), ctx.label);
    const src = x.data as Elems;
    const vals = values.data as Elems;
    const idxs = indices.data as BigInt64Array;
    const order = new Array<number>(dim);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (j: number) => src[(o * dim + j) * inner + i];
        for (let j = 0; j < dim; j++) order[j] = j;
        // Stable sort: equal values keep the lower index first, as the spec requires.
        order.sort((p, q) => {
          const a = at(p);
          const b = at(q);
          return a === b ? p - q : (largest ? a < b : a > b) ? 1 : -1;
        });
        for (let j = 0; j < k; j++) {
          const dst = (o * k + j) * inner + i;
          vals[dst] = at(order[j]);
          idxs[dst] = BigInt(order[j]);
        }
      }
    }
    return [values, indices];
  };
};

const cumSum: OpFactory = (ctx) => {
  requireOpset(ctx, 11);
  ctx.allowOnly(['exclusive', 'reverse']);
  const exclusive = ctx.int('exclusive', 0) !== 0;
  const reverse = ctx.int('reverse', 0) !== 0;
  return (ins) => {
    const x = ctx.input(ins, 0, 'x');
    requireDtype(ctx, x, 'x', ['float32', 'int64', 'int32']);
    const axisT = ctx.input(ins, 1, 'axis');
    requireDtype(ctx, axisT, 'axis', ['int64', 'int32']);
    const axis = normAxis(ctx, Number(scalarOf(ctx, axisT, 'axis')), x.shape.length);
    const dim = x.shape[axis];
    const outer = numelOf(x.shape.slice(0, axis));
    const inner = numelOf(x.shape.slice(axis + 1));
    const out = alloc(x.dtype, x.shape.slice(), ctx.label);
    const src = x.data as Elems;
    const dst = out.data as Elems;
    const int64 = x.dtype === 'int64';
    const plus = (a: number | bigint, v: number | bigint) => (int64 ? (a as bigint) + (v as bigint) : (a as number) + (v as number));
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        // Float sums run in float64 (int32 sums too, exact), int64 in bigints.
        let acc: number | bigint = int64 ? 0n : 0;
        for (let s = 0; s < dim; s++) {
          const j = reverse ? dim - 1 - s : s;
          const p = (o * dim + j) * inner + i;
          const v = src[p];
          if (!exclusive) acc = plus(acc, v);
          dst[p] = acc;
          if (exclusive) acc = plus(acc, v);
        }
      }
    }
    return [out];
  };
};

// ---------------------------------------------------------------------------------------------
// Einsum

/** An equation term as labels: letters are 0-51, the k-th ellipsis dim from the right is -1 - k. */
type Term = { labels: number[]; ellipsis: boolean };

function parseTerm(ctx: NodeContext, text: string): Term {
  const labels: number[] = [];
  let ellipsis = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '.') {
      if (ellipsis || text.slice(i, i + 3) !== '...') throw ctx.error('INVALID_FORMAT', `equation term '${text}' has a malformed ellipsis`);
      ellipsis = true;
      labels.push(NaN); // placeholder, expanded once the rank is known
      i += 2;
    } else if (/[a-zA-Z]/.test(ch)) labels.push(ch >= 'a' ? ch.charCodeAt(0) - 97 : ch.charCodeAt(0) - 65 + 26);
    else throw ctx.error('INVALID_FORMAT', `equation term '${text}' has the character '${ch}'`);
  }
  return { labels, ellipsis };
}

/** The term's labels for a tensor of `rank` dims (the ellipsis expanded, right-aligned ids). */
function expandTerm(ctx: NodeContext, t: Term, rank: number, what: string): number[] {
  const letters = t.labels.length - (t.ellipsis ? 1 : 0);
  const dots = rank - letters;
  if (dots < 0 || (!t.ellipsis && dots !== 0)) throw ctx.error('SHAPE_MISMATCH', `${what} of rank ${rank} does not match its equation term of ${letters} labels`);
  return t.labels.flatMap((l) => (Number.isNaN(l) ? Array.from({ length: dots }, (_, k) => -dots + k) : [l]));
}

const einsum: OpFactory = (ctx) => {
  requireOpset(ctx, 12);
  ctx.allowOnly(['equation']);
  const equation = ctx.string('equation');
  if (equation === undefined) throw ctx.error('INVALID_FORMAT', "attribute 'equation' is required");
  const [lhs, rhs] = equation.replace(/\s+/g, '').split('->');
  const terms = lhs.split(',').map((t) => parseTerm(ctx, t));
  const outTerm = rhs === undefined ? undefined : parseTerm(ctx, rhs);
  return (ins) => {
    const xs = ins.filter((t): t is OTensor => t !== undefined);
    if (xs.length !== terms.length) throw ctx.error('INVALID_FORMAT', `equation '${equation}' has ${terms.length} terms for ${xs.length} inputs`);
    const data = xs.map((x, i) => requireFloat(ctx, x, `input ${i}`));
    const inLabels = xs.map((x, i) => expandTerm(ctx, terms[i], x.shape.length, `input ${i}`));
    // Size of every label; ellipsis dims broadcast (size 1 stretches), letters must agree.
    const size = new Map<number, number>();
    inLabels.forEach((ls, i) => ls.forEach((l, d) => {
      const n = xs[i].shape[d];
      const prev = size.get(l);
      if (prev === undefined || (l < 0 && prev === 1)) size.set(l, n);
      else if (prev !== n && !(l < 0 && n === 1)) throw ctx.error('SHAPE_MISMATCH', `label size ${n} of input ${i} disagrees with ${prev} in equation '${equation}'`);
    }));
    const dots = Math.max(0, ...inLabels.map((ls) => ls.filter((l) => l < 0).length));
    const ellipsisIds = Array.from({ length: dots }, (_, k) => -dots + k);
    let outLabels: number[];
    if (outTerm) {
      outLabels = outTerm.labels.flatMap((l) => (Number.isNaN(l) ? ellipsisIds : [l]));
      for (const l of outLabels) if (!size.has(l)) throw ctx.error('INVALID_FORMAT', `output label of equation '${equation}' is not in any input`);
    } else {
      // Implicit output: the ellipsis dims, then the letters used exactly once, in alphabetical order.
      const counts = new Map<number, number>();
      for (const ls of inLabels) for (const l of ls) if (l >= 0) counts.set(l, (counts.get(l) ?? 0) + 1);
      outLabels = [...ellipsisIds, ...[...counts].filter(([, c]) => c === 1).map(([l]) => l).sort((a, b) => a - b)];
    }
    const summed = [...size.keys()].filter((l) => !outLabels.includes(l));
    const all = [...outLabels, ...summed];
    const dims = all.map((l) => size.get(l)!);
    // Stride of every label in every input (repeated labels add up: diagonals; broadcast dims 0).
    const strides = xs.map((x, i) => {
      const st = all.map(() => 0);
      let acc = 1;
      for (let d = x.shape.length - 1; d >= 0; d--) {
        if (x.shape[d] !== 1) st[all.indexOf(inLabels[i][d])] += acc;
        acc *= x.shape[d];
      }
      return st;
    });
    const out = alloc('float32', outLabels.map((l) => size.get(l)!), ctx.label);
    const acc = new Float64Array(out.data.length);
    const inner = numelOf(dims.slice(outLabels.length));
    walkStrided(dims, strides, (n, off) => {
      let p = 1;
      for (let i = 0; i < xs.length; i++) p *= data[i][off[i]];
      acc[Math.floor(n / inner)] += p;
    });
    (out.data as Float32Array).set(acc);
    return [out];
  };
};

export const MISC_OPS: Record<string, OpFactory> = {
  TopK: topK,
  CumSum: cumSum,
  Einsum: einsum,
};

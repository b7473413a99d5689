/**
 * Softmax and LogSoftmax: before opset 13 the input is coerced to 2-D at `axis` (default 1), from
 * 13 they apply along `axis` (default -1).
 */
import { numelOf } from '../values.js';
import { normAxis, requireFloat, type OpFactory } from './util.js';


function softmaxLike(log: boolean): OpFactory {
  return (ctx) => {
    ctx.allowOnly(['axis']);
    const legacy = ctx.opset < 13;
    const axisAttr = ctx.int('axis', legacy ? 1 : -1);
    return (ins) => {
      const x = ctx.input(ins, 0, 'input');
      const src = requireFloat(ctx, x, 'input');
      const r = x.shape.length;
      let outer: number;
      let dim: number;
      let inner: number;
      if (legacy) {
        // opset < 13: coerce to 2-D [prod(shape[:axis]), prod(shape[axis:])], normalise each row.
        if (axisAttr < -r || axisAttr > r) throw ctx.error('INVALID_INPUT', `axis ${axisAttr} is out of range for rank ${r}`);
        const axis = axisAttr < 0 ? axisAttr + r : axisAttr;
        outer = numelOf(x.shape.slice(0, axis));
        dim = numelOf(x.shape.slice(axis));
        inner = 1;
      } else {
        const axis = normAxis(ctx, axisAttr, r);
        outer = numelOf(x.shape.slice(0, axis));
        dim = x.shape[axis];
        inner = numelOf(x.shape.slice(axis + 1));
      }
      const out = new Float32Array(src.length);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * dim * inner + i;
          let max = -Infinity;
          for (let k = 0; k < dim; k++) max = Math.max(max, src[base + k * inner]);
          let sum = 0;
          for (let k = 0; k < dim; k++) sum += Math.exp(src[base + k * inner] - max);
          if (log) {
            const ls = Math.log(sum);
            for (let k = 0; k < dim; k++) out[base + k * inner] = src[base + k * inner] - max - ls;
          } else {
            for (let k = 0; k < dim; k++) out[base + k * inner] = Math.exp(src[base + k * inner] - max) / sum;
          }
        }
      }
      return [{ dtype: 'float32', data: out, shape: x.shape.slice() }];
    };
  };
}


export const SOFTMAX_OPS: Record<string, OpFactory> = {
  Softmax: softmaxLike(false),
  LogSoftmax: softmaxLike(true),
};

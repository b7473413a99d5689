// y[i] = tanh(x[i]) for i < n (method and error bound: assembly/math/activations.ts).
import { vunary, vunary_scalar, OP_TANH } from './f32-vunary';

/** Reference variant: one element at a time with tanh_scalar. */
export function f32_vtanh__scalar(y: usize, x: usize, n: i32): void {
  vunary_scalar(OP_TANH, y, x, n);
}

/** Dispatched variant (see vunary in f32-vunary.ts). */
export function f32_vtanh(y: usize, x: usize, n: i32): void {
  vunary(OP_TANH, y, x, n);
}

// y[i] = sigmoid(x[i]) for i < n (method and error bound: assembly/math/activations.ts).
import { vunary, vunary_scalar, OP_SIGMOID } from './f32-vunary';

/** Reference variant: one element at a time with sigmoid_scalar. */
export function f32_vsigmoid__scalar(y: usize, x: usize, n: i32): void {
  vunary_scalar(OP_SIGMOID, y, x, n);
}

/** Dispatched variant (see vunary in f32-vunary.ts). */
export function f32_vsigmoid(y: usize, x: usize, n: i32): void {
  vunary(OP_SIGMOID, y, x, n);
}

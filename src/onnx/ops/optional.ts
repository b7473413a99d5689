/**
 * Optional tensors (opsets 15-21): Optional, OptionalHasElement, OptionalGetElement. An optional is
 * an OTensor with `items` holding its tensor or nothing (values.ts, optionalOf). torch.onnx.export
 * writes them for an `Optional[Tensor]` argument of a scripted module (`if h is None: h = ...`): the
 * graph input is optional, OptionalHasElement picks an If branch, OptionalGetElement reads it.
 * Optionals live inside a graph and in its inputs (run() may leave such an input out); a graph
 * output of an optional type is UNSUPPORTED, and so are optional sequences.
 *
 * Shape inference at load describes an optional by its element's type (an optional graph input
 * by its declaration); the rules below never give an optional a value, so it never folds into a
 * tensor.
 */
import { kindName, type NodeContext, type NodeFn } from '../node.js';
import type { SymValue } from '../infer.js';
import { alloc, optionalOf } from '../values.js';
import { requireOpset, type OpFactory } from './util.js';

/** A factory for an operator that takes or makes optionals, from opset 15. */
function optionalOp(make: OpFactory): OpFactory {
  const factory: OpFactory = (ctx) => {
    requireOpset(ctx, 15);
    if (ctx.inputKinds[0] === 'sequence') throw ctx.error('UNSUPPORTED', `input 0 ('${ctx.node.inputs[0]}') is a sequence: optional sequences are not supported`);
    return make(ctx);
  };
  factory.takesNonTensors = true;
  return factory;
}

/** Its input, when given, must be an optional before opset `tensorFrom` (a tensor too from then). */
function checkInputKind(ctx: NodeContext, tensorFrom: number): void {
  const name = ctx.node.inputs[0] ?? '';
  const kind = ctx.inputKinds[0];
  if (name !== '' && kind === 'tensor' && ctx.opset < tensorFrom) {
    throw ctx.error('INVALID_FORMAT', `input 0 ('${name}') is ${kindName(kind)}; ${ctx.node.opType} takes an optional before opset ${tensorFrom}`);
  }
}

/** Optional(x): an optional holding x; with no input, an empty one (of the element type its `type` attribute names). */
const optional = optionalOp((ctx) => {
  ctx.allowOnly(['type']);
  const name = ctx.node.inputs[0] ?? '';
  if (name !== '' && ctx.inputKinds[0] !== 'tensor') throw ctx.error('INVALID_FORMAT', `input 0 ('${name}') is ${kindName(ctx.inputKinds[0])}: Optional takes a tensor`);
  ctx.outputKinds = ['optional'];
  // the element type of an empty optional is in the `type` attribute, a TypeProto the decoder
  // skips: an empty optional is float32 (no operator reads the type of nothing)
  const kernel: NodeFn = (ins) => [optionalOf(ins[0]?.dtype ?? 'float32', ins[0])];
  kernel.inferTypes = (n) => [typeOnly(n.ins[0])];
  return kernel;
});

/** OptionalHasElement: whether the optional holds a tensor (opset 18: a tensor holds one, an absent input none). */
const optionalHasElement = optionalOp((ctx) => {
  ctx.allowOnly([]);
  checkInputKind(ctx, 18);
  if ((ctx.node.inputs[0] ?? '') === '' && ctx.opset < 18) throw ctx.error('INVALID_FORMAT', 'input 0 is required before opset 18');
  const isOptional = ctx.inputKinds[0] === 'optional';
  const absent = (ctx.node.inputs[0] ?? '') === '';
  const kernel: NodeFn = (ins) => {
    const x = ins[0];
    const out = alloc('bool', [], `${ctx.label}: output`);
    out.data[0] = x === undefined ? 0 : isOptional ? (x.items!.length > 0 ? 1 : 0) : 1;
    return [out];
  };
  // of a tensor or of nothing it is known at load
  kernel.inferTypes = () => [{ dtype: 'bool', shape: [], value: isOptional ? undefined : [absent ? 0 : 1] }];
  return kernel;
});

/** OptionalGetElement: the optional's tensor (INVALID_INPUT when it is empty); from opset 18 a tensor passes through. */
const optionalGetElement = optionalOp((ctx) => {
  ctx.allowOnly([]);
  checkInputKind(ctx, 18);
  const isOptional = ctx.inputKinds[0] === 'optional';
  const kernel: NodeFn = (ins) => {
    const x = ctx.input(ins, 0, 'input');
    if (!isOptional) return [x];
    const value = x.items![0];
    if (value === undefined) throw ctx.error('INVALID_INPUT', `input '${ctx.node.inputs[0]}' is an empty optional: it holds no tensor to get`);
    return [value];
  };
  // its element's type (a run that finds none fails)
  kernel.inferTypes = (n) => [typeOnly(n.ins[0])];
  return kernel;
});

function typeOnly(t: SymValue | undefined): SymValue | undefined {
  return t === undefined ? undefined : { dtype: t.dtype, shape: t.shape?.slice() };
}

export const OPTIONAL_OPS: Record<string, OpFactory> = {
  Optional: optional,
  OptionalHasElement: optionalHasElement,
  OptionalGetElement: optionalGetElement,
};

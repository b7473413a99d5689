/** A tiny ONNX protobuf encoder for tests (hand-built models for error cases and fuzzing). */
type Bytes = number[];

export function varint(v: number | bigint): Bytes {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: Bytes = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x) b |= 0x80;
    out.push(b);
  } while (x);
  return out;
}
const key = (f: number, wt: number) => varint(f * 8 + wt);
export const fInt = (f: number, v: number | bigint): Bytes => [...key(f, 0), ...varint(v)];
export const fLen = (f: number, b: Bytes): Bytes => [...key(f, 2), ...varint(b.length), ...b];
export const fStr = (f: number, s: string): Bytes => fLen(f, [...new TextEncoder().encode(s)]);
export const fFloat = (f: number, v: number): Bytes => [...key(f, 5), ...new Uint8Array(new Float32Array([v]).buffer)];

export interface TensorSpec {
  name: string;
  dims: number[];
  /** 1 float, 7 int64, 6 int32 */
  type?: number;
  data: number[];
  external?: boolean;
}

export function tensor(t: TensorSpec): Bytes {
  const type = t.type ?? 1;
  const raw =
    type === 1 ? new Uint8Array(new Float32Array(t.data).buffer) : type === 7 ? new Uint8Array(BigInt64Array.from(t.data, (v) => BigInt(v)).buffer) : new Uint8Array(new Int32Array(t.data).buffer);
  return [...t.dims.flatMap((d) => fInt(1, d)), ...fInt(2, type), ...fStr(8, t.name), ...(t.external ? fInt(14, 1) : fLen(9, [...raw]))];
}

export type Attr = { name: string } & ({ i: number } | { f: number } | { s: string } | { ints: number[] } | { floats: number[] } | { strings: string[] } | { t: TensorSpec } | { g: GraphSpec });

function attr(a: Attr): Bytes {
  const b: Bytes = [...fStr(1, a.name)];
  if ('i' in a) b.push(...fInt(3, a.i), ...fInt(20, 2));
  else if ('f' in a) b.push(...fFloat(2, a.f), ...fInt(20, 1));
  else if ('s' in a) b.push(...fStr(4, a.s), ...fInt(20, 3));
  else if ('ints' in a) b.push(...a.ints.flatMap((v) => fInt(8, v)), ...fInt(20, 7));
  else if ('floats' in a) b.push(...a.floats.flatMap((v) => fFloat(7, v)), ...fInt(20, 6));
  else if ('strings' in a) b.push(...a.strings.flatMap((v) => fStr(9, v)), ...fInt(20, 8));
  else if ('g' in a) b.push(...fLen(6, graph(a.g)), ...fInt(20, 5));
  else b.push(...fLen(5, tensor(a.t)), ...fInt(20, 4));
  return b;
}

export interface NodeSpec {
  op: string;
  name?: string;
  inputs: string[];
  outputs: string[];
  attrs?: Attr[];
  domain?: string;
}

export interface ValueSpec {
  name: string;
  type?: number;
  /** numbers or symbolic names */
  shape?: (number | string)[];
  /** A sequence of tensors of `type` (TypeProto.sequence_type). */
  sequence?: boolean;
  /** An optional tensor of `type` (TypeProto.optional_type). */
  optional?: boolean;
}

function valueInfo(v: ValueSpec): Bytes {
  const dims = (v.shape ?? []).map((d) => fLen(1, typeof d === 'number' ? fInt(1, d) : fStr(2, d)));
  const tt = [...fInt(1, v.type ?? 1), ...(v.shape ? fLen(2, dims.flat()) : [])];
  // TypeProto: tensor_type (1), or sequence_type (4) / optional_type (9) holding the element's TypeProto
  const type = v.sequence ? fLen(4, fLen(1, fLen(1, tt))) : v.optional ? fLen(9, fLen(1, fLen(1, tt))) : fLen(1, tt);
  return [...fStr(1, v.name), ...fLen(2, type)];
}

/** A graph: the main graph of a model, or a sub-graph attribute (If branches: no inputs). */
export interface GraphSpec {
  name?: string;
  nodes: NodeSpec[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers?: TensorSpec[];
}

export interface ModelSpec extends GraphSpec {
  opset?: number;
}

function graph(g: GraphSpec): Bytes {
  return [
    ...g.nodes.flatMap((n) =>
      fLen(1, [...n.inputs.flatMap((i) => fStr(1, i)), ...n.outputs.flatMap((o) => fStr(2, o)), ...fStr(3, n.name ?? ''), ...fStr(4, n.op), ...(n.attrs ?? []).flatMap((a) => fLen(5, attr(a))), ...(n.domain ? fStr(7, n.domain) : [])]),
    ),
    ...fStr(2, g.name ?? 'g'),
    ...(g.initializers ?? []).flatMap((t) => fLen(5, tensor(t))),
    ...g.inputs.flatMap((v) => fLen(11, valueInfo(v))),
    ...g.outputs.flatMap((v) => fLen(12, valueInfo(v))),
  ];
}

export function model(m: ModelSpec): Uint8Array {
  return new Uint8Array([...fInt(1, 8), ...fLen(7, graph(m)), ...fLen(8, [...fStr(1, ''), ...fInt(2, m.opset ?? 14)])]);
}

/**
 * Graphs of one node under test fed from graph inputs, for comparing an operator with
 * onnxruntime-web on seeded random inputs (ops-extra.test.ts, ops-indexing.test.ts). float32,
 * int32 and int64 inputs are fed directly; bool and the 8- and 16-bit integers are fed as int32
 * and cast in the graph (runOrt feeds float32, int32 and int64 only).
 */
import type { Tensor } from '../../base/tensor.js';
import { model, type Attr, type NodeSpec } from './encode.js';

export type InType = 'float32' | 'int64' | 'int32' | 'bool' | 'int8' | 'uint8' | 'int16' | 'uint16';
export const ONNX_TYPE: Record<InType, number> = { float32: 1, int64: 7, int32: 6, bool: 9, int8: 3, uint8: 2, int16: 5, uint16: 4 };

export interface In {
  type?: InType;
  shape: number[];
  /** Fixed values; otherwise uniform random in [lo, hi) (integers for integer types). */
  data?: number[];
  lo?: number;
  hi?: number;
  /** An optional input left out ('' in the node). */
  omit?: boolean;
  /** Random integers avoid 0 (divisors). */
  nonzero?: boolean;
}

export interface SingleNode {
  name: string;
  op: string;
  opset: number;
  attrs?: Attr[];
  inputs: In[];
}

/**
 * The node `c` named 'node_under_test', its inputs in0, in1, ... with their values (`data`, else
 * drawn from `rand`, one draw per element, in [lo, hi) or the type's `range`), and `outputs`.
 */
export function singleNodeGraph(
  c: SingleNode, rand: () => number, range: (type: InType) => [number, number], outputs: readonly { name: string; type: InType }[],
): { bytes: Uint8Array; feeds: Record<string, Tensor> } {
  const nodes: NodeSpec[] = [];
  const inputs: { name: string; type: number; shape: number[] }[] = [];
  const feeds: Record<string, Tensor> = {};
  const names = c.inputs.map((inp, i) => {
    if (inp.omit) return '';
    const type = inp.type ?? 'float32';
    const n = inp.shape.reduce((a, b) => a * b, 1);
    const lo = inp.lo ?? range(type)[0];
    const hi = inp.hi ?? range(type)[1];
    const values = inp.data ?? Array.from({ length: n }, () => {
      const v = type === 'float32' ? lo + (hi - lo) * rand() : Math.floor(lo + (hi - lo) * rand());
      return inp.nonzero && v === 0 ? 1 : v;
    });
    if (values.length !== n) throw new Error(`${c.name}: input ${i} has ${values.length} values for shape [${inp.shape}]`);
    const castInGraph = type !== 'float32' && type !== 'int32' && type !== 'int64';
    const fedType = castInGraph ? 'int32' : type;
    const fedName = castInGraph ? `raw${i}` : `in${i}`;
    inputs.push({ name: fedName, type: ONNX_TYPE[fedType], shape: inp.shape });
    const data = fedType === 'float32' ? Float32Array.from(values) : fedType === 'int64' ? BigInt64Array.from(values, (v) => BigInt(v)) : Int32Array.from(values);
    feeds[fedName] = { data, shape: inp.shape };
    if (castInGraph) nodes.push({ op: 'Cast', name: `cast${i}`, inputs: [fedName], outputs: [`in${i}`], attrs: [{ name: 'to', i: ONNX_TYPE[type] }] });
    return `in${i}`;
  });
  nodes.push({ op: c.op, name: 'node_under_test', inputs: names, outputs: outputs.map((o) => o.name), attrs: c.attrs });
  return { bytes: model({ opset: c.opset, nodes, inputs, outputs: outputs.map((o) => ({ name: o.name, type: ONNX_TYPE[o.type] })) }), feeds };
}

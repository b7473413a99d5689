/**
 * Decoding of the ONNX protobuf messages wasm-rnn needs (onnx/onnx.proto3, IR version 3-10):
 * ModelProto, OperatorSetIdProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto / TypeProto.Tensor / TensorShapeProto. Unknown fields are skipped. Sub-graphs
 * (attribute fields g / graphs: the bodies of If, Loop, Scan) are decoded up to MAX_GRAPH_DEPTH
 * levels of nesting; deeper nesting is INVALID_FORMAT, so a hostile file cannot recurse without
 * bound. Sparse tensors and type protos in attributes are not decoded.
 */
import { RnnError } from '../../base/errors.js';
import { Reader, WT_I32, WT_I64, WT_LEN, WT_VARINT } from './wire.js';

/** ONNX TensorProto.DataType values. */
export const DT = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

export const DT_NAMES: Record<number, string> = Object.fromEntries(Object.entries(DT).map(([k, v]) => [v, k]));

export function dtName(dt: number): string {
  return DT_NAMES[dt] ?? `data type ${dt}`;
}

export interface TensorProtoMsg {
  name: string;
  dims: number[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  int64Data: bigint[];
  doubleData: number[];
  uint64Data: bigint[];
  rawData: Uint8Array | undefined;
  hasStringData: boolean;
  external: boolean;
  segment: boolean;
}

export interface AttributeMsg {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProtoMsg;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
  tensors: TensorProtoMsg[];
  /** Sub-graph (type GRAPH), decoded when first asked for (see Subgraph). */
  g?: Subgraph;
  /** Sub-graphs (type GRAPHS). */
  graphs: Subgraph[];
  /** Set when the attribute holds a sparse tensor or type proto (not decoded). */
  other: boolean;
  refAttrName?: string;
}

export interface NodeMsg {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: AttributeMsg[];
}

export interface ValueInfoMsg {
  name: string;
  /** Element type of a tensor type, or undefined when the type is absent / not a tensor. */
  elemType: number | undefined;
  /** Dims: a number (dim_value), a string (dim_param) or null (unknown); undefined = unknown rank. */
  shape: (number | string | null)[] | undefined;
  /** An optional tensor (TypeProto.optional_type): elemType and shape are its element's. */
  optional?: boolean;
}

export interface GraphMsg {
  name: string;
  nodes: NodeMsg[];
  initializers: TensorProtoMsg[];
  inputs: ValueInfoMsg[];
  outputs: ValueInfoMsg[];
  hasSparseInitializers: boolean;
}

export interface ModelMsg {
  irVersion: number;
  producerName: string;
  opsets: Map<string, number>;
  graph: GraphMsg | undefined;
  /** Every sub-graph found so far: the main graph's, and those of the sub-graphs decoded since (Subgraph). */
  subgraphs: Subgraph[];
}

// AttributeProto.AttributeType
export const AT = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14 } as const;

export function decodeTensorProto(r: Reader): TensorProtoMsg {
  const t: TensorProtoMsg = {
    name: '',
    dims: [],
    dataType: 0,
    floatData: [],
    int32Data: [],
    int64Data: [],
    doubleData: [],
    uint64Data: [],
    rawData: undefined,
    hasStringData: false,
    external: false,
    segment: false,
  };
  while (!r.done) {
    const f = r.tag();
    const wt = r.wt;
    switch (f) {
      case 1:
        r.repeated(wt, WT_VARINT, 'dims', (s) => t.dims.push(s.varint()));
        break;
      case 2:
        r.expect(wt, WT_VARINT, 'data_type');
        t.dataType = r.varint32();
        break;
      case 3:
        t.segment = true;
        r.skip(wt);
        break;
      case 4:
        r.repeated(wt, WT_I32, 'float_data', (s) => t.floatData.push(s.float32()));
        break;
      case 5:
        r.repeated(wt, WT_VARINT, 'int32_data', (s) => t.int32Data.push(s.varint32()));
        break;
      case 6:
        t.hasStringData = true;
        r.skip(wt);
        break;
      case 7:
        r.repeated(wt, WT_VARINT, 'int64_data', (s) => t.int64Data.push(s.varintBig()));
        break;
      case 8:
        r.expect(wt, WT_LEN, 'name');
        t.name = r.string();
        break;
      case 9:
        r.expect(wt, WT_LEN, 'raw_data');
        t.rawData = r.bytes();
        break;
      case 10:
        r.repeated(wt, WT_I64, 'double_data', (s) => t.doubleData.push(s.float64()));
        break;
      case 11:
        r.repeated(wt, WT_VARINT, 'uint64_data', (s) => t.uint64Data.push(BigInt.asUintN(64, s.varintBig())));
        break;
      case 13:
        t.external = true;
        r.skip(wt);
        break;
      case 14:
        r.expect(wt, WT_VARINT, 'data_location');
        if (r.varint() === 1) t.external = true;
        break;
      default:
        r.skip(wt);
    }
  }
  return t;
}

/**
 * Deepest nesting of sub-graphs decoded: the main graph is depth 0, an If branch inside it depth
 * 1. Real models nest a few levels (Silero VAD v5: 5); 32 leaves room and bounds the recursion.
 */
export const MAX_GRAPH_DEPTH = 32;

/**
 * A sub-graph attribute (an If branch), decoded into a GraphMsg the first time `graph()` is
 * called: the planner asks only for the branches it plans, so the branch of an If whose condition
 * folds at load the other way (Silero VAD's 8 kHz half when `sr` is fixed to 16000) is never
 * decoded, half of such a model's decoding. Malformed bytes are still found at load:
 * `checkUndecoded` (which loadOnnx calls once the graph is planned) skims every sub-graph nobody
 * decoded, checking every length and wire type the decoder reads, down to the deepest nested graph
 * and counted against MAX_GRAPH_DEPTH.
 */
export class Subgraph {
  private decoded: GraphMsg | undefined;
  /** Counts of the GraphProto's input and output fields (one pass over its top-level fields). */
  readonly inputCount: number;
  readonly outputCount: number;

  constructor(
    private readonly buf: Uint8Array,
    private readonly start: number,
    private readonly end: number,
    private readonly depth: number,
    private readonly what: string,
    /** The model's sub-graphs: the ones this graph holds join it when it is decoded. */
    private readonly all: Subgraph[],
  ) {
    const counts = skimGraph(new Reader(buf, what, start, end), depth, false);
    this.inputCount = counts.inputs;
    this.outputCount = counts.outputs;
    all.push(this);
  }

  graph(): GraphMsg {
    if (this.decoded === undefined) {
      const outer = registry;
      registry = this.all;
      try {
        this.decoded = decodeGraph(new Reader(this.buf, this.what, this.start, this.end), this.depth);
      } finally {
        registry = outer;
      }
    }
    return this.decoded;
  }

  /** Checks the wire structure of a sub-graph that was not decoded (see the class comment). */
  checkIfUndecoded(): void {
    if (this.decoded === undefined) skimGraph(new Reader(this.buf, this.what, this.start, this.end), this.depth, true);
  }
}

/** Where the sub-graphs being decoded are listed (a model's ModelMsg.subgraphs). */
let registry: Subgraph[] | undefined;

/** Skims every sub-graph of `model` that the planner did not decode: INVALID_FORMAT if malformed. */
export function checkUndecoded(model: ModelMsg): void {
  // decoding none adds none, so the list is complete
  for (const g of model.subgraphs) g.checkIfUndecoded();
}

function decodeSubgraph(r: Reader, a: AttributeMsg, depth: number): Subgraph {
  const sub = nested(r.sub(`${r.what} attribute '${a.name}'`), depth);
  return new Subgraph(sub.buf, sub.pos, sub.end, depth + 1, sub.what, registry ?? []);
}

/** `sub`, a sub-graph one level below `depth`: INVALID_FORMAT past MAX_GRAPH_DEPTH. */
function nested(sub: Reader, depth: number): Reader {
  if (depth + 1 > MAX_GRAPH_DEPTH) sub.fail(`sub-graphs are nested more than ${MAX_GRAPH_DEPTH} levels deep`);
  return sub;
}

/**
 * Checks the wire structure of a GraphProto without building it: every field's length stays
 * inside its message, the fields decodeGraph / decodeNode / decodeAttribute read have the wire
 * type they expect, nested sub-graphs are skimmed too (and counted against MAX_GRAPH_DEPTH).
 * Returns the counts of graph inputs and outputs.
 */
function skimGraph(r: Reader, depth: number, nodes = true): { inputs: number; outputs: number } {
  let inputs = 0;
  let outputs = 0;
  while (!r.done) {
    const f = r.tag();
    const wt = r.wt;
    switch (f) {
      case 1:
        r.expect(wt, WT_LEN, 'node');
        if (nodes) skimNode(r.sub(r.what), depth);
        else r.skip(wt);
        break;
      case 2:
      case 5:
      case 11:
      case 12:
        r.expect(wt, WT_LEN, f === 2 ? 'name' : f === 5 ? 'initializer' : f === 11 ? 'input' : 'output');
        r.skip(wt);
        if (f === 11) inputs++;
        else if (f === 12) outputs++;
        break;
      default:
        r.skip(wt);
    }
  }
  return { inputs, outputs };
}

function skimNode(r: Reader, depth: number): void {
  while (!r.done) {
    const f = r.tag();
    const wt = r.wt;
    if (f === 5) {
      r.expect(wt, WT_LEN, 'attribute');
      const a = r.sub(r.what);
      while (!a.done) {
        const g = a.tag();
        const w = a.wt;
        if (g === 6 || g === 11) {
          a.expect(w, WT_LEN, g === 6 ? 'g' : 'graphs');
          skimGraph(nested(a.sub(a.what), depth), depth + 1);
        } else a.skip(w);
      }
    } else {
      if ((f >= 1 && f <= 4) || f === 7) r.expect(wt, WT_LEN, 'input, output, name, op_type or domain');
      r.skip(wt);
    }
  }
}

function decodeAttribute(r: Reader, depth: number): AttributeMsg {
  const a: AttributeMsg = { name: '', type: 0, floats: [], ints: [], strings: [], tensors: [], graphs: [], other: false };
  while (!r.done) {
    const f = r.tag();
    const wt = r.wt;
    switch (f) {
      case 1:
        r.expect(wt, WT_LEN, 'name');
        a.name = r.string();
        break;
      case 2:
        r.expect(wt, WT_I32, 'f');
        a.f = r.float32();
        break;
      case 3:
        r.expect(wt, WT_VARINT, 'i');
        a.i = r.varintClamped();
        break;
      case 4:
        r.expect(wt, WT_LEN, 's');
        a.s = r.bytes();
        break;
      case 5:
        r.expect(wt, WT_LEN, 't');
        a.t = decodeTensorProto(r.sub(`${r.what} attribute '${a.name}'`));
        break;
      case 7:
        r.repeated(wt, WT_I32, 'floats', (s) => a.floats.push(s.float32()));
        break;
      case 8:
        r.repeated(wt, WT_VARINT, 'ints', (s) => a.ints.push(s.varintClamped()));
        break;
      case 9:
        r.expect(wt, WT_LEN, 'strings');
        a.strings.push(r.bytes());
        break;
      case 10:
        r.expect(wt, WT_LEN, 'tensors');
        a.tensors.push(decodeTensorProto(r.sub(`${r.what} attribute '${a.name}'`)));
        break;
      case 6:
        r.expect(wt, WT_LEN, 'g');
        a.g = decodeSubgraph(r, a, depth);
        break;
      case 11:
        r.expect(wt, WT_LEN, 'graphs');
        a.graphs.push(decodeSubgraph(r, a, depth));
        break;
      case 14: // tp
      case 15: // type_protos
      case 22: // sparse_tensor
      case 23: // sparse_tensors
        a.other = true;
        r.skip(wt);
        break;
      case 20:
        r.expect(wt, WT_VARINT, 'type');
        a.type = r.varint32();
        break;
      case 21:
        r.expect(wt, WT_LEN, 'ref_attr_name');
        a.refAttrName = r.string();
        break;
      default:
        r.skip(wt);
    }
  }
  return a;
}

function decodeNode(r: Reader, index: number, depth: number): NodeMsg {
  const n: NodeMsg = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  const what = `NodeProto #${index}`;
  while (!r.done) {
    const f = r.tag();
    const wt = r.wt;
    switch (f) {
      case 1:
        r.expect(wt, WT_LEN, 'input');
        n.inputs.push(r.string());
        break;
      case 2:
        r.expect(wt, WT_LEN, 'output');
        n.outputs.push(r.string());
        break;
      case 3:
        r.expect(wt, WT_LEN, 'name');
        n.name = r.string();
        break;
      case 4:
        r.expect(wt, WT_LEN, 'op_type');
        n.opType = r.string();
        break;
      case 5:
        r.expect(wt, WT_LEN, 'attribute');
        n.attributes.push(decodeAttribute(r.sub(`${what} (${n.opType || '?'})`), depth));
        break;
      case 7:
        r.expect(wt, WT_LEN, 'domain');
        n.domain = r.string();
        break;
      default:
        r.skip(wt);
    }
  }
  return n;
}

function decodeShape(r: Reader): (number | string | null)[] {
  const dims: (number | string | null)[] = [];
  while (!r.done) {
    const f = r.tag();
    const wt = r.wt;
    if (f === 1 && wt === WT_LEN) {
      const d = r.sub(r.what);
      let v: number | string | null = null;
      while (!d.done) {
        const g = d.tag();
        const w = d.wt;
        if (g === 1 && w === WT_VARINT) v = d.varint();
        else if (g === 2 && w === WT_LEN) v = d.string();
        else d.skip(w);
      }
      dims.push(v);
    } else r.skip(wt);
  }
  return dims;
}

/**
 * A TypeProto into `v`: a tensor type's element type and shape; with `optionalAllowed`, an
 * optional type (field 9) of a tensor is read as that tensor with `optional` set. Other types
 * (sequences, maps) leave elemType undefined.
 */
function decodeTypeProto(tr: Reader, v: ValueInfoMsg, optionalAllowed: boolean): void {
  while (!tr.done) {
    const g = tr.tag();
    const w = tr.wt;
    if (g === 1 && w === WT_LEN) {
      // TypeProto.Tensor
      const tt = tr.sub(tr.what);
      while (!tt.done) {
        const h = tt.tag();
        const x = tt.wt;
        if (h === 1 && x === WT_VARINT) v.elemType = tt.varint32();
        else if (h === 2 && x === WT_LEN) v.shape = decodeShape(tt.sub(tt.what));
        else tt.skip(x);
      }
    } else if (g === 9 && w === WT_LEN && optionalAllowed) {
      // TypeProto.Optional { elem_type: TypeProto = 1 }
      const ot = tr.sub(tr.what);
      while (!ot.done) {
        const h = ot.tag();
        const x = ot.wt;
        if (h === 1 && x === WT_LEN) {
          decodeTypeProto(ot.sub(ot.what), v, false);
          if (v.elemType !== undefined) v.optional = true;
        } else ot.skip(x);
      }
    } else tr.skip(w);
  }
}

function decodeValueInfo(r: Reader): ValueInfoMsg {
  const v: ValueInfoMsg = { name: '', elemType: undefined, shape: undefined };
  while (!r.done) {
    const f = r.tag();
    const wt = r.wt;
    if (f === 1) {
      r.expect(wt, WT_LEN, 'name');
      v.name = r.string();
    } else if (f === 2) {
      r.expect(wt, WT_LEN, 'type');
      decodeTypeProto(r.sub(`ValueInfoProto '${v.name}'`), v, true);
    } else r.skip(wt);
  }
  return v;
}

function decodeGraph(r: Reader, depth: number): GraphMsg {
  const g: GraphMsg = { name: '', nodes: [], initializers: [], inputs: [], outputs: [], hasSparseInitializers: false };
  while (!r.done) {
    const f = r.tag();
    const wt = r.wt;
    switch (f) {
      case 1:
        r.expect(wt, WT_LEN, 'node');
        g.nodes.push(decodeNode(r.sub(`NodeProto #${g.nodes.length}`), g.nodes.length, depth));
        break;
      case 2:
        r.expect(wt, WT_LEN, 'name');
        g.name = r.string();
        break;
      case 5:
        r.expect(wt, WT_LEN, 'initializer');
        g.initializers.push(decodeTensorProto(r.sub(`initializer #${g.initializers.length}`)));
        break;
      case 11:
        r.expect(wt, WT_LEN, 'input');
        g.inputs.push(decodeValueInfo(r.sub('graph input')));
        break;
      case 12:
        r.expect(wt, WT_LEN, 'output');
        g.outputs.push(decodeValueInfo(r.sub('graph output')));
        break;
      case 15:
        g.hasSparseInitializers = true;
        r.skip(wt);
        break;
      default:
        r.skip(wt);
    }
  }
  return g;
}

export function decodeModel(bytes: Uint8Array): ModelMsg {
  if (!(bytes instanceof Uint8Array)) {
    throw new RnnError('INVALID_INPUT', `loadOnnx: expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  }
  const r = new Reader(bytes, 'ModelProto');
  const m: ModelMsg = { irVersion: 0, producerName: '', opsets: new Map(), graph: undefined, subgraphs: [] };
  const outer = registry;
  registry = m.subgraphs;
  try {
    decodeModelFields(r, m);
  } finally {
    registry = outer;
  }
  return m;
}

function decodeModelFields(r: Reader, m: ModelMsg): void {
  while (!r.done) {
    const f = r.tag();
    const wt = r.wt;
    switch (f) {
      case 1:
        r.expect(wt, WT_VARINT, 'ir_version');
        m.irVersion = r.varint();
        break;
      case 2:
        r.expect(wt, WT_LEN, 'producer_name');
        m.producerName = r.string();
        break;
      case 7:
        r.expect(wt, WT_LEN, 'graph');
        m.graph = decodeGraph(r.sub('GraphProto'), 0);
        break;
      case 8: {
        r.expect(wt, WT_LEN, 'opset_import');
        const o = r.sub('OperatorSetIdProto');
        let domain = '';
        let version = 0;
        while (!o.done) {
          const g = o.tag();
          const w = o.wt;
          if (g === 1) {
            o.expect(w, WT_LEN, 'domain');
            domain = o.string();
          } else if (g === 2) {
            o.expect(w, WT_VARINT, 'version');
            version = o.varint();
          } else o.skip(w);
        }
        m.opsets.set(domain === 'ai.onnx' ? '' : domain, version);
        break;
      }
      default:
        r.skip(wt);
    }
  }
}

// A minimal ONNX (protobuf) writer: just enough of ModelProto to build the LSTM/GRU/Gather/Gemm
// graphs the benchmark feeds to onnxruntime-web, so no Python/torch export is needed and the
// models carry exactly the weights the other peers use.

class Writer {
  constructor() { this.parts = []; this.len = 0; }
  bytes(u8) { this.parts.push(u8); this.len += u8.length; }
  varint(n) {
    let v = BigInt.asUintN(64, BigInt(n));
    const out = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v) b |= 0x80;
      out.push(b);
    } while (v);
    this.bytes(Uint8Array.from(out));
  }
  tag(field, wire) { this.varint((field << 3) | wire); }
  int(field, n) { this.tag(field, 0); this.varint(n); }
  float(field, x) { this.tag(field, 5); const b = new Uint8Array(4); new DataView(b.buffer).setFloat32(0, x, true); this.bytes(b); }
  lenDelim(field, u8) { this.tag(field, 2); this.varint(u8.length); this.bytes(u8); }
  str(field, s) { this.lenDelim(field, new TextEncoder().encode(s)); }
  msg(field, fn) { const w = new Writer(); fn(w); this.lenDelim(field, w.finish()); }
  finish() {
    const out = new Uint8Array(this.len);
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    return out;
  }
}

const DT = { float: 1, int32: 6, int64: 7 };

/** TensorProto from a typed array (Float32Array / BigInt64Array / Int32Array) and dims. */
function writeTensor(w, name, data, dims) {
  for (const d of dims) w.int(1, d);
  const dt = data instanceof Float32Array ? DT.float : data instanceof BigInt64Array ? DT.int64 : DT.int32;
  w.int(2, dt);
  w.str(8, name);
  w.lenDelim(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function writeValueInfo(w, { name, type = 'float', dims }) {
  w.str(1, name);
  w.msg(2, (tp) => tp.msg(1, (tt) => {
    tt.int(1, DT[type]);
    tt.msg(2, (sh) => { for (const d of dims) sh.msg(1, (dm) => (typeof d === 'string' ? dm.str(2, d) : dm.int(1, d))); });
  }));
}

function writeAttr(w, name, v) {
  w.str(1, name);
  if (typeof v === 'number' && Number.isInteger(v)) { w.int(3, v); w.int(20, 2); }
  else if (typeof v === 'number') { w.float(2, v); w.int(20, 1); }
  else if (typeof v === 'string') { w.lenDelim(4, new TextEncoder().encode(v)); w.int(20, 3); }
  else if (Array.isArray(v)) { for (const x of v) w.int(8, x); w.int(20, 7); }
  else throw new Error(`attribute ${name}: unsupported value`);
}

/**
 * graph: { nodes: [{op, inputs, outputs, attrs}], initializers: [{name, data, dims}],
 *          inputs: [{name, type, dims}], outputs: [{name, type, dims}] }
 */
export function writeModel(graph, opset = 14) {
  const w = new Writer();
  w.int(1, 8); // ir_version
  w.str(2, 'wasm-rnn-bench');
  w.msg(7, (g) => {
    graph.nodes.forEach((n, i) => g.msg(1, (nw) => {
      for (const x of n.inputs) nw.str(1, x);
      for (const x of n.outputs) nw.str(2, x);
      nw.str(3, `${n.op}_${i}`);
      nw.str(4, n.op);
      for (const [k, v] of Object.entries(n.attrs ?? {})) nw.msg(5, (a) => writeAttr(a, k, v));
    }));
    g.str(2, 'bench');
    for (const t of graph.initializers) g.msg(5, (tw) => writeTensor(tw, t.name, t.data, t.dims));
    for (const v of graph.inputs) g.msg(11, (vw) => writeValueInfo(vw, v));
    for (const v of graph.outputs) g.msg(12, (vw) => writeValueInfo(vw, v));
  });
  w.msg(8, (o) => { o.str(1, ''); o.int(2, opset); });
  return w.finish();
}

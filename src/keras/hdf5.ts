/**
 * A small read-only HDF5 reader: what h5py writes for Keras `.h5` and `model.weights.h5` files.
 *
 * Supported: superblock versions 0-3; object header versions 1 and 2 with continuation blocks;
 * groups stored as symbol tables (v1 B-tree + local heap, h5py's default) or as compact link
 * messages; contiguous and compact dataset layouts; little-endian float32/float64 and integer
 * data; fixed-length and variable-length strings (global heap) in attributes and datasets;
 * attribute messages versions 1-3. Anything else (chunked / filtered datasets, dense link or
 * attribute storage, big-endian data) is RnnError('UNSUPPORTED'). Every read is bounds-checked
 * and every loop is bounded, so malformed bytes end in RnnError('INVALID_FORMAT').
 */
import { RnnError } from '../../base/errors.js';

function fail(msg: string): never {
  throw new RnnError('INVALID_FORMAT', `HDF5: ${msg}`);
}
function unsupported(msg: string): never {
  throw new RnnError('UNSUPPORTED', `HDF5: ${msg}`);
}

const UNDEF = 0xffffffffffffffffn;
const MAX_ELEMENTS = 2 ** 28;

interface DType {
  cls: number;
  size: number;
  signed: boolean;
  /** variable-length string */
  vlen: boolean;
}

interface Dataspace {
  dims: number[];
}

export interface H5Value {
  /** numbers (Float64Array for float/int data) or strings */
  value: Float64Array | string[];
  shape: number[];
  /** float32 data is returned as an exact Float32Array */
  f32?: Float32Array;
}

interface ObjectInfo {
  attrs: Map<string, () => H5Value>;
  links: Map<string, number> | null;
  dataset: { type: DType; space: Dataspace; layout: { kind: 'contiguous' | 'compact'; addr: number; size: number; bytes?: Uint8Array } } | null;
}

export class H5File {
  private view: DataView;
  private offSize = 8;
  private lenSize = 8;
  private base = 0;
  private rootAddr = 0;
  private cache = new Map<number, ObjectInfo>();
  private budget = 10_000_000;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let sb = -1;
    for (const o of [0, 512, 1024, 2048, 4096, 8192]) {
      if (o + 8 <= bytes.length && bytes[o] === 0x89 && bytes[o + 1] === 0x48 && bytes[o + 2] === 0x44 && bytes[o + 3] === 0x46) {
        sb = o;
        break;
      }
    }
    if (sb < 0) fail('no HDF5 signature');
    const ver = this.u8(sb + 8);
    if (ver === 0 || ver === 1) {
      this.offSize = this.u8(sb + 13);
      this.lenSize = this.u8(sb + 14);
      this.checkSizes();
      let p = sb + 24 + (ver === 1 ? 4 : 0);
      this.base = this.addr(p);
      p += 4 * this.offSize;
      // root group symbol table entry: link name offset, object header address
      this.rootAddr = this.addr(p + this.offSize);
    } else if (ver === 2 || ver === 3) {
      this.offSize = this.u8(sb + 9);
      this.lenSize = this.u8(sb + 10);
      this.checkSizes();
      const p = sb + 12;
      this.base = this.addr(p);
      this.rootAddr = this.addr(p + 3 * this.offSize);
    } else unsupported(`superblock version ${ver}`);
  }

  private checkSizes(): void {
    if (this.offSize !== 8 && this.offSize !== 4) unsupported(`offset size ${this.offSize}`);
    if (this.lenSize !== 8 && this.lenSize !== 4) unsupported(`length size ${this.lenSize}`);
  }

  private need(p: number, n: number): void {
    if (!(p >= 0 && n >= 0 && p + n <= this.bytes.length)) fail(`read of ${n} bytes at ${p} is past the end (${this.bytes.length})`);
  }
  private tick(n = 1): void {
    this.budget -= n;
    if (this.budget < 0) fail('structure too large or cyclic');
  }
  private u8(p: number): number {
    this.need(p, 1);
    return this.view.getUint8(p);
  }
  private u16(p: number): number {
    this.need(p, 2);
    return this.view.getUint16(p, true);
  }
  private u32(p: number): number {
    this.need(p, 4);
    return this.view.getUint32(p, true);
  }
  private uN(p: number, n: number): number {
    this.need(p, n);
    if (n === 8) {
      const v = this.view.getBigUint64(p, true);
      if (v === UNDEF) return -1;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`value ${v} at ${p} is too large`);
      return Number(v);
    }
    if (n === 4) {
      const v = this.view.getUint32(p, true);
      return v === 0xffffffff ? -1 : v;
    }
    if (n === 2) return this.view.getUint16(p, true);
    if (n === 1) return this.view.getUint8(p);
    fail(`unsupported integer width ${n}`);
  }
  private addr(p: number): number {
    return this.uN(p, this.offSize);
  }
  private len(p: number): number {
    return this.uN(p, this.lenSize);
  }
  private abs(a: number): number {
    if (a < 0) fail('undefined address');
    return a + this.base;
  }
  private sig(p: number, s: string): boolean {
    this.need(p, 4);
    for (let i = 0; i < 4; i++) if (this.bytes[p + i] !== s.charCodeAt(i)) return false;
    return true;
  }
  private cstr(p: number, max: number): string {
    let e = p;
    while (e < p + max && e < this.bytes.length && this.bytes[e] !== 0) e++;
    return new TextDecoder().decode(this.bytes.subarray(p, e));
  }

  // ---------------------------------------------------------------------------------------------
  // object headers

  private object(addr: number): ObjectInfo {
    const a = this.abs(addr);
    const hit = this.cache.get(a);
    if (hit) return hit;
    const info: ObjectInfo = { attrs: new Map(), links: null, dataset: null };
    this.cache.set(a, info);
    const msgs: Array<{ type: number; p: number; size: number }> = [];
    if (this.sig(a, 'OHDR')) {
      const ver = this.u8(a + 4);
      if (ver !== 2) fail(`object header version ${ver}`);
      const flags = this.u8(a + 5);
      let p = a + 6;
      if (flags & 0x20) p += 16;
      if (flags & 0x10) p += 4;
      const sizeBytes = 1 << (flags & 3);
      const chunk0 = this.uN(p, sizeBytes);
      p += sizeBytes;
      const track = (flags & 0x04) !== 0;
      const blocks: Array<[number, number]> = [[p, chunk0]];
      for (let bi = 0; bi < blocks.length; bi++) {
        this.tick();
        let [q, n] = blocks[bi];
        const end = q + n;
        this.need(q, n);
        while (q + 4 <= end) {
          this.tick();
          const type = this.u8(q);
          const size = this.u16(q + 1);
          q += 4 + (track ? 2 : 0);
          if (q + size > end) fail('object header message runs past its block');
          if (type === 0x10) {
            const ca = this.abs(this.addr(q));
            const cl = this.len(q + this.offSize);
            if (!this.sig(ca, 'OCHK')) fail('continuation block without OCHK signature');
            blocks.push([ca + 4, cl - 8]);
          } else msgs.push({ type, p: q, size });
          q += size;
        }
      }
    } else {
      const ver = this.u8(a);
      if (ver !== 1) fail(`object header version ${ver} at ${a}`);
      const nmsg = this.u16(a + 2);
      const hsize = this.u32(a + 8);
      const blocks: Array<[number, number]> = [[a + 16, hsize]];
      let count = 0;
      for (let bi = 0; bi < blocks.length; bi++) {
        this.tick();
        let [q, n] = blocks[bi];
        const end = q + n;
        this.need(q, n);
        while (q + 8 <= end && count < nmsg) {
          this.tick();
          count++;
          const type = this.u16(q);
          const size = this.u16(q + 2);
          q += 8;
          if (q + size > end) fail('object header message runs past its block');
          if (type === 0x10) blocks.push([this.abs(this.addr(q)), this.len(q + this.offSize)]);
          else msgs.push({ type, p: q, size });
          q += size;
        }
      }
    }
    let type: DType | null = null;
    let space: Dataspace | null = null;
    let layout: ObjectInfo['dataset'] extends infer D ? (D extends { layout: infer L } ? L : never) : never = null as never;
    for (const m of msgs) {
      switch (m.type) {
        case 0x01:
          space = this.dataspace(m.p);
          break;
        case 0x03:
          type = this.datatype(m.p);
          break;
        case 0x08:
          layout = this.layout(m.p);
          break;
        case 0x0b:
          unsupported('filtered (compressed) datasets');
          break;
        case 0x0c:
          this.attribute(m.p, m.size, info);
          break;
        case 0x11: {
          const btree = this.addr(m.p);
          const heap = this.addr(m.p + this.offSize);
          info.links = this.symbolTable(btree, heap);
          break;
        }
        case 0x06: {
          info.links ??= new Map();
          const [name, target] = this.linkMessage(m.p);
          if (target >= 0) info.links.set(name, target);
          break;
        }
        case 0x02: {
          // link info: dense storage (fractal heap) is not supported
          const flags = this.u8(m.p + 1);
          const heapAddr = this.addr(m.p + 2 + (flags & 1 ? 8 : 0));
          if (heapAddr >= 0) unsupported('groups with dense link storage');
          info.links ??= new Map();
          break;
        }
        case 0x15: {
          const flags = this.u8(m.p + 1);
          const heapAddr = this.addr(m.p + 2 + (flags & 1 ? 2 : 0));
          if (heapAddr >= 0) unsupported('dense attribute storage');
          break;
        }
        default:
          break;
      }
    }
    if (type && space && layout) info.dataset = { type, space, layout };
    return info;
  }

  private dataspace(p: number): Dataspace {
    const ver = this.u8(p);
    const rank = this.u8(p + 1);
    const flags = this.u8(p + 2);
    if (rank > 32) fail(`dataspace rank ${rank}`);
    let q: number;
    if (ver === 1) q = p + 8;
    else if (ver === 2) {
      q = p + 4;
      if (this.u8(p + 3) === 2) return { dims: [0] }; // null dataspace
    } else fail(`dataspace version ${ver}`);
    const dims: number[] = [];
    for (let i = 0; i < rank; i++) dims.push(this.len(q + i * this.lenSize));
    void flags;
    return { dims };
  }

  private datatype(p: number): DType {
    const cv = this.u8(p);
    const cls = cv & 0x0f;
    const b0 = this.u8(p + 1);
    const size = this.u32(p + 4);
    if (cls === 0) {
      if (b0 & 1) unsupported('big-endian integers');
      return { cls, size, signed: (b0 & 8) !== 0, vlen: false };
    }
    if (cls === 1) {
      if (b0 & 1) unsupported('big-endian floats');
      if (size !== 4 && size !== 8) unsupported(`${size}-byte floats`);
      return { cls, size, signed: true, vlen: false };
    }
    if (cls === 3) return { cls, size, signed: false, vlen: false };
    if (cls === 9) {
      if ((b0 & 0x0f) !== 1) unsupported('variable-length sequences other than strings');
      return { cls, size, signed: false, vlen: true };
    }
    unsupported(`datatype class ${cls}`);
  }

  private layout(p: number): { kind: 'contiguous' | 'compact'; addr: number; size: number; bytes?: Uint8Array } {
    const ver = this.u8(p);
    if (ver !== 3 && ver !== 4) unsupported(`data layout version ${ver}`);
    const cls = this.u8(p + 1);
    if (cls === 0) {
      const n = this.u16(p + 2);
      this.need(p + 4, n);
      return { kind: 'compact', addr: 0, size: n, bytes: this.bytes.subarray(p + 4, p + 4 + n) };
    }
    if (cls === 1) return { kind: 'contiguous', addr: this.addr(p + 2), size: this.len(p + 2 + this.offSize) };
    unsupported(cls === 2 ? 'chunked datasets' : `layout class ${cls}`);
  }

  private attribute(p: number, size: number, info: ObjectInfo): void {
    const ver = this.u8(p);
    let nameLen: number;
    let dtLen: number;
    let dsLen: number;
    let q: number;
    const pad = (n: number) => (ver === 1 ? (n + 7) & ~7 : n);
    if (ver === 1 || ver === 2 || ver === 3) {
      nameLen = this.u16(p + 2);
      dtLen = this.u16(p + 4);
      dsLen = this.u16(p + 6);
      q = p + 8 + (ver === 3 ? 1 : 0);
    } else fail(`attribute message version ${ver}`);
    const name = this.cstr(q, nameLen);
    q += pad(nameLen);
    const dtp = q;
    q += pad(dtLen);
    const dsp = q;
    q += pad(dsLen);
    const dataP = q;
    if (dataP > p + size) fail(`attribute '${name}' runs past its message`);
    info.attrs.set(name, () => {
      const type = this.datatype(dtp);
      const space = this.dataspace(dsp);
      return this.readData(type, space, { kind: 'compact', addr: 0, size: p + size - dataP, bytes: this.bytes.subarray(dataP, p + size) }, `attribute '${name}'`);
    });
  }

  private symbolTable(btree: number, heap: number): Map<string, number> {
    const h = this.abs(heap);
    if (!this.sig(h, 'HEAP')) fail('local heap signature missing');
    const dataSize = this.len(h + 8);
    const dataAddr = this.abs(this.addr(h + 8 + 2 * this.lenSize));
    this.need(dataAddr, dataSize);
    const links = new Map<string, number>();
    const stack = [this.abs(btree)];
    const seen = new Set<number>();
    while (stack.length) {
      this.tick();
      const n = stack.pop()!;
      if (seen.has(n)) fail('cyclic B-tree');
      seen.add(n);
      if (!this.sig(n, 'TREE')) fail('B-tree node signature missing');
      const type = this.u8(n + 4);
      if (type !== 0) fail(`group B-tree of type ${type}`);
      const level = this.u8(n + 5);
      const entries = this.u16(n + 6);
      let q = n + 8 + 2 * this.offSize + this.lenSize; // first key
      for (let i = 0; i < entries; i++) {
        const child = this.abs(this.addr(q));
        q += this.offSize + this.lenSize;
        if (level > 0) stack.push(child);
        else {
          if (!this.sig(child, 'SNOD')) fail('symbol table node signature missing');
          const count = this.u16(child + 6);
          let e = child + 8;
          for (let k = 0; k < count; k++) {
            this.tick();
            const nameOff = this.len(e);
            const obj = this.addr(e + this.offSize);
            if (nameOff < 0 || nameOff >= dataSize) fail('link name outside the local heap');
            links.set(this.cstr(dataAddr + nameOff, dataSize - nameOff), obj);
            e += 2 * this.offSize + 4 + 4 + 16;
          }
        }
      }
    }
    return links;
  }

  private linkMessage(p: number): [string, number] {
    const ver = this.u8(p);
    if (ver !== 1) fail(`link message version ${ver}`);
    const flags = this.u8(p + 1);
    let q = p + 2;
    let type = 0;
    if (flags & 0x08) type = this.u8(q++);
    if (flags & 0x04) q += 8;
    if (flags & 0x10) q++;
    const lw = 1 << (flags & 3);
    const nlen = this.uN(q, lw);
    q += lw;
    const name = new TextDecoder().decode(this.bytes.subarray(q, q + nlen));
    this.need(q, nlen);
    q += nlen;
    if (type !== 0) return [name, -1]; // soft / external links are ignored
    return [name, this.addr(q)];
  }

  private readData(type: DType, space: Dataspace, layout: { kind: string; addr: number; size: number; bytes?: Uint8Array }, what: string): H5Value {
    const shape = space.dims;
    const n = shape.reduce((a, b) => a * b, 1);
    if (n > MAX_ELEMENTS) throw new RnnError('OUT_OF_MEMORY', `HDF5: ${what} has ${n} elements (limit ${MAX_ELEMENTS})`);
    const need = n * type.size;
    let bytes: Uint8Array;
    if (layout.kind === 'compact') bytes = layout.bytes!;
    else if (layout.addr < 0) bytes = new Uint8Array(need); // never written: fill value 0
    else {
      const a = this.abs(layout.addr);
      this.need(a, need);
      bytes = this.bytes.subarray(a, a + need);
    }
    if (bytes.length < need) fail(`${what}: ${bytes.length} bytes of data for ${n} elements of ${type.size} bytes`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (type.cls === 3 || type.vlen) {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        this.tick();
        if (type.vlen) {
          const o = i * type.size;
          const len = dv.getUint32(o, true);
          const coll = this.addr(bytes.byteOffset + o + 4);
          const idx = dv.getUint32(o + 4 + this.offSize, true);
          out.push(this.globalHeapString(coll, idx, len));
        } else {
          let e = i * type.size;
          const end = e + type.size;
          const s = e;
          while (e < end && bytes[e] !== 0) e++;
          out.push(new TextDecoder().decode(bytes.subarray(s, e)).replace(/ +$/, ''));
        }
      }
      return { value: out, shape };
    }
    const v = new Float64Array(n);
    let f32: Float32Array | undefined;
    if (type.cls === 1 && type.size === 4) {
      f32 = new Float32Array(n);
      for (let i = 0; i < n; i++) v[i] = f32[i] = dv.getFloat32(i * 4, true);
    } else if (type.cls === 1) for (let i = 0; i < n; i++) v[i] = dv.getFloat64(i * 8, true);
    else {
      for (let i = 0; i < n; i++) {
        const o = i * type.size;
        switch (type.size) {
          case 1:
            v[i] = type.signed ? dv.getInt8(o) : dv.getUint8(o);
            break;
          case 2:
            v[i] = type.signed ? dv.getInt16(o, true) : dv.getUint16(o, true);
            break;
          case 4:
            v[i] = type.signed ? dv.getInt32(o, true) : dv.getUint32(o, true);
            break;
          case 8:
            v[i] = Number(type.signed ? dv.getBigInt64(o, true) : dv.getBigUint64(o, true));
            break;
          default:
            unsupported(`${type.size}-byte integers`);
        }
      }
    }
    return { value: v, shape, f32 };
  }

  private globalHeapString(coll: number, idx: number, len: number): string {
    const c = this.abs(coll);
    if (!this.sig(c, 'GCOL')) fail('global heap signature missing');
    const size = this.len(c + 8);
    const end = c + size;
    this.need(c, size);
    let q = c + 8 + this.lenSize;
    while (q + 8 + this.lenSize <= end) {
      this.tick();
      const i = this.u16(q);
      const osize = this.len(q + 8);
      if (i === 0) break;
      const data = q + 8 + this.lenSize;
      if (osize < 0 || data + osize > end) fail('global heap object runs past its collection');
      if (i === idx) return new TextDecoder().decode(this.bytes.subarray(data, data + Math.min(len, osize)));
      q = data + ((osize + 7) & ~7);
    }
    fail(`global heap object ${idx} not found`);
  }

  // ---------------------------------------------------------------------------------------------
  // public

  private resolve(path: string): ObjectInfo {
    let obj = this.object(this.rootAddr);
    for (const part of path.split('/').filter((s) => s)) {
      const t = obj.links?.get(part);
      if (t === undefined) throw new RnnError('MISSING_KEY', `HDF5: '${path}' does not exist (no '${part}')`);
      obj = this.object(t);
    }
    return obj;
  }

  has(path: string): boolean {
    try {
      this.resolve(path);
      return true;
    } catch (e) {
      if (e instanceof RnnError && e.code === 'MISSING_KEY') return false;
      throw e;
    }
  }

  /** Names of the members of a group (empty for datasets). */
  keys(path: string): string[] {
    return [...(this.resolve(path).links?.keys() ?? [])];
  }

  isDataset(path: string): boolean {
    return this.resolve(path).dataset !== null;
  }

  attr(path: string, name: string): H5Value | undefined {
    return this.resolve(path).attrs.get(name)?.();
  }

  attrNames(path: string): string[] {
    return [...this.resolve(path).attrs.keys()];
  }

  read(path: string): H5Value {
    const d = this.resolve(path).dataset;
    if (!d) fail(`'${path}' is not a dataset`);
    return this.readData(d.type, d.space, d.layout, `dataset '${path}'`);
  }
}

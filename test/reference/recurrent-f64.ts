/**
 * A plain float64 reference of torch.nn.RNN / LSTM / GRU, written from PyTorch's documented
 * equations. It is deliberately simple (no tiling, no fusion, no SIMD) and independent of src/,
 * so it can validate both the torch fixtures and the wasm layers.
 *
 * Parameters use torch's state_dict layout: weight_ih_l{k}[_reverse] [G*H, in],
 * weight_hh_l{k}[_reverse] [G*H, P], bias_ih / bias_hh [G*H], weight_hr_l{k}[_reverse] [P, H]
 * (LSTM with projSize > 0), with gate blocks stacked in torch order (LSTM i,f,g,o; GRU r,z,n).
 *
 *   LSTM: i = σ(W_ii x + b_ii + W_hi h + b_hi)    f = σ(W_if x + b_if + W_hf h + b_hf)
 *         g = tanh(W_ig x + b_ig + W_hg h + b_hg) o = σ(W_io x + b_io + W_ho h + b_ho)
 *         c' = f*c + i*g,  h' = o*tanh(c')  (h' = W_hr (o*tanh(c')) with projection)
 *   GRU:  r = σ(W_ir x + b_ir + W_hr h + b_hr)    z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *         n = tanh(W_in x + b_in + r*(W_hn h + b_hn)),  h' = (1-z)*n + z*h
 *   RNN:  h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh | relu
 *
 * Layer semantics: layer k>0 takes the concatenated [forward, reverse] outputs of layer k-1;
 * states are indexed [layer*D + direction]. With `lengths` (pack_padded_sequence semantics),
 * item b runs only its first lengths[b] steps: the forward direction over t = 0..len-1, the
 * reverse one from t = len-1 down to 0; outputs past len are 0 and h/c are the state after the
 * item's last processed step.
 */

export type RefModule = 'LSTM' | 'GRU' | 'RNN';

export interface RefConfig {
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  bias?: boolean;
  batchFirst?: boolean;
  bidirectional?: boolean;
  projSize?: number;
  nonlinearity?: 'tanh' | 'relu';
}

export interface RefTensorIn {
  data: ArrayLike<number>;
  shape: number[];
}

export interface RefTensor {
  data: Float64Array;
  shape: number[];
}

export interface RefInputs {
  h0?: RefTensorIn;
  c0?: RefTensorIn;
  lengths?: ArrayLike<number>;
}

export interface RefResult {
  output: RefTensor;
  h: RefTensor;
  c?: RefTensor;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

function gatesOf(module: RefModule): number {
  return module === 'LSTM' ? 4 : module === 'GRU' ? 3 : 1;
}

function param(sd: Record<string, RefTensorIn>, key: string, shape: number[]): Float64Array {
  const t = sd[key];
  if (!t) throw new Error(`reference: state dict lacks ${key}`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`reference: ${key} has shape [${t.shape}], expected [${shape}]`);
  }
  return Float64Array.from(t.data);
}

/** y[r] = sum_k W[r, k] * v[k] (+ b[r]), W row-major [rows, cols]. */
function matvec(W: Float64Array, rows: number, cols: number, v: Float64Array, b: Float64Array | null): Float64Array {
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = b ? b[r] : 0;
    const o = r * cols;
    for (let k = 0; k < cols; k++) s += W[o + k] * v[k];
    y[r] = s;
  }
  return y;
}

interface DirParams {
  wih: Float64Array;
  whh: Float64Array;
  bih: Float64Array | null;
  bhh: Float64Array | null;
  whr: Float64Array | null;
  inSize: number;
}

/**
 * Runs the layer. `x` is [T, B, I] ([B, T, I] if batchFirst) or unbatched [T, I]; h0
 * [L*D, B, P] / [L*D, P]; c0 [L*D, B, H] / [L*D, H]. Returns float64 output/h/c in torch's
 * shapes.
 */
export function referenceForward(
  module: RefModule,
  cfg: RefConfig,
  stateDict: Record<string, RefTensorIn>,
  x: RefTensorIn,
  inputs: RefInputs = {},
): RefResult {
  const I = cfg.inputSize;
  const H = cfg.hiddenSize;
  const L = cfg.numLayers ?? 1;
  const hasBias = cfg.bias ?? true;
  const batchFirst = cfg.batchFirst ?? false;
  const D = cfg.bidirectional ? 2 : 1;
  const projSize = module === 'LSTM' ? cfg.projSize ?? 0 : 0;
  const P = projSize || H;
  const G = gatesOf(module);
  const act = module === 'RNN' && cfg.nonlinearity === 'relu' ? (v: number) => (v > 0 ? v : 0) : Math.tanh;

  const unbatched = x.shape.length === 2;
  if (!unbatched && x.shape.length !== 3) throw new Error(`reference: x must be rank 2 or 3, got [${x.shape}]`);
  const T = unbatched ? x.shape[0] : batchFirst ? x.shape[1] : x.shape[0];
  const B = unbatched ? 1 : batchFirst ? x.shape[0] : x.shape[1];
  if (x.shape[x.shape.length - 1] !== I) throw new Error(`reference: x feature size ${x.shape[x.shape.length - 1]} != ${I}`);

  // Input as seq[t][b] = Float64Array(I), i.e. time-major.
  let seq: Float64Array[][] = [];
  for (let t = 0; t < T; t++) {
    const row: Float64Array[] = [];
    for (let b = 0; b < B; b++) {
      const off = unbatched ? t * I : batchFirst ? (b * T + t) * I : (t * B + b) * I;
      const v = new Float64Array(I);
      for (let k = 0; k < I; k++) v[k] = x.data[off + k];
      row.push(v);
    }
    seq.push(row);
  }

  const lengths: number[] = [];
  for (let b = 0; b < B; b++) {
    const len = inputs.lengths ? Number(inputs.lengths[b]) : T;
    if (!(len >= 1 && len <= T)) throw new Error(`reference: lengths[${b}] = ${len} outside [1, ${T}]`);
    lengths.push(len);
  }
  if (inputs.lengths && inputs.lengths.length !== B) throw new Error(`reference: ${inputs.lengths.length} lengths for batch ${B}`);

  const initState = (t: RefTensorIn | undefined, size: number, what: string): ((slot: number, b: number) => Float64Array) => {
    if (t) {
      const want = unbatched ? [L * D, size] : [L * D, B, size];
      if (t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
        throw new Error(`reference: ${what} shape [${t.shape}] != [${want}]`);
      }
    }
    return (slot, b) => {
      const v = new Float64Array(size);
      if (t) for (let k = 0; k < size; k++) v[k] = t.data[(slot * B + b) * size + k];
      return v;
    };
  };
  const h0At = initState(inputs.h0, P, 'h0');
  const c0At = initState(inputs.c0, H, 'c0');

  const hOut = new Float64Array(L * D * B * P);
  const cOut = new Float64Array(L * D * B * H);

  for (let layer = 0; layer < L; layer++) {
    const inSize = layer === 0 ? I : D * P;
    const next: Float64Array[][] = [];
    for (let t = 0; t < T; t++) {
      const row: Float64Array[] = [];
      for (let b = 0; b < B; b++) row.push(new Float64Array(D * P)); // zeros past each length
      next.push(row);
    }
    for (let dir = 0; dir < D; dir++) {
      const sfx = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
      const p: DirParams = {
        wih: param(stateDict, `weight_ih${sfx}`, [G * H, inSize]),
        whh: param(stateDict, `weight_hh${sfx}`, [G * H, P]),
        bih: hasBias ? param(stateDict, `bias_ih${sfx}`, [G * H]) : null,
        bhh: hasBias ? param(stateDict, `bias_hh${sfx}`, [G * H]) : null,
        whr: projSize ? param(stateDict, `weight_hr${sfx}`, [P, H]) : null,
        inSize,
      };
      const slot = layer * D + dir;
      for (let b = 0; b < B; b++) {
        let h = h0At(slot, b);
        let c = c0At(slot, b);
        const len = lengths[b];
        for (let s = 0; s < len; s++) {
          const t = dir === 0 ? s : len - 1 - s;
          const xi = seq[t][b];
          const gi = matvec(p.wih, G * H, inSize, xi, p.bih);
          const gh = matvec(p.whh, G * H, P, h, p.bhh);
          if (module === 'LSTM') {
            const cn = new Float64Array(H);
            const m = new Float64Array(H);
            for (let j = 0; j < H; j++) {
              const ig = sigmoid(gi[j] + gh[j]);
              const fg = sigmoid(gi[H + j] + gh[H + j]);
              const gg = Math.tanh(gi[2 * H + j] + gh[2 * H + j]);
              const og = sigmoid(gi[3 * H + j] + gh[3 * H + j]);
              cn[j] = fg * c[j] + ig * gg;
              m[j] = og * Math.tanh(cn[j]);
            }
            c = cn;
            h = p.whr ? matvec(p.whr, P, H, m, null) : m;
          } else if (module === 'GRU') {
            const hn = new Float64Array(H);
            for (let j = 0; j < H; j++) {
              const r = sigmoid(gi[j] + gh[j]);
              const z = sigmoid(gi[H + j] + gh[H + j]);
              const n = Math.tanh(gi[2 * H + j] + r * gh[2 * H + j]);
              hn[j] = (1 - z) * n + z * h[j];
            }
            h = hn;
          } else {
            const hn = new Float64Array(H);
            for (let j = 0; j < H; j++) hn[j] = act(gi[j] + gh[j]);
            h = hn;
          }
          next[t][b].set(h, dir * P);
        }
        hOut.set(h, (slot * B + b) * P);
        if (module === 'LSTM') cOut.set(c, (slot * B + b) * H);
      }
    }
    seq = next;
  }

  const F = D * P;
  const out = new Float64Array(T * B * F);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const off = unbatched ? t * F : batchFirst ? (b * T + t) * F : (t * B + b) * F;
      out.set(seq[t][b], off);
    }
  }
  const outShape = unbatched ? [T, F] : batchFirst ? [B, T, F] : [T, B, F];
  const res: RefResult = {
    output: { data: out, shape: outShape },
    h: { data: hOut, shape: unbatched ? [L * D, P] : [L * D, B, P] },
  };
  if (module === 'LSTM') res.c = { data: cOut, shape: unbatched ? [L * D, H] : [L * D, B, H] };
  return res;
}

/**
 * Float64 reference of the ONNX LSTM / GRU / RNN equations (onnx/docs/Operators.md), written
 * independently of src/: plain nested arrays, one gate matrix at a time, straight from the spec
 * text. Conventions where the spec is silent follow onnxruntime's CPU kernels:
 *  - clip bounds every gate pre-activation (after biases and peepholes), not the cell state;
 *  - input_forget: f = 1 - i;
 *  - sequence_lens: steps past an item's length are 0 in Y; Y_h / Y_c hold the state after the
 *    item's last valid step (for reverse: after step 0); a length of 0 gives zeros.
 * Activation alpha/beta defaults are the ONNX operators' (Affine 1/0, LeakyRelu 0.01,
 * ThresholdedRelu 1, ScaledTanh 1/1, HardSigmoid 0.2/0.5, Elu 1).
 */

export interface RefTensor {
  shape: number[];
  data: number[];
}

export interface RefAttrs {
  hidden_size?: number;
  direction?: string;
  layout?: number;
  clip?: number;
  input_forget?: number;
  linear_before_reset?: number;
  activations?: string[];
  activation_alpha?: number[];
  activation_beta?: number[];
}

export interface RefInputs {
  X: RefTensor;
  W: RefTensor;
  R: RefTensor;
  B?: RefTensor;
  sequence_lens?: RefTensor;
  initial_h?: RefTensor;
  initial_c?: RefTensor;
  P?: RefTensor;
}

type F = (x: number) => number;

function activation(name: string, alpha: number | undefined, beta: number | undefined): F {
  switch (name.toLowerCase()) {
    case 'relu':
      return (x) => Math.max(0, x);
    case 'tanh':
      return (x) => Math.tanh(x);
    case 'sigmoid':
      return (x) => 1 / (1 + Math.exp(-x));
    case 'affine': {
      const a = alpha ?? 1;
      const b = beta ?? 0;
      return (x) => a * x + b;
    }
    case 'leakyrelu': {
      const a = alpha ?? 0.01;
      return (x) => (x >= 0 ? x : a * x);
    }
    case 'thresholdedrelu': {
      const a = alpha ?? 1;
      return (x) => (x > a ? x : 0);
    }
    case 'scaledtanh': {
      const a = alpha ?? 1;
      const b = beta ?? 1;
      return (x) => a * Math.tanh(b * x);
    }
    case 'hardsigmoid': {
      const a = alpha ?? 0.2;
      const b = beta ?? 0.5;
      return (x) => Math.min(Math.max(a * x + b, 0), 1);
    }
    case 'elu': {
      const a = alpha ?? 1;
      return (x) => (x >= 0 ? x : a * (Math.exp(x) - 1));
    }
    case 'softsign':
      return (x) => x / (1 + Math.abs(x));
    case 'softplus':
      return (x) => Math.log(1 + Math.exp(x));
    default:
      throw new Error(`reference: unknown activation ${name}`);
  }
}

const USES_ALPHA = new Set(['affine', 'leakyrelu', 'thresholdedrelu', 'scaledtanh', 'hardsigmoid', 'elu']);
const USES_BETA = new Set(['affine', 'scaledtanh', 'hardsigmoid']);

/** matrix [rows][cols] from a flat slice */
function mat(data: number[], offset: number, rows: number, cols: number): number[][] {
  const m: number[][] = [];
  for (let r = 0; r < rows; r++) m.push(data.slice(offset + r * cols, offset + (r + 1) * cols));
  return m;
}

/** y = M v */
function mv(M: number[][], v: number[]): number[] {
  return M.map((row) => row.reduce((s, w, k) => s + w * v[k], 0));
}

const add = (...vs: number[][]) => vs[0].map((_, j) => vs.reduce((s, v) => s + v[j], 0));
const mul = (a: number[], b: number[]) => a.map((x, j) => x * b[j]);

export interface RefOutputs {
  Y: RefTensor;
  Y_h: RefTensor;
  Y_c?: RefTensor;
}

export function referenceRecurrent(kind: 'LSTM' | 'GRU' | 'RNN', attrs: RefAttrs, inp: RefInputs): RefOutputs {
  const G = { LSTM: 4, GRU: 3, RNN: 1 }[kind];
  const nAct = { LSTM: 3, GRU: 2, RNN: 1 }[kind];
  const dirName = attrs.direction ?? 'forward';
  const dirs = dirName === 'bidirectional' ? ['forward', 'reverse'] : [dirName];
  const D = dirs.length;
  const layout = attrs.layout ?? 0;
  const [T, Bn, I] = layout ? [inp.X.shape[1], inp.X.shape[0], inp.X.shape[2]] : inp.X.shape;
  const H = attrs.hidden_size ?? inp.R.shape[2];
  const clip = attrs.clip;
  const cl = (x: number) => (clip === undefined ? x : Math.min(clip, Math.max(-clip, x)));

  const defaults = { LSTM: ['Sigmoid', 'Tanh', 'Tanh'], GRU: ['Sigmoid', 'Tanh'], RNN: ['Tanh'] }[kind];
  let names = attrs.activations ?? [];
  if (names.length === 0) names = dirs.flatMap(() => defaults);
  const alphas = [...(attrs.activation_alpha ?? [])];
  const betas = [...(attrs.activation_beta ?? [])];
  const fns = names.map((n) => {
    const a = USES_ALPHA.has(n.toLowerCase()) ? alphas.shift() : undefined;
    const b = USES_BETA.has(n.toLowerCase()) ? betas.shift() : undefined;
    return activation(n, a, b);
  });
  const actsOf = (d: number) => (fns.length === nAct ? fns : fns.slice(d * nAct, (d + 1) * nAct));

  const xAt = (t: number, b: number) => inp.X.data.slice((layout ? b * T + t : t * Bn + b) * I, (layout ? b * T + t : t * Bn + b) * I + I);
  const stateAt = (s: RefTensor | undefined, d: number, b: number) =>
    s ? s.data.slice((layout ? b * D + d : d * Bn + b) * H, (layout ? b * D + d : d * Bn + b) * H + H) : new Array<number>(H).fill(0);

  // Y[t][d][b] and Yh[d][b]
  const Y = Array.from({ length: T }, () => Array.from({ length: D }, () => Array.from({ length: Bn }, () => new Array<number>(H).fill(0))));
  const Yh = Array.from({ length: D }, () => Array.from({ length: Bn }, () => new Array<number>(H).fill(0)));
  const Yc = Array.from({ length: D }, () => Array.from({ length: Bn }, () => new Array<number>(H).fill(0)));

  for (let d = 0; d < D; d++) {
    const Wg = (g: number) => mat(inp.W.data, d * G * H * I + g * H * I, H, I);
    const Rg = (g: number) => mat(inp.R.data, d * G * H * H + g * H * H, H, H);
    const zeros = new Array<number>(H).fill(0);
    const Wb = (g: number) => (inp.B ? inp.B.data.slice(d * 2 * G * H + g * H, d * 2 * G * H + (g + 1) * H) : zeros);
    const Rb = (g: number) => (inp.B ? inp.B.data.slice(d * 2 * G * H + (G + g) * H, d * 2 * G * H + (G + g + 1) * H) : zeros);
    const Pg = (g: number) => (inp.P ? inp.P.data.slice(d * 3 * H + g * H, d * 3 * H + (g + 1) * H) : zeros);
    const [f, g, h] = actsOf(d);
    for (let b = 0; b < Bn; b++) {
      const L = inp.sequence_lens ? inp.sequence_lens.data[b] : T;
      let Ht = stateAt(inp.initial_h, d, b);
      let Ct = stateAt(inp.initial_c, d, b);
      const ts = Array.from({ length: L }, (_, s) => (dirs[d] === 'reverse' ? L - 1 - s : s));
      for (const t of ts) {
        const x = xAt(t, b);
        if (kind === 'LSTM') {
          // gate order i, o, f, c
          const pre = (k: number) => add(mv(Wg(k), x), mv(Rg(k), Ht), Wb(k), Rb(k));
          const it = add(pre(0), mul(Pg(0), Ct)).map(cl).map(f);
          const ft = attrs.input_forget ? it.map((v) => 1 - v) : add(pre(2), mul(Pg(2), Ct)).map(cl).map(f);
          const ct = pre(3).map(cl).map(g);
          const C = add(mul(ft, Ct), mul(it, ct));
          const ot = add(pre(1), mul(Pg(1), C)).map(cl).map(f);
          Ht = mul(ot, C.map(h));
          Ct = C;
        } else if (kind === 'GRU') {
          // gate order z, r, h
          const zt = add(mv(Wg(0), x), mv(Rg(0), Ht), Wb(0), Rb(0)).map(cl).map(f);
          const rt = add(mv(Wg(1), x), mv(Rg(1), Ht), Wb(1), Rb(1)).map(cl).map(f);
          const ht = attrs.linear_before_reset
            ? add(mv(Wg(2), x), mul(rt, add(mv(Rg(2), Ht), Rb(2))), Wb(2)).map(cl).map(g)
            : add(mv(Wg(2), x), mv(Rg(2), mul(rt, Ht)), Rb(2), Wb(2)).map(cl).map(g);
          Ht = ht.map((v, j) => (1 - zt[j]) * v + zt[j] * Ht[j]);
        } else {
          Ht = add(mv(Wg(0), x), mv(Rg(0), Ht), Wb(0), Rb(0)).map(cl).map(f);
        }
        Y[t][d][b] = Ht;
      }
      if (L > 0) {
        Yh[d][b] = Ht;
        Yc[d][b] = Ct;
      }
    }
  }
  const flatY: number[] = [];
  if (layout) for (let b = 0; b < Bn; b++) for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) flatY.push(...Y[t][d][b]);
  else for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) for (let b = 0; b < Bn; b++) flatY.push(...Y[t][d][b]);
  const state = (S: number[][][]) => {
    const out: number[] = [];
    if (layout) for (let b = 0; b < Bn; b++) for (let d = 0; d < D; d++) out.push(...S[d][b]);
    else for (let d = 0; d < D; d++) for (let b = 0; b < Bn; b++) out.push(...S[d][b]);
    return { shape: layout ? [Bn, D, H] : [D, Bn, H], data: out };
  };
  const res: RefOutputs = { Y: { shape: layout ? [Bn, T, D, H] : [T, D, Bn, H], data: flatY }, Y_h: state(Yh) };
  if (kind === 'LSTM') res.Y_c = state(Yc);
  return res;
}

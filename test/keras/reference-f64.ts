/**
 * An independent float64 implementation of Keras' SimpleRNN / LSTM / GRU (both reset_after
 * variants) with Keras' masking rules, written from the Keras equations for the tests:
 *   LSTM  gates i,f,c,o: c' = f*c + i*act(zc), h' = o*act(c')
 *   GRU   gates z,r,h:   h' = z*h + (1-z)*hh; reset_after: hh = act(xh + r*(h Rh + b_rec))
 *                        else hh = act(xh + (r*h) Rh)
 * Masked steps keep the state and output the carried h (TF.js), the previous output (Keras;
 * zeros before the first valid step) or zeros (zeroOutput).
 */
export interface RefLayer {
  cell: 'lstm' | 'gru' | 'simple_rnn';
  H: number;
  I: number;
  kernel: ArrayLike<number>; // [I, G*H]
  rec: ArrayLike<number>; // [H, G*H]
  bias: ArrayLike<number> | null; // [G*H] or [2, 3H]
  resetAfter?: boolean;
  act: (x: number) => number;
  recAct: (x: number) => number;
  goBackwards?: boolean;
}

export const sig = (x: number) => 1 / (1 + Math.exp(-x));
export const hardSig2 = (x: number) => Math.min(1, Math.max(0, 0.2 * x + 0.5));
export const hardSig3 = (x: number) => Math.min(1, Math.max(0, x / 6 + 0.5));

/** Returns { seq [B, T, H] in processing order, last [B, H], h [B, H], c [B, H] }. */
export function refRnn(l: RefLayer, x: ArrayLike<number>, B: number, T: number, mask: ArrayLike<number> | null, writer: 'tfjs' | 'keras', zeroOutput = false) {
  const { H, I } = l;
  const G = l.cell === 'lstm' ? 4 : l.cell === 'gru' ? 3 : 1;
  const GH = G * H;
  const seq = new Float64Array(B * T * H);
  const last = new Float64Array(B * H);
  const hOut = new Float64Array(B * H);
  const cOut = new Float64Array(B * H);
  const bIn = (g: number) => (l.bias ? l.bias[g] : 0);
  const bRec = (g: number) => (l.bias && l.cell === 'gru' && l.resetAfter ? l.bias[GH + g] : 0);
  for (let b = 0; b < B; b++) {
    let h = new Float64Array(H);
    let c = new Float64Array(H);
    let prev = new Float64Array(H);
    for (let p = 0; p < T; p++) {
      const t = l.goBackwards ? T - 1 - p : p;
      let out: Float64Array;
      if (mask && !mask[b * T + t]) {
        out = writer === 'tfjs' ? h : zeroOutput ? new Float64Array(H) : prev;
      } else {
        const xg = new Float64Array(GH);
        for (let g = 0; g < GH; g++) {
          let s = bIn(g);
          for (let k = 0; k < I; k++) s += x[(b * T + t) * I + k] * l.kernel[k * GH + g];
          xg[g] = s;
        }
        const hr = (v: Float64Array, g: number) => {
          let s = 0;
          for (let k = 0; k < H; k++) s += v[k] * l.rec[k * GH + g];
          return s;
        };
        const hn = new Float64Array(H);
        if (l.cell === 'lstm') {
          const cn = new Float64Array(H);
          for (let j = 0; j < H; j++) {
            const i = l.recAct(xg[j] + hr(h, j));
            const f = l.recAct(xg[H + j] + hr(h, H + j));
            const g = l.act(xg[2 * H + j] + hr(h, 2 * H + j));
            const o = l.recAct(xg[3 * H + j] + hr(h, 3 * H + j));
            cn[j] = f * c[j] + i * g;
            hn[j] = o * l.act(cn[j]);
          }
          c = cn;
        } else if (l.cell === 'gru') {
          const r = new Float64Array(H);
          const z = new Float64Array(H);
          for (let j = 0; j < H; j++) {
            z[j] = l.recAct(xg[j] + hr(h, j) + bRec(j));
            r[j] = l.recAct(xg[H + j] + hr(h, H + j) + bRec(H + j));
          }
          const rh = r.map((v, j) => v * h[j]);
          for (let j = 0; j < H; j++) {
            const hh = l.resetAfter ? l.act(xg[2 * H + j] + r[j] * (hr(h, 2 * H + j) + bRec(2 * H + j))) : l.act(xg[2 * H + j] + hr(rh, 2 * H + j));
            hn[j] = z[j] * h[j] + (1 - z[j]) * hh;
          }
        } else {
          for (let j = 0; j < H; j++) hn[j] = l.act(xg[j] + hr(h, j));
        }
        h = hn;
        out = hn;
        prev = hn;
      }
      seq.set(out, (b * T + p) * H);
    }
    last.set(seq.subarray((b * T + T - 1) * H, (b * T + T) * H), b * H);
    hOut.set(h, b * H);
    cOut.set(c, b * H);
  }
  return { seq, last, h: hOut, c: cOut };
}

/** [B, T, H] reversed along time. */
export function flip(v: Float64Array, B: number, T: number, H: number): Float64Array {
  const out = new Float64Array(v.length);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out.set(v.subarray((b * T + t) * H, (b * T + t + 1) * H), (b * T + T - 1 - t) * H);
  return out;
}

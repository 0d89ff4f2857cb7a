/**
 * Convolution kernels of the `js` backend, as im2col / col2im around the blocked matmul.
 * For one image, `cols` is the [C·kh·kw, Ho·Wo] matrix whose column p holds the receptive field
 * of output pixel p; then conv2d = W[O, C·kh·kw] · cols, its transpose is col2im(Wᵀ · y), and the
 * weight gradient is Σₙ dy[n] · colsₙᵀ.
 * @module
 */
import type { Conv2dSpec } from '../../backend.js';
import { allocate, dtypeOf, type TypedArray } from '../../dtype.js';
import { gemmInto, transposeMatrix } from './matmul.js';

/** Fills `cols` [C·kh·kw, Ho·Wo] from image `n` of x. */
function im2col(x: TypedArray, n: number, s: Conv2dSpec, cols: TypedArray): void {
  const { inChannels: C, inHeight: H, inWidth: W, kernelHeight: KH, kernelWidth: KW, outHeight: HO, outWidth: WO } = s;
  const [sh, sw] = s.stride;
  const [ph, pw] = s.padding;
  const P = HO * WO;
  for (let c = 0; c < C; c++) {
    const xBase = (n * C + c) * H * W;
    for (let ki = 0; ki < KH; ki++) {
      for (let kj = 0; kj < KW; kj++) {
        const row = ((c * KH + ki) * KW + kj) * P;
        for (let oi = 0; oi < HO; oi++) {
          const ii = oi * sh - ph + ki;
          const dst = row + oi * WO;
          if (ii < 0 || ii >= H) { for (let oj = 0; oj < WO; oj++) cols[dst + oj] = 0; continue; }
          const src = xBase + ii * W;
          for (let oj = 0; oj < WO; oj++) {
            const jj = oj * sw - pw + kj;
            cols[dst + oj] = jj >= 0 && jj < W ? x[src + jj]! : 0;
          }
        }
      }
    }
  }
}

/** Adds `cols` [C·kh·kw, Ho·Wo] back into image `n` of out (adjoint of im2col). */
function col2im(cols: TypedArray, n: number, s: Conv2dSpec, out: TypedArray): void {
  const { inChannels: C, inHeight: H, inWidth: W, kernelHeight: KH, kernelWidth: KW, outHeight: HO, outWidth: WO } = s;
  const [sh, sw] = s.stride;
  const [ph, pw] = s.padding;
  const P = HO * WO;
  for (let c = 0; c < C; c++) {
    const oBase = (n * C + c) * H * W;
    for (let ki = 0; ki < KH; ki++) {
      for (let kj = 0; kj < KW; kj++) {
        const row = ((c * KH + ki) * KW + kj) * P;
        for (let oi = 0; oi < HO; oi++) {
          const ii = oi * sh - ph + ki;
          if (ii < 0 || ii >= H) continue;
          const dst = oBase + ii * W;
          const src = row + oi * WO;
          for (let oj = 0; oj < WO; oj++) {
            const jj = oj * sw - pw + kj;
            if (jj >= 0 && jj < W) out[dst + jj]! += cols[src + oj]!;
          }
        }
      }
    }
  }
}

/** x [N,C,H,W] ⊛ weight [O,C,kh,kw] → [N,O,Ho,Wo]. */
export function conv2d(x: TypedArray, weight: TypedArray, s: Conv2dSpec): TypedArray {
  const K = s.inChannels * s.kernelHeight * s.kernelWidth;
  const P = s.outHeight * s.outWidth;
  const out = allocate(dtypeOf(x), s.batch * s.outChannels * P);
  const cols = allocate(dtypeOf(x), K * P);
  for (let n = 0; n < s.batch; n++) {
    im2col(x, n, s, cols);
    gemmInto(weight, 0, cols, 0, out, n * s.outChannels * P, s.outChannels, P, K);
  }
  return out;
}

/** Adjoint of conv2d: y [N,O,Ho,Wo] → [N,C,H,W]. */
export function conv2dTranspose(y: TypedArray, weight: TypedArray, s: Conv2dSpec): TypedArray {
  const K = s.inChannels * s.kernelHeight * s.kernelWidth;
  const P = s.outHeight * s.outWidth;
  const out = allocate(dtypeOf(y), s.batch * s.inChannels * s.inHeight * s.inWidth);
  const wT = transposeMatrix(weight, 0, s.outChannels, K);
  const cols = allocate(dtypeOf(y), K * P);
  for (let n = 0; n < s.batch; n++) {
    cols.fill(0);
    gemmInto(wT, 0, y, n * s.outChannels * P, cols, 0, K, P, s.outChannels);
    col2im(cols, n, s, out);
  }
  return out;
}

/** dWeight [O,C,kh,kw] = Σₙ dy[n] [O, Ho·Wo] · cols(x[n])ᵀ [Ho·Wo, C·kh·kw]. */
export function conv2dWeightGrad(x: TypedArray, dy: TypedArray, s: Conv2dSpec): TypedArray {
  const K = s.inChannels * s.kernelHeight * s.kernelWidth;
  const P = s.outHeight * s.outWidth;
  const out = allocate(dtypeOf(x), s.outChannels * K);
  const cols = allocate(dtypeOf(x), K * P);
  for (let n = 0; n < s.batch; n++) {
    im2col(x, n, s, cols);
    const colsT = transposeMatrix(cols, 0, K, P);
    gemmInto(dy, n * s.outChannels * P, colsT, 0, out, 0, s.outChannels, K, P);
  }
  return out;
}

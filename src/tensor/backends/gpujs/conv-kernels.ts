/**
 * The three convolution kernels of the `gpujs` backend, each computing one output element per
 * thread on a tile of `nt` images, `ot` output channels and `ct` input channels (the kernel
 * constants `NT`, `OT`, `CT`); the host side is in `conv.ts`. With input pixel
 * `(ii, jj) = (oi·sh − ph + ki, oj·sw − pw + kj)`:
 * - forward: `y[n,o,oi,oj] = Σ_{c,ki,kj} x[n,c,ii,jj] · w[o,c,ki,kj]`;
 * - transpose (adjoint of forward): `x̄[n,c,ii,jj] = Σ_{o,ki,kj} ȳ[n,o,oi,oj] · w[o,c,ki,kj]` over the
 *   (oi, oj) that reach (ii, jj), i.e. `oi = (ii + ph − ki) / sh` when that is a whole number in range;
 * - weight gradient: `w̄[o,c,ki,kj] = Σ_{n,oi,oj} ȳ[n,o,oi,oj] · x[n,c,ii,jj]`.
 * @module
 */
import { floorDiv } from './kernel-math.js';
import type { KernelThis } from './runtime.js';

/** Geometry constants shared by the three kernels. */
export interface ConvConstants {
  NT: number; OT: number; CT: number;
  H: number; W: number; KH: number; KW: number; HO: number; WO: number;
  SH: number; SW: number; PH: number; PW: number;
}

/** Forward: thread t = ((n·OT + o)·HO + oi)·WO + oj. */
export function conv2dKernel(this: KernelThis<ConvConstants>, x: Float32Array, w: Float32Array): number {
  const t = this.thread.x;
  const image = floorDiv(t, this.constants.HO * this.constants.WO);
  const p = t - image * this.constants.HO * this.constants.WO;
  const oi = floorDiv(p, this.constants.WO);
  const oj = p - oi * this.constants.WO;
  const n = floorDiv(image, this.constants.OT);
  const o = image - n * this.constants.OT;
  let sum = 0;
  for (let c = 0; c < this.constants.CT; c++) {
    for (let ki = 0; ki < this.constants.KH; ki++) {
      const ii = oi * this.constants.SH - this.constants.PH + ki;
      if (ii >= 0 && ii < this.constants.H) {
        const xRow = ((n * this.constants.CT + c) * this.constants.H + ii) * this.constants.W;
        const wRow = ((o * this.constants.CT + c) * this.constants.KH + ki) * this.constants.KW;
        for (let kj = 0; kj < this.constants.KW; kj++) {
          const jj = oj * this.constants.SW - this.constants.PW + kj;
          if (jj >= 0 && jj < this.constants.W) {
            sum = sum + x[xRow + jj]! * w[wRow + kj]!;
          }
        }
      }
    }
  }
  return sum;
}

/** Transpose: thread t = ((n·CT + c)·H + ii)·W + jj. */
export function conv2dTransposeKernel(this: KernelThis<ConvConstants>, y: Float32Array, w: Float32Array): number {
  const t = this.thread.x;
  const image = floorDiv(t, this.constants.H * this.constants.W);
  const p = t - image * this.constants.H * this.constants.W;
  const ii = floorDiv(p, this.constants.W);
  const jj = p - ii * this.constants.W;
  const n = floorDiv(image, this.constants.CT);
  const c = image - n * this.constants.CT;
  let sum = 0;
  for (let o = 0; o < this.constants.OT; o++) {
    for (let ki = 0; ki < this.constants.KH; ki++) {
      const ti = ii + this.constants.PH - ki;
      const oi = floorDiv(ti + this.constants.SH * this.constants.KH, this.constants.SH) - this.constants.KH;
      if (ti >= 0 && oi * this.constants.SH === ti && oi < this.constants.HO) {
        const yRow = ((n * this.constants.OT + o) * this.constants.HO + oi) * this.constants.WO;
        const wRow = ((o * this.constants.CT + c) * this.constants.KH + ki) * this.constants.KW;
        for (let kj = 0; kj < this.constants.KW; kj++) {
          const tj = jj + this.constants.PW - kj;
          const oj = floorDiv(tj + this.constants.SW * this.constants.KW, this.constants.SW) - this.constants.KW;
          if (tj >= 0 && oj * this.constants.SW === tj && oj < this.constants.WO) {
            sum = sum + y[yRow + oj]! * w[wRow + kj]!;
          }
        }
      }
    }
  }
  return sum;
}

/** Weight gradient: thread t = ((o·CT + c)·KH + ki)·KW + kj. */
export function conv2dWeightGradKernel(this: KernelThis<ConvConstants>, x: Float32Array, dy: Float32Array): number {
  const t = this.thread.x;
  const pair = floorDiv(t, this.constants.KH * this.constants.KW);
  const r = t - pair * this.constants.KH * this.constants.KW;
  const ki = floorDiv(r, this.constants.KW);
  const kj = r - ki * this.constants.KW;
  const o = floorDiv(pair, this.constants.CT);
  const c = pair - o * this.constants.CT;
  let sum = 0;
  for (let n = 0; n < this.constants.NT; n++) {
    for (let oi = 0; oi < this.constants.HO; oi++) {
      const ii = oi * this.constants.SH - this.constants.PH + ki;
      if (ii >= 0 && ii < this.constants.H) {
        const dyRow = ((n * this.constants.OT + o) * this.constants.HO + oi) * this.constants.WO;
        const xRow = ((n * this.constants.CT + c) * this.constants.H + ii) * this.constants.W;
        for (let oj = 0; oj < this.constants.WO; oj++) {
          const jj = oj * this.constants.SW - this.constants.PW + kj;
          if (jj >= 0 && jj < this.constants.W) {
            sum = sum + dy[dyRow + oj]! * x[xRow + jj]!;
          }
        }
      }
    }
  }
  return sum;
}

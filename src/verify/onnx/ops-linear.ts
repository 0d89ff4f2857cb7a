/**
 * Float64 kernels of the ONNX products: MatMul (numpy semantics, incl. 1-D operands), Gemm and
 * Conv (2-D, NCHW, groups, pads, strides, dilations).
 * @module
 */
import { nd, type NdArray } from './ndarray.js';

/** `A @ B` with numpy rules: 1-D operands are promoted, leading batch dims broadcast (B may be 2-D). */
export function matmul(a: NdArray, b: NdArray): NdArray {
  const a2 = a.shape.length === 1 ? { shape: [1, a.shape[0]!], data: a.data } : a;
  const b2 = b.shape.length === 1 ? { shape: [b.shape[0]!, 1], data: b.data } : b;
  const [m, k] = a2.shape.slice(-2) as [number, number];
  const [k2, n] = b2.shape.slice(-2) as [number, number];
  if (k !== k2) throw new Error(`MatMul: inner dimensions differ ([${a.shape.join(',')}] @ [${b.shape.join(',')}])`);
  const batchA = a2.shape.slice(0, -2);
  const batchB = b2.shape.slice(0, -2);
  if (batchB.length > 0 && batchB.join(',') !== batchA.join(',')) throw new Error(`MatMul: batch shapes [${batchA.join(',')}] and [${batchB.join(',')}] are not supported together`);
  const batches = batchA.reduce((x, y) => x * y, 1);
  const out = new Float64Array(batches * m * n);
  for (let t = 0; t < batches; t++) {
    const bOff = batchB.length > 0 ? t * k * n : 0;
    for (let i = 0; i < m; i++) {
      for (let p = 0; p < k; p++) {
        const av = a2.data[t * m * k + i * k + p]!;
        if (av === 0) continue;
        const row = t * m * n + i * n;
        for (let j = 0; j < n; j++) out[row + j]! += av * b2.data[bOff + p * n + j]!;
      }
    }
  }
  let shape = [...batchA, m, n];
  if (a.shape.length === 1) shape = shape.filter((_, i) => i !== shape.length - 2);
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  return { shape, data: out };
}

/** 2-D transpose. */
function t2(a: NdArray): NdArray {
  const [r, c] = a.shape as [number, number];
  const out = nd([c, r]);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out.data[j * r + i] = a.data[i * c + j]!;
  return out;
}

/** Gemm: `alpha * A' B' + beta * C` (A', B' optionally transposed; C broadcast). */
export function gemm(a: NdArray, b: NdArray, c: NdArray | undefined, o: { alpha: number; beta: number; transA: boolean; transB: boolean }): NdArray {
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error(`Gemm: needs 2-D A and B, got [${a.shape.join(',')}] and [${b.shape.join(',')}]`);
  const y = matmul(o.transA ? t2(a) : a, o.transB ? t2(b) : b);
  const [m, n] = y.shape as [number, number];
  for (let i = 0; i < y.data.length; i++) y.data[i]! *= o.alpha;
  if (!c) return y;
  const cs = c.shape;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const ci = cs.length === 0 ? 0 : cs.length === 1 ? (cs[0] === 1 ? 0 : j) : (cs[0] === 1 ? 0 : i) * cs[1]! + (cs[1] === 1 ? 0 : j);
      y.data[i * n + j]! += o.beta * c.data[ci]!;
    }
  }
  return y;
}

/** Convolution geometry (2-D). */
export interface ConvGeometry {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  /** [top, left, bottom, right] */
  readonly pads: readonly [number, number, number, number];
  readonly dilations: readonly [number, number];
  readonly group: number;
}

/** Output height/width of a 2-D window over an input. */
export function windowOut(h: number, w: number, g: Omit<ConvGeometry, 'group'>): [number, number] {
  const oh = Math.floor((h + g.pads[0] + g.pads[2] - g.dilations[0] * (g.kernel[0] - 1) - 1) / g.strides[0]) + 1;
  const ow = Math.floor((w + g.pads[1] + g.pads[3] - g.dilations[1] * (g.kernel[1] - 1) - 1) / g.strides[1]) + 1;
  if (oh < 1 || ow < 1) throw new Error(`window of ${g.kernel.join('x')} does not fit an input of ${h}x${w}`);
  return [oh, ow];
}

/** Conv: x [N, C, H, W], weight [M, C/group, kh, kw], bias [M]. */
export function conv2d(x: NdArray, w: NdArray, bias: NdArray | undefined, g: ConvGeometry): NdArray {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [m, cg, kh, kw] = w.shape as [number, number, number, number];
  if (x.shape.length !== 4 || w.shape.length !== 4 || cg * g.group !== c || m % g.group !== 0) {
    throw new Error(`Conv: input [${x.shape.join(',')}] does not match weight [${w.shape.join(',')}] with group ${g.group}`);
  }
  const [oh, ow] = windowOut(h, wd, { ...g, kernel: [kh, kw] });
  const out = nd([n, m, oh, ow]);
  const mg = m / g.group;
  for (let b = 0; b < n; b++) for (let o = 0; o < m; o++) {
    const c0 = Math.floor(o / mg) * cg;
    const base = (b * m + o) * oh * ow;
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
      let s = bias ? bias.data[o]! : 0;
      for (let ci = 0; ci < cg; ci++) for (let p = 0; p < kh; p++) {
        const y = i * g.strides[0] - g.pads[0] + p * g.dilations[0];
        if (y < 0 || y >= h) continue;
        for (let q = 0; q < kw; q++) {
          const xq = j * g.strides[1] - g.pads[1] + q * g.dilations[1];
          if (xq < 0 || xq >= wd) continue;
          s += w.data[((o * cg + ci) * kh + p) * kw + q]! * x.data[((b * c + c0 + ci) * h + y) * wd + xq]!;
        }
      }
      out.data[base + i * ow + j] = s;
    }
  }
  return out;
}

/** MaxPool / AveragePool over 2-D windows of x [N, C, H, W]. */
export function pool2d(x: NdArray, g: Omit<ConvGeometry, 'group'>, mode: 'max' | 'avg', countIncludePad: boolean): NdArray {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [oh, ow] = windowOut(h, wd, g);
  const out = nd([n, c, oh, ow]);
  for (let b = 0; b < n * c; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
    let acc = mode === 'max' ? -Infinity : 0;
    let count = 0;
    for (let p = 0; p < g.kernel[0]; p++) for (let q = 0; q < g.kernel[1]; q++) {
      const y = i * g.strides[0] - g.pads[0] + p * g.dilations[0];
      const xq = j * g.strides[1] - g.pads[1] + q * g.dilations[1];
      if (y < 0 || y >= h || xq < 0 || xq >= wd) continue;
      const v = x.data[(b * h + y) * wd + xq]!;
      acc = mode === 'max' ? Math.max(acc, v) : acc + v;
      count++;
    }
    out.data[(b * oh + i) * ow + j] = mode === 'max' ? acc : acc / (countIncludePad ? g.kernel[0] * g.kernel[1] : count);
  }
  return out;
}

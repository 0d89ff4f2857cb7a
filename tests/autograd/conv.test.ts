import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { conv2d, conv2dAdjoint, convSpec, convTranspose2d } from '../../src/autograd/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertAllClose, gradcheck, randn64 } from '../helpers/gradcheck.js';

type Pair = [number, number];

/** Direct-loop PyTorch conv2d (cross-correlation) with bias, for forward checks. */
function naiveConv(x: Tensor, w: Tensor, bias: Tensor | null, stride: Pair, padding: Pair): number[] {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [O, , KH, KW] = w.shape as [number, number, number, number];
  const HO = Math.floor((H + 2 * padding[0] - KH) / stride[0]) + 1;
  const WO = Math.floor((W + 2 * padding[1] - KW) / stride[1]) + 1;
  const out: number[] = [];
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) {
    let s = bias ? bias.data[o]! : 0;
    for (let c = 0; c < C; c++) for (let ki = 0; ki < KH; ki++) for (let kj = 0; kj < KW; kj++) {
      const ii = i * stride[0] - padding[0] + ki;
      const jj = j * stride[1] - padding[1] + kj;
      if (ii >= 0 && ii < H && jj >= 0 && jj < W) s += x.data[((n * C + c) * H + ii) * W + jj]! * w.data[((o * C + c) * KH + ki) * KW + kj]!;
    }
    out.push(s);
  }
  return out;
}

/** Direct-loop PyTorch conv_transpose2d (scatter form), weight [O, C, kh, kw], output [N, C, H, W]. */
function naiveConvTranspose(y: Tensor, w: Tensor, stride: Pair, padding: Pair, outShape: Pair): number[] {
  const [N, O, HO, WO] = y.shape as [number, number, number, number];
  const [, C, KH, KW] = w.shape as [number, number, number, number];
  const [H, W] = outShape;
  const out = new Array<number>(N * C * H * W).fill(0);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) {
    for (let c = 0; c < C; c++) for (let ki = 0; ki < KH; ki++) for (let kj = 0; kj < KW; kj++) {
      const ii = i * stride[0] - padding[0] + ki;
      const jj = j * stride[1] - padding[1] + kj;
      if (ii >= 0 && ii < H && jj >= 0 && jj < W) out[((n * C + c) * H + ii) * W + jj]! += y.data[((n * O + o) * HO + i) * WO + j]! * w.data[((o * C + c) * KH + ki) * KW + kj]!;
    }
  }
  return out;
}

function dot(a: Tensor, b: Tensor): number {
  let s = 0;
  for (let i = 0; i < a.size; i++) s += a.data[i]! * b.data[i]!;
  return s;
}

test('conv2d: stride 1/2/3 × padding 0/1/2, with and without bias, rectangular input: forward and gradients', () => {
  const rng = new Rng(1);
  for (const stride of [1, 2, 3]) {
    for (const padding of [0, 1, 2]) {
      const x = randn64([2, 2, 5, 7], rng);
      const w = randn64([3, 2, 3, 2], rng);
      const b = padding === 1 ? null : randn64([3], rng);
      const opts = { stride, padding };
      const out = conv2d(x, w, b, opts);
      assertAllClose(out.data, naiveConv(x, w, b, [stride, stride], [padding, padding]), 1e-12, 1e-9, `conv2d s${stride} p${padding}`);
      const name = `conv2d stride ${stride} padding ${padding} bias ${b !== null}`;
      if (b) gradcheck((xi, wi, bi) => conv2d(xi, wi, bi, opts), [x, w, b], { name });
      else gradcheck((xi, wi) => conv2d(xi, wi, null, opts), [x, w], { name });
    }
  }
});

test('conv2d: per-axis stride / padding and random geometries (fast-check)', () => {
  const small = (lo: number, hi: number): fc.Arbitrary<number> => fc.integer({ min: lo, max: hi });
  fc.assert(fc.property(
    fc.record({ kh: small(1, 3), kw: small(1, 3), sh: small(1, 3), sw: small(1, 3), ph: small(0, 2), pw: small(0, 2), extraH: small(0, 3), extraW: small(0, 3), seed: small(0, 1e6) }),
    ({ kh, kw, sh, sw, ph, pw, extraH, extraW, seed }) => {
      const H = Math.max(1, kh - 2 * ph + extraH);
      const W = Math.max(1, kw - 2 * pw + extraW);
      if (H + 2 * ph < kh || W + 2 * pw < kw) return;
      const rng = new Rng(seed);
      const x = randn64([1, 2, H, W], rng);
      const w = randn64([2, 2, kh, kw], rng);
      const b = randn64([2], rng);
      const opts = { stride: [sh, sw] as const, padding: [ph, pw] as const };
      assertAllClose(conv2d(x, w, b, opts).data, naiveConv(x, w, b, [sh, sw], [ph, pw]));
      gradcheck((xi, wi, bi) => conv2d(xi, wi, bi, opts), [x, w, b], { name: `conv2d k${kh}x${kw} s${sh},${sw} p${ph},${pw} in ${H}x${W}` });
    }), { seed: 42, numRuns: 30 });
});

test('convTranspose2d: stride 1/2/3, padding 0/1/2, output padding, bias: forward and gradients', () => {
  const rng = new Rng(2);
  for (const stride of [1, 2, 3]) {
    for (const padding of [0, 1, 2]) {
      const outputPadding = stride - 1;
      const y = randn64([2, 3, 3, 2], rng);
      const w = randn64([3, 2, 3, 3], rng);
      const H = (3 - 1) * stride - 2 * padding + 3 + outputPadding;
      const W = (2 - 1) * stride - 2 * padding + 3 + outputPadding;
      if (H <= 0 || W <= 0) continue;
      const bias = randn64([2], rng);
      const opts = { stride, padding, outputPadding };
      const out = convTranspose2d(y, w, bias, opts);
      assert.equal(out.shape, [2, 2, H, W]);
      const expected = naiveConvTranspose(y, w, [stride, stride], [padding, padding], [H, W]);
      const withBias = expected.map((v, i) => v + bias.data[Math.floor(i / (H * W)) % 2]!);
      assertAllClose(out.data, withBias, 1e-12, 1e-9, `convTranspose2d s${stride} p${padding}`);
      gradcheck((yi, wi, bi) => convTranspose2d(yi, wi, bi, opts), [y, w, bias], { name: `convTranspose2d s${stride} p${padding} op${outputPadding}` });
      gradcheck((yi, wi) => convTranspose2d(yi, wi, null, { stride, padding }), [y, w], { name: `convTranspose2d s${stride} p${padding}` });
    }
  }
});

test('convTranspose2d: random per-axis geometries with output padding (fast-check)', () => {
  const small = (lo: number, hi: number): fc.Arbitrary<number> => fc.integer({ min: lo, max: hi });
  fc.assert(fc.property(
    fc.record({ kh: small(1, 3), kw: small(1, 3), sh: small(1, 3), sw: small(1, 3), ph: small(0, 2), pw: small(0, 2), oh: small(0, 2), ow: small(0, 2), HO: small(1, 3), WO: small(1, 3), seed: small(0, 1e6) }),
    ({ kh, kw, sh, sw, ph, pw, oh, ow, HO, WO, seed }) => {
      const outputPadding = [oh % sh, ow % sw] as const;
      const H = (HO - 1) * sh - 2 * ph + kh + outputPadding[0];
      const W = (WO - 1) * sw - 2 * pw + kw + outputPadding[1];
      if (H <= 0 || W <= 0) return;
      const rng = new Rng(seed);
      const y = randn64([1, 2, HO, WO], rng);
      const w = randn64([2, 3, kh, kw], rng);
      const b = randn64([3], rng);
      const opts = { stride: [sh, sw] as const, padding: [ph, pw] as const, outputPadding };
      const expected = naiveConvTranspose(y, w, [sh, sw], [ph, pw], [H, W]).map((v, i) => v + b.data[Math.floor(i / (H * W)) % 3]!);
      assertAllClose(convTranspose2d(y, w, b, opts).data, expected, 1e-12, 1e-9, 'convTranspose2d');
      gradcheck((yi, wi, bi) => convTranspose2d(yi, wi, bi, opts), [y, w, b], { name: `convTranspose2d k${kh}x${kw} s${sh},${sw} p${ph},${pw} op${outputPadding}` });
    }), { seed: 42, numRuns: 30 });
});

test('conv2dAdjoint is the adjoint of conv2d, also when (H + 2p − k) is not divisible by the stride (fast-check)', () => {
  const small = (lo: number, hi: number): fc.Arbitrary<number> => fc.integer({ min: lo, max: hi });
  fc.assert(fc.property(
    fc.record({ k: small(1, 4), s: small(1, 3), p: small(0, 2), H: small(1, 8), W: small(1, 8), seed: small(0, 1e6) }),
    ({ k, s, p, H, W, seed }) => {
      if (H + 2 * p < k || W + 2 * p < k) return;
      const rng = new Rng(seed);
      const x = randn64([2, 2, H, W], rng);
      const w = randn64([3, 2, k, k], rng);
      const opts = { stride: s, padding: p };
      const y = randn64(conv2d(x, w, null, opts).shape, rng);
      const back = conv2dAdjoint(y, w, x.shape, opts);
      assert.equal(back.shape, x.shape);
      const lhs = dot(conv2d(x, w, null, opts), y);
      const rhs = dot(x, back);
      assert.ok(Math.abs(lhs - rhs) <= 1e-10 * (1 + Math.abs(lhs)), `<conv x, y> = ${lhs} but <x, convᵀ y> = ${rhs}`);
      const spec = convSpec(x.shape, w.shape, opts);
      const op = [H + 2 * p - k - (spec.outHeight - 1) * s, W + 2 * p - k - (spec.outWidth - 1) * s] as const;
      assertAllClose(back.data, convTranspose2d(y, w, null, { ...opts, outputPadding: op }).data, 1e-12, 1e-9, 'conv2dAdjoint vs convTranspose2d');
    }), { seed: 42, numRuns: 60 });
});

test('conv2dAdjoint: gradients with leftover rows and columns', () => {
  const rng = new Rng(3);
  const w = randn64([3, 2, 3, 2], rng);
  const inputShape = [2, 2, 8, 7];
  const opts = { stride: [3, 2] as const, padding: [1, 0] as const };
  const spec = convSpec(inputShape, w.shape, opts);
  const y = randn64([2, 3, spec.outHeight, spec.outWidth], rng);
  gradcheck((yi, wi) => conv2dAdjoint(yi, wi, inputShape, opts), [y, w], { name: 'conv2dAdjoint' });
});

test('conv errors name the argument and the expected shape', () => {
  const x = Tensor.zeros([1, 2, 5, 5]);
  assert.throws(() => conv2d(Tensor.zeros([2, 5, 5]), Tensor.zeros([3, 2, 3, 3])), /conv2d: input must be \[N, C, H, W\], got \[2, 5, 5\]/);
  assert.throws(() => conv2d(x, Tensor.zeros([3, 4, 3, 3])), /conv2d: weight \[3, 4, 3, 3\] must be \[O, 2, kh, kw\] for input \[1, 2, 5, 5\]/);
  assert.throws(() => conv2d(x, Tensor.zeros([3, 2, 6, 3])), /conv2d: kernel 6x3 does not fit input 5x5/);
  assert.throws(() => conv2d(x, Tensor.zeros([3, 2, 3, 3]), Tensor.zeros([2])), /conv2d: bias \[2\] must be \[3\]/);
  assert.throws(() => conv2d(x, Tensor.zeros([3, 2, 3, 3]), Tensor.zeros([1])), /conv2d: bias \[1\] must be \[3\]/);
  assert.throws(() => convTranspose2d(x, Tensor.zeros([3, 2, 3, 3])), /convTranspose2d: input \[1, 2, 5, 5\] and weight \[3, 2, 3, 3\] must be \[N, O, H, W\] and \[O, C, kh, kw\]/);
  assert.throws(() => convTranspose2d(x, Tensor.zeros([2, 3, 3, 3]), Tensor.zeros([2])), /convTranspose2d: bias \[2\] must be \[3\]/);
  assert.throws(() => convTranspose2d(x, Tensor.zeros([2, 3, 3, 3]), null, { stride: 2, outputPadding: 2 }), /convTranspose2d: outputPadding 2,2 must be smaller than stride 2,2/);
  const w = Tensor.zeros([2, 2, 3, 3]);
  assert.throws(() => conv2d(x, w, null, { stride: 0 }), /conv2d: stride must be integers >= 1, got 0,0/);
  assert.throws(() => conv2d(x, w, null, { stride: [1, 1.5] }), /conv2d: stride must be integers >= 1, got 1,1.5/);
  assert.throws(() => conv2d(x, w, null, { padding: -1 }), /conv2d: padding must be integers >= 0, got -1,-1/);
  assert.throws(() => convTranspose2d(x, w, null, { padding: [0, -1] }), /convTranspose2d: padding must be integers >= 0, got 0,-1/);
  assert.throws(() => convTranspose2d(x, w, null, { stride: 2, outputPadding: -1 }), /convTranspose2d: outputPadding must be integers >= 0/);
  assert.throws(() => convTranspose2d(Tensor.zeros([1, 2, 1, 1]), w, null, { padding: 2 }), /convTranspose2d: padding 2,2 leaves an empty -1x-1 output/);
  assert.throws(() => conv2dAdjoint(Tensor.zeros([1, 3, 2, 2]), Tensor.zeros([3, 2, 3, 3]), [1, 2, 5, 5]), /conv2dAdjoint: y \[1, 3, 2, 2\] must be \[1, 3, 3, 3\]/);
});

test.run();

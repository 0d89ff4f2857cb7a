/**
 * The js backend's compute kernels (matmul, convolutions, reductions, median, element-wise) against
 * tiny naive implementations written here from the definitions (no blocking, no im2col).
 * Data-movement kernels: js-layout-kernels.test.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Conv2dSpec, MatmulSpec } from '../../src/tensor/backend.js';
import { jsBackend as js } from '../../src/tensor/backends/js/index.js';
import { Rng } from '../../src/tensor/random.js';
import { broadcastShapes, sizeOf, type Shape } from '../../src/tensor/shape.js';
import { assertAllClose } from '../helpers/gradcheck.js';
import { dot, forEachIndex, offsetOf, positive, randomData } from '../helpers/naive.js';
import { broadcastPairArb, shapeAndAxisArb } from '../helpers/shapes.js';

const seedArb = fc.integer({ min: 0, max: 1e6 });

// ---------------------------------------------------------------- matmul

function naiveMatmul(a: Float64Array, b: Float64Array, s: MatmulSpec): number[] {
  const out: number[] = [];
  for (let t = 0; t < s.batch; t++) {
    const aBase = t * s.aBatchStride;
    const bBase = t * s.bBatchStride;
    for (let i = 0; i < s.m; i++) for (let j = 0; j < s.n; j++) {
      let v = 0;
      for (let p = 0; p < s.k; p++) {
        const av = s.transA ? a[aBase + p * s.m + i]! : a[aBase + i * s.k + p]!;
        const bv = s.transB ? b[bBase + j * s.k + p]! : b[bBase + p * s.n + j]!;
        v += av * bv;
      }
      out.push(v);
    }
  }
  return out;
}

test('matmul: every transpose combination, batch strides 0 and non-0 (fast-check)', () => {
  const dim = fc.integer({ min: 1, max: 5 });
  fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), dim, dim, dim, fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), seedArb,
    (batch, m, n, k, transA, transB, shareA, shareB, seed) => {
      const rng = new Rng(seed);
      const spec: MatmulSpec = { batch, m, n, k, transA, transB, aBatchStride: shareA ? 0 : m * k, bBatchStride: shareB ? 0 : n * k };
      const a = randomData((shareA ? 1 : batch) * m * k, rng);
      const b = randomData((shareB ? 1 : batch) * n * k, rng);
      const out = js.matmul(a, b, spec);
      assert.ok(out instanceof Float64Array);
      assertAllClose(out, naiveMatmul(a, b, spec), 1e-12, 1e-12, 'matmul');
    }), { seed: 42, numRuns: 80 });
});

test('matmul: sizes beyond the k and n blocks, float32', () => {
  const rng = new Rng(1);
  for (const [transA, transB] of [[false, false], [true, true]] as const) {
    const spec: MatmulSpec = { batch: 2, m: 3, n: 530, k: 140, transA, transB, aBatchStride: 0, bBatchStride: 530 * 140 };
    const a = randomData(3 * 140, rng);
    const b = randomData(2 * 530 * 140, rng);
    assertAllClose(js.matmul(a, b, spec), naiveMatmul(a, b, spec), 1e-10, 1e-10, 'blocked matmul');
    const out32 = js.matmul(Float32Array.from(a), Float32Array.from(b), spec);
    assert.ok(out32 instanceof Float32Array);
    assertAllClose(out32, naiveMatmul(a, b, spec), 1e-3, 1e-4, 'float32 matmul');
  }
});

// ---------------------------------------------------------------- convolutions

interface Geometry { N: number; C: number; O: number; H: number; W: number; kh: number; kw: number; sh: number; sw: number; ph: number; pw: number }

function specOf(g: Geometry): Conv2dSpec {
  return {
    batch: g.N, inChannels: g.C, outChannels: g.O, inHeight: g.H, inWidth: g.W, kernelHeight: g.kh, kernelWidth: g.kw,
    stride: [g.sh, g.sw], padding: [g.ph, g.pw],
    outHeight: Math.floor((g.H + 2 * g.ph - g.kh) / g.sh) + 1, outWidth: Math.floor((g.W + 2 * g.pw - g.kw) / g.sw) + 1,
  };
}

/** Visits every (input pixel, weight, output pixel) triple of a convolution that lands inside the input. */
function forEachTap(s: Conv2dSpec, fn: (xAt: number, wAt: number, yAt: number) => void): void {
  const { batch: N, inChannels: C, outChannels: O, inHeight: H, inWidth: W, kernelHeight: KH, kernelWidth: KW, outHeight: HO, outWidth: WO } = s;
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) {
    for (let c = 0; c < C; c++) for (let ki = 0; ki < KH; ki++) for (let kj = 0; kj < KW; kj++) {
      const ii = i * s.stride[0] - s.padding[0] + ki;
      const jj = j * s.stride[1] - s.padding[1] + kj;
      if (ii < 0 || ii >= H || jj < 0 || jj >= W) continue;
      fn(((n * C + c) * H + ii) * W + jj, ((o * C + c) * KH + ki) * KW + kj, ((n * O + o) * HO + i) * WO + j);
    }
  }
}

const geometryArb: fc.Arbitrary<Geometry> = fc.record({
  N: fc.integer({ min: 1, max: 2 }), C: fc.integer({ min: 1, max: 3 }), O: fc.integer({ min: 1, max: 3 }),
  H: fc.integer({ min: 1, max: 9 }), W: fc.integer({ min: 1, max: 9 }), kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 4 }),
  sh: fc.integer({ min: 1, max: 3 }), sw: fc.integer({ min: 1, max: 3 }), ph: fc.integer({ min: 0, max: 2 }), pw: fc.integer({ min: 0, max: 2 }),
}).filter((g) => g.H + 2 * g.ph >= g.kh && g.W + 2 * g.pw >= g.kw);

test('conv2d, conv2dTranspose and conv2dWeightGrad equal direct loops (fast-check geometries)', () => {
  fc.assert(fc.property(geometryArb, seedArb, (g, seed) => {
    const s = specOf(g);
    const rng = new Rng(seed);
    const x = randomData(g.N * g.C * g.H * g.W, rng);
    const w = randomData(g.O * g.C * g.kh * g.kw, rng);
    const y = randomData(g.N * g.O * s.outHeight * s.outWidth, rng);
    const conv = new Array<number>(y.length).fill(0);
    const convT = new Array<number>(x.length).fill(0);
    const dW = new Array<number>(w.length).fill(0);
    forEachTap(s, (xi, wi, yi) => {
      conv[yi]! += x[xi]! * w[wi]!;
      convT[xi]! += y[yi]! * w[wi]!;
      dW[wi]! += y[yi]! * x[xi]!;
    });
    assertAllClose(js.conv2d(x, w, s), conv, 1e-12, 1e-10, 'conv2d');
    assertAllClose(js.conv2dTranspose(y, w, s), convT, 1e-12, 1e-10, 'conv2dTranspose');
    assertAllClose(js.conv2dWeightGrad(x, y, s), dW, 1e-12, 1e-10, 'conv2dWeightGrad');
  }), { seed: 42, numRuns: 80 });
});

test('conv2dTranspose is the adjoint of conv2d: <conv(x), y> = <x, convT(y)>, incl. (H+2p−k) not divisible by the stride', () => {
  let leftover = 0;
  fc.assert(fc.property(geometryArb, seedArb, (g, seed) => {
    const s = specOf(g);
    if ((g.H + 2 * g.ph - g.kh) % g.sh !== 0 || (g.W + 2 * g.pw - g.kw) % g.sw !== 0) leftover++;
    const rng = new Rng(seed);
    const x = randomData(g.N * g.C * g.H * g.W, rng);
    const w = randomData(g.O * g.C * g.kh * g.kw, rng);
    const y = randomData(g.N * g.O * s.outHeight * s.outWidth, rng);
    const lhs = dot(js.conv2d(x, w, s), y);
    const rhs = dot(x, js.conv2dTranspose(y, w, s));
    const viaWeight = dot(w, js.conv2dWeightGrad(x, y, s));
    assert.ok(Math.abs(lhs - rhs) <= 1e-10 * (1 + Math.abs(lhs)), `<conv x, y> ${lhs} vs <x, convT y> ${rhs}`);
    assert.ok(Math.abs(lhs - viaWeight) <= 1e-10 * (1 + Math.abs(lhs)), `<conv x, y> ${lhs} vs <w, dW> ${viaWeight}`);
  }), { seed: 42, numRuns: 150 });
  assert.ok(leftover > 20, `only ${leftover} geometries with leftover rows/columns were drawn`);
});

// ---------------------------------------------------------------- median and reductions

test('median: lower median (PyTorch convention) with ties, index points at a median element (fast-check)', () => {
  fc.assert(fc.property(shapeAndAxisArb(3, 5), fc.integer({ min: 1, max: 4 }), seedArb, ({ shape, axis }, levels, seed) => {
    const rng = new Rng(seed);
    const a = positive(axis, shape.length);
    const x = Float64Array.from({ length: sizeOf(shape) }, () => rng.int(levels + 2));
    const { values, indices } = js.median(x, shape, a);
    const outShape = shape.filter((_, i) => i !== a);
    forEachIndex(outShape, (idx, flat) => {
      const column = Array.from({ length: shape[a]! }, (_, k) => x[offsetOf(shape, [...idx.slice(0, a), k, ...idx.slice(a)])]!);
      const sorted = [...column].sort((p, q) => p - q);
      assert.is(values[flat], sorted[Math.floor((column.length - 1) / 2)]);
      assert.is(column[indices[flat]!], values[flat]);
    });
  }), { seed: 42, numRuns: 80 });
  const even = js.median(Float32Array.from([4, 1, 3, 2]), [4], 0);
  assert.equal([even.values[0], even.indices[0]], [2, 3]);
  assert.ok(even.values instanceof Float32Array);
});

test('median of |x| (absolute): the median of the |x| copy, same positions, float32 and float64; an empty axis is an error', () => {
  fc.assert(fc.property(shapeAndAxisArb(3, 5), fc.boolean(), seedArb, ({ shape, axis }, float32, seed) => {
    const rng = new Rng(seed);
    const a = positive(axis, shape.length);
    const values = Array.from({ length: sizeOf(shape) }, () => [0, -0, 1, -1, 2, -2, rng.uniform(-3, 3)][rng.int(7)]!);
    const x = float32 ? Float32Array.from(values) : Float64Array.from(values);
    const fused = js.median(x, shape, a, true);
    const copy = js.median(x.map(Math.abs), shape, a);
    assert.equal(Array.from(fused.values), Array.from(copy.values));
    assert.equal(Array.from(fused.indices), Array.from(copy.indices));
    assert.ok(fused.values instanceof (float32 ? Float32Array : Float64Array));
    assert.ok(Array.from(fused.values).every((v) => Object.is(v, Math.abs(v))), 'no negative values, no -0');
  }), { seed: 42, numRuns: 60 });
  assert.throws(() => js.median(new Float32Array(0), [3, 0], 1), /median: axis 1 of shape \[3, 0\] is empty/);
  assert.equal(js.median(new Float32Array(0), [0, 4], 1).values.length, 0);
});

test('reduce and argReduce equal direct loops (fast-check)', () => {
  fc.assert(fc.property(shapeAndAxisArb(3, 4), seedArb, ({ shape, axis }, seed) => {
    const rng = new Rng(seed);
    const a = positive(axis, shape.length);
    const x = Float64Array.from({ length: sizeOf(shape) }, () => rng.int(5) - 2);
    const outShape = shape.filter((_, i) => i !== a);
    const sums = js.reduce('sum', x, shape, a);
    const maxs = js.reduce('max', x, shape, a);
    const mins = js.reduce('min', x, shape, a);
    const argmax = js.argReduce('max', x, shape, a);
    const argmin = js.argReduce('min', x, shape, a);
    forEachIndex(outShape, (idx, flat) => {
      const column = Array.from({ length: shape[a]! }, (_, k) => x[offsetOf(shape, [...idx.slice(0, a), k, ...idx.slice(a)])]!);
      assert.is(sums[flat], column.reduce((s, v) => s + v, 0));
      assert.is(maxs[flat], Math.max(...column));
      assert.is(mins[flat], Math.min(...column));
      assert.is(argmax[flat], column.indexOf(Math.max(...column)));
      assert.is(argmin[flat], column.indexOf(Math.min(...column)));
    });
  }), { seed: 42, numRuns: 60 });
});

// ---------------------------------------------------------------- element-wise

test('binary (broadcasting) and sumToShape equal direct multi-index loops (fast-check)', () => {
  fc.assert(fc.property(broadcastPairArb(4, 3), seedArb, ([aShape, bShape], seed) => {
    const rng = new Rng(seed);
    const a = randomData(sizeOf(aShape), rng);
    const b = randomData(sizeOf(bShape), rng);
    const out = broadcastShapes(aShape, bShape);
    const pick = (shape: Shape, data: Float64Array, idx: number[]): number =>
      data[offsetOf(shape, idx.slice(idx.length - shape.length).map((i, d) => (shape[d] === 1 ? 0 : i)))]!;
    const sub = js.binary('sub', a, aShape, b, bShape, out);
    const mx = js.binary('max', a, aShape, b, bShape, out);
    const expectSumA = new Array<number>(a.length).fill(0);
    const full = randomData(sizeOf(out), rng);
    forEachIndex(out, (idx, flat) => {
      assert.is(sub[flat], pick(aShape, a, idx) - pick(bShape, b, idx));
      assert.is(mx[flat], Math.max(pick(aShape, a, idx), pick(bShape, b, idx)));
      const at = offsetOf(aShape, idx.slice(idx.length - aShape.length).map((i, d) => (aShape[d] === 1 ? 0 : i)));
      expectSumA[at]! += full[flat]!;
    });
    assertAllClose(js.sumToShape(full, out, aShape), expectSumA, 1e-12, 1e-12, 'sumToShape');
  }), { seed: 42, numRuns: 80 });
});

test('unary, clamp and where', () => {
  const x = Float64Array.from([-2, -0, 0.5, 4]);
  assert.equal(Array.from(js.unary('relu', x)), [0, 0, 0.5, 4]);
  assert.equal(Array.from(js.unary('sign', x)), [-1, 0, 1, 1]);
  assert.equal(Array.from(js.unary('step', x)), [0, 0, 1, 1]);
  assert.equal(Array.from(js.unary('abs', x)), [2, 0, 0.5, 4]);
  assert.equal(Array.from(js.unary('square', x)), [4, 0, 0.25, 16]);
  assert.equal(Array.from(js.unary('reciprocal', x)), [-0.5, -Infinity, 2, 0.25]);
  assert.equal(Array.from(js.unary('sqrt', Float64Array.from([4, 9]))), [2, 3]);
  assert.equal(Array.from(js.clamp(x, -1, Infinity)), [-1, -0, 0.5, 4]);
  assert.equal(Array.from(js.clamp(x, -Infinity, 1)), [-2, -0, 0.5, 1]);
  assert.equal(Array.from(js.where(Float64Array.from([1, 0, 2, 0]), x, Float64Array.from([9, 9, 9, 9]))), [-2, 9, 0.5, 9]);
  assert.ok(js.unary('exp', Float32Array.from([1])) instanceof Float32Array);
});


test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  abs, add, backward, clamp, compare, div, exp, expand, expandRaw, log, maskedFill, maximum, minimum, mul, neg, relu,
  sign, sqrt, square, sub, sum, sumTo, where,
} from '../../src/autograd/index.js';
import type { Backend } from '../../src/tensor/backend.js';
import { jsBackend } from '../../src/tensor/backends/js/index.js';
import { createWasmBackend } from '../../src/tensor/backends/wasm/index.js';
import { withBackend } from '../../src/tensor/registry.js';
import { Rng } from '../../src/tensor/random.js';
import { sizeOf } from '../../src/tensor/shape.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { distinct64, gradcheck, randn64, uniform64 } from '../helpers/gradcheck.js';
import { broadcastPairArb, shapeArb } from '../helpers/shapes.js';

type Binary = (a: Tensor, b: Tensor) => Tensor;

/** Two float64 tensors whose values are pairwise distinct (no ties for max/min). */
function distinctPair(aShape: number[], bShape: number[], seed: number): [Tensor, Tensor] {
  const pool = distinct64([sizeOf(aShape) + sizeOf(bShape)], new Rng(seed));
  const a = new Tensor(pool.data.slice(0, sizeOf(aShape)), aShape);
  const b = new Tensor(pool.data.slice(sizeOf(aShape)), bShape);
  return [a, b];
}

/** Values with |v| in [0.5, 2] and a random sign: safe divisors. */
function awayFromZero(shape: number[], rng: Rng): Tensor {
  const t = uniform64(shape, rng, 0.5, 2);
  for (let i = 0; i < t.size; i++) if (rng.next() < 0.5) t.data[i] = -t.data[i]!;
  return t;
}

const binaries: [string, Binary][] = [
  ['add', add], ['sub', sub], ['mul', mul], ['div', div], ['maximum', maximum], ['minimum', minimum],
];

for (const [name, op] of binaries) {
  test(`${name}: gradient over broadcasting shape pairs (fast-check)`, () => {
    fc.assert(fc.property(broadcastPairArb(), fc.integer({ min: 0, max: 1e6 }), ([aShape, bShape], seed) => {
      const [a, b0] = distinctPair(aShape, bShape, seed);
      const b = name === 'div' ? awayFromZero(bShape, new Rng(seed + 1)) : b0;
      gradcheck(op, [a, b], { name });
    }), { seed: 42, numRuns: 25 });
  });
}

test('binary ops: [3,1] with [1,4], scalar tensor with tensor, plain numbers on either side', () => {
  const rng = new Rng(1);
  for (const [name, op] of binaries) {
    const [a, b] = distinctPair([3, 1], [1, 4], 11);
    gradcheck(op, [a, b], { name: `${name} [3,1]x[1,4]` });
    const [s, t] = distinctPair([], [2, 3], 12);
    gradcheck(op, [s, t], { name: `${name} []x[2,3]` });
    gradcheck(op, [t, s], { name: `${name} [2,3]x[]` });
    gradcheck((x) => op(x, Tensor.scalar(0.37, 'float64')), [t], { name: `${name} x, 0.37` });
  }
  const x = awayFromZero([2, 2], rng);
  gradcheck((v) => add(2, v), [x]);
  gradcheck((v) => sub(2, v), [x]);
  gradcheck((v) => mul(v, -3), [x]);
  gradcheck((v) => div(1.5, v), [x]);
  gradcheck((v) => div(v, 4), [x]);
  gradcheck((v) => maximum(v, 0.05), [x]);
  gradcheck((v) => minimum(0.05, v), [x]);
});

test('binary ops: forward values and output shape under broadcasting', () => {
  const a = Tensor.from([[1], [2], [3]]);
  const b = Tensor.from([[10, 20, 30, 40]]);
  const s = add(a, b);
  assert.equal(s.shape, [3, 4]);
  assert.equal(s.toArray(), [[11, 21, 31, 41], [12, 22, 32, 42], [13, 23, 33, 43]]);
  assert.equal(maximum(Tensor.from([1, 5, -2]), 2).toArray(), [2, 5, 2]);
  assert.equal(minimum(Tensor.from([1, 5, -2]), 2).toArray(), [1, 2, -2]);
  assert.equal(div(Tensor.from([1, 2]), Tensor.from([4])).toArray(), [0.25, 0.5]);
});

test('maximum / minimum send the gradient of a tie to the first operand', () => {
  const a = Tensor.from([1, 2, 3], undefined, 'float64').requireGrad();
  const b = Tensor.from([1, 0, 5], undefined, 'float64').requireGrad();
  backward(sum(maximum(a, b)));
  assert.equal(Array.from(a.grad!.data), [1, 1, 0]);
  assert.equal(Array.from(b.grad!.data), [0, 0, 1]);
  const c = Tensor.from([1, 2, 3], undefined, 'float64').requireGrad();
  const d = Tensor.from([1, 0, 5], undefined, 'float64').requireGrad();
  backward(sum(minimum(c, d)));
  assert.equal(Array.from(c.grad!.data), [1, 0, 1]);
  assert.equal(Array.from(d.grad!.data), [0, 1, 0]);
});

const unaries: [string, (x: Tensor) => Tensor, (shape: number[], rng: Rng) => Tensor][] = [
  ['neg', neg, (s, r) => randn64(s, r)],
  ['abs', abs, (s, r) => distinct64(s, r)],
  ['relu', relu, (s, r) => distinct64(s, r)],
  ['exp', exp, (s, r) => randn64(s, r)],
  ['log', log, (s, r) => uniform64(s, r, 0.3, 3)],
  ['sqrt', sqrt, (s, r) => uniform64(s, r, 0.3, 3)],
  ['square', square, (s, r) => randn64(s, r)],
];

for (const [name, op, sample] of unaries) {
  test(`${name}: gradient over shapes of rank 0-4 (fast-check)`, () => {
    fc.assert(fc.property(shapeArb(0, 4), fc.integer({ min: 0, max: 1e6 }), (shape, seed) => {
      gradcheck(op, [sample(shape, new Rng(seed))], { name });
    }), { seed: 42, numRuns: 15 });
  });
}

test('unary ops: gradients at the kink are 0 (abs, relu), as PyTorch', () => {
  const x = Tensor.from([-1, 0, 2], undefined, 'float64').requireGrad();
  backward(add(sum(abs(x)), sum(relu(x))));
  assert.equal(Array.from(x.grad!.data), [-1, 0, 2]);
});

test('clamp: two-sided, lower only, upper only and unbounded', () => {
  const rng = new Rng(3);
  const bounds: [number | undefined, number | undefined][] = [[-0.17, 0.34], [-0.17, undefined], [undefined, 0.34], [-Infinity, 0.34], [undefined, undefined]];
  for (const [lo, hi] of bounds) {
    const x = distinct64([4, 5], rng);
    gradcheck((v) => clamp(v, lo, hi), [x], { name: `clamp(${lo}, ${hi})` });
  }
  assert.equal(clamp(Tensor.from([-2, 0.5, 3]), 0).toArray(), [0, 0.5, 3]);
  assert.equal(clamp(Tensor.from([-2, 0.5, 3]), undefined, 1).toArray(), [-2, 0.5, 1]);
  const y = Tensor.from([0, 0.5, 1, 2], undefined, 'float64').requireGrad();
  backward(sum(clamp(y, 0, 1)));
  assert.equal(Array.from(y.grad!.data), [1, 1, 1, 0], 'gradient 1 on the closed interval, as PyTorch');
});

test('where and maskedFill: gradient only through the chosen branch, with broadcasting', () => {
  const cond = Tensor.from([[1], [0], [1]], undefined, 'float64');
  const rng = new Rng(4);
  gradcheck((a, b) => where(cond, a, b), [randn64([1, 4], rng), randn64([], rng)]);
  gradcheck((a, b) => where(cond, a, b), [randn64([3, 4], rng), randn64([3, 1], rng)]);
  gradcheck((a) => where(cond, a, 2), [randn64([2, 3, 4], rng)]);
  const mask = Tensor.from([[0, 1, 0], [1, 0, 0]], undefined, 'float64');
  gradcheck((x) => maskedFill(x, mask, -5), [randn64([2, 3], rng)]);
  assert.equal(maskedFill(Tensor.from([[1, 2, 3], [4, 5, 6]]), mask, -5).toArray(), [[1, -5, 3], [-5, 5, 6]]);
});

test('expand and sumTo: gradients are each other (fast-check)', () => {
  fc.assert(fc.property(broadcastPairArb(), fc.integer({ min: 0, max: 1e6 }), ([small, other], seed) => {
    const full = [...new Array(Math.max(small.length, other.length))].map((_, i, arr) => {
      const a = small[small.length - arr.length + i] ?? 1;
      const b = other[other.length - arr.length + i] ?? 1;
      return Math.max(a, b);
    });
    const rng = new Rng(seed);
    gradcheck((x) => expand(x, full), [randn64(small, rng)]);
    gradcheck((g) => sumTo(g, small), [randn64(full, rng)]);
  }), { seed: 42, numRuns: 20 });
});

test('expandRaw materialises the broadcast and records nothing', () => {
  const x = Tensor.from([[1], [2]], undefined, 'float64').requireGrad();
  const e = expandRaw(x, [3, 2, 2]);
  assert.equal(e.toArray(), [[[1, 1], [2, 2]], [[1, 1], [2, 2]], [[1, 1], [2, 2]]]);
  assert.is(e.gradFn, null);
  assert.is(expandRaw(x, [2, 1]), x, 'no copy when nothing broadcasts');
});

test('compare and sign give 0/1 and -1/0/1 and record nothing', () => {
  const x = Tensor.from([-1, 0, 2], undefined, 'float64').requireGrad();
  const c = compare('gt', x, 0);
  assert.equal(Array.from(c.data), [0, 0, 1]);
  assert.is(c.requiresGrad, false);
  assert.equal(Array.from(compare('le', x, Tensor.from([0, 0, 0], undefined, 'float64')).data), [1, 1, 0]);
  assert.equal(Array.from(compare('eq', x, 0).data), [0, 1, 0]);
  const s = sign(x);
  assert.equal(Array.from(s.data), [-1, 0, 1]);
  assert.is(s.gradFn, null);
});

test('float32 stays float32 and float64 promotes', () => {
  const f32 = Tensor.from([1, 2]);
  const f64 = Tensor.from([1, 2], undefined, 'float64');
  assert.is(add(f32, 1).dtype, 'float32');
  assert.is(add(f32, f64).dtype, 'float64');
  assert.is(exp(f64).dtype, 'float64');
});

test('shape errors name both shapes', () => {
  assert.throws(() => add(Tensor.zeros([2, 3]), Tensor.zeros([4])), /\[2, 3\] and \[4\] do not broadcast/);
  assert.throws(() => mul(Tensor.zeros([2, 1, 3]), Tensor.zeros([5, 2])), /do not broadcast \(dimension 2: 3 vs 2\)/);
  assert.throws(() => expand(Tensor.zeros([2]), [3]), /\[2\] and \[3\] do not broadcast/);
  assert.throws(() => expand(Tensor.zeros([2, 3]), [3]), /cannot expand shape \[2, 3\] to \[3\]/);
  assert.throws(() => sumTo(Tensor.zeros([2, 3]), [4]), /\[4\] and \[2, 3\] do not broadcast/);
  assert.throws(() => sumTo(Tensor.zeros([3]), [2, 3]), /sumTo: target shape \[2, 3\] does not broadcast to \[3\]/);
  assert.throws(() => where(Tensor.zeros([2]), Tensor.zeros([3]), 0), /do not broadcast/);
});

test.run();

test('mul: the gradient of a broadcast factor is the same with and without the backend\'s fused productSumToShape', () => {
  const rng = new Rng(12);
  const [w0, c0, d0] = [[3, 1, 5], [3, 4, 5], [3, 4, 5]].map((shape) => Tensor.randn(shape, rng, 0, 1, 'float32'));
  const grads = (backend: Backend): number[][] => withBackend(backend, () => {
    const w = w0!.clone().requireGrad(), d = d0!.clone().requireGrad();
    backward(sum(mul(mul(w, c0!), d)));
    return [Array.from(w.grad!.data), Array.from(d.grad!.data)];
  });
  for (const backend of [jsBackend, createWasmBackend({ threads: 1, minElements: 0, minWork: 0 })]) {
    assert.ok(backend.productSumToShape, `${backend.name} has the fused kernel`);
    assert.equal(grads({ ...backend, productSumToShape: undefined }), grads(backend), backend.name);
  }
});

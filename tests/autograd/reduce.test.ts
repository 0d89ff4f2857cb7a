import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  abs, argmax, backward, logsumexp, max, mean, median, medianAbs, medianWithIndex, min, mul, norm2, sum,
} from '../../src/autograd/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertAllClose, distinct64, gradcheck, randn64 } from '../helpers/gradcheck.js';
import { shapeAndAxisArb, shapeArb } from '../helpers/shapes.js';

type AxisReduce = (x: Tensor, axis: number, keepDim?: boolean) => Tensor;
const seedArb = fc.integer({ min: 0, max: 1e6 });

function dropped(shape: readonly number[], axis: number, keepDim: boolean): number[] {
  const a = axis < 0 ? axis + shape.length : axis;
  return keepDim ? shape.map((d, i) => (i === a ? 1 : d)) : shape.filter((_, i) => i !== a);
}

const axisReductions: [string, AxisReduce, boolean][] = [
  ['sum', sum, false], ['mean', mean, false], ['max', max, true], ['min', min, true],
  ['logsumexp', logsumexp, false], ['median', median, true], ['norm2', norm2, false],
];

for (const [name, op, needsDistinct] of axisReductions) {
  test(`${name}: gradient along every axis, negative axes, keepDim both ways (fast-check)`, () => {
    fc.assert(fc.property(shapeAndAxisArb(4), fc.boolean(), seedArb, ({ shape, axis }, keepDim, seed) => {
      const rng = new Rng(seed);
      const x = needsDistinct ? distinct64(shape, rng) : randn64(shape, rng);
      const report = gradcheck((v) => op(v, axis, keepDim), [x], { name: `${name}(axis ${axis}, keepDim ${keepDim})` });
      assert.ok(report.checked === x.size);
      assert.equal(op(x, axis, keepDim).shape, dropped(shape, axis, keepDim));
    }), { seed: 42, numRuns: 20 });
  });
}

test('sum / mean over all elements, keepDim both ways, scalars', () => {
  fc.assert(fc.property(shapeArb(0, 4), fc.boolean(), seedArb, (shape, keepDim, seed) => {
    const x = randn64(shape, new Rng(seed));
    gradcheck((v) => sum(v, undefined, keepDim), [x], { name: 'sum(all)' });
    gradcheck((v) => mean(v, undefined, keepDim), [x], { name: 'mean(all)' });
    assert.equal(sum(x, undefined, keepDim).shape, keepDim ? shape.map(() => 1) : []);
  }), { seed: 42, numRuns: 15 });
  const x = Tensor.from([[1, 2, 3], [4, 5, 6]]);
  assert.is(sum(x).item(), 21);
  assert.is(mean(x).item(), 3.5);
  assert.equal(mean(x, -1).toArray(), [2, 5]);
  assert.equal(sum(x, 0, true).toArray(), [[5, 7, 9]]);
});

test('max / min: values, first-occurrence positions, and the gradient of a tie goes to the first', () => {
  const x = Tensor.from([[1, 7, 7], [3, -2, 3]], undefined, 'float64').requireGrad();
  assert.equal(max(x, 1).toArray(), [7, 3]);
  assert.equal(min(x, -1).toArray(), [1, -2]);
  assert.equal(Array.from(argmax(x, 1)), [1, 0]);
  assert.equal(Array.from(argmax(x, -2)), [1, 0, 0]);
  backward(sum(max(x, 1)));
  assert.equal(Array.from(x.grad!.data), [0, 1, 0, 1, 0, 0]);
});

test('logsumexp: stable at large magnitudes, correct with -Infinity entries', () => {
  const big = Tensor.from([[1000, 1000], [-1000, -1001]], undefined, 'float64');
  const out = logsumexp(big, 1);
  assert.ok(Math.abs(out.data[0]! - (1000 + Math.log(2))) < 1e-9, `${out.data[0]}`);
  assert.ok(Math.abs(out.data[1]! - (-1000 + Math.log(1 + Math.exp(-1)))) < 1e-9, `${out.data[1]}`);
  const rng = new Rng(5);
  const large = randn64([3, 4], rng, 30);
  for (let i = 0; i < large.size; i++) large.data[i]! += 700;
  gradcheck((v) => logsumexp(v, -1), [large], { name: 'logsumexp near 700' });
  gradcheck((v) => logsumexp(v, 0, true), [randn64([3, 4], rng, 200)], { name: 'logsumexp spread 200' });
  const withInf = Tensor.from([[-Infinity, 0, Math.log(3)], [-Infinity, -Infinity, -Infinity]], undefined, 'float64').requireGrad();
  const l = logsumexp(withInf, 1);
  assert.ok(Math.abs(l.data[0]! - Math.log(4)) < 1e-12);
  assert.is(l.data[1], -Infinity);
  backward(sum(logsumexp(withInf, 1, true)), undefined);
  const g = Array.from(withInf.grad!.data.slice(0, 3));
  assert.ok(Math.abs(g[0]!) < 1e-15 && Math.abs(g[1]! - 0.25) < 1e-12 && Math.abs(g[2]! - 0.75) < 1e-12, `${g}`);
});

test('median: lower median of even lengths, the gradient goes to the median element only', () => {
  const x = Tensor.from([[4, 1, 3, 2], [9, 8, 7, 6]], undefined, 'float64').requireGrad();
  const { values, indices } = medianWithIndex(x, 1);
  assert.equal(values.toArray(), [2, 7]);
  assert.equal(Array.from(indices), [3, 2]);
  backward(sum(values));
  assert.equal(Array.from(x.grad!.data), [0, 0, 0, 1, 0, 0, 1, 0]);
  const odd = Tensor.from([[5, 1, 3]], undefined, 'float64');
  assert.equal(median(odd, -1, true).toArray(), [[3]]);
  const ties = Tensor.from([2, 1, 2, 2, 3], undefined, 'float64').requireGrad();
  const m = medianWithIndex(ties, 0);
  assert.is(m.values.item(), 2);
  assert.is(ties.data[m.indices[0]!], 2);
  backward(m.values);
  assert.is(Array.from(ties.grad!.data).reduce((s, v) => s + v, 0), 1, 'one tied element receives the whole gradient');
  assert.is(ties.grad!.data[m.indices[0]!], 1);
});

/** Float64 values whose magnitudes are distinct (at least 0.1 apart) and at least 0.13 from 0, signs random. */
function distinctMagnitudes64(shape: number[], rng: Rng): Tensor {
  const t = Tensor.zeros(shape, 'float64');
  const order = rng.permutation(t.size);
  for (let i = 0; i < t.size; i++) t.data[i] = (rng.next() < 0.5 ? -1 : 1) * (order[i]! + 1 + rng.uniform(-0.2, 0.2)) * 0.17;
  return t;
}

test('medianAbs: gradient g·sign(x) at the median of |x|, every axis, keepDim both ways (fast-check)', () => {
  fc.assert(fc.property(shapeAndAxisArb(4), fc.boolean(), seedArb, ({ shape, axis }, keepDim, seed) => {
    const x = distinctMagnitudes64(shape, new Rng(seed));
    const report = gradcheck((v) => medianAbs(v, axis, keepDim), [x], { name: `medianAbs(axis ${axis}, keepDim ${keepDim})` });
    assert.ok(report.checked === x.size);
    assert.equal(medianAbs(x, axis, keepDim).shape, dropped(shape, axis, keepDim));
  }), { seed: 42, numRuns: 20 });
});

test('medianAbs equals median(abs(x)) in values and gradient, ties, ±0 and float32 included (fast-check)', () => {
  fc.assert(fc.property(shapeAndAxisArb(3), fc.boolean(), seedArb, ({ shape, axis }, float32, seed) => {
    const rng = new Rng(seed);
    const data = Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => [0, -0, 1, -1, 2, -2.5, rng.uniform(-3, 3)][rng.int(7)]!);
    const dtype = float32 ? 'float32' : 'float64';
    const x1 = new Tensor(Tensor.from(data, undefined, dtype).data, shape).requireGrad();
    const x2 = new Tensor(x1.data.slice(), shape).requireGrad();
    const fused = medianAbs(x1, axis, true), composed = median(abs(x2), axis, true);
    assert.equal(Array.from(fused.data), Array.from(composed.data));
    assert.is(fused.dtype, dtype);
    const weights = Tensor.randn(fused.shape, rng, 0, 1, dtype);
    backward(sum(mul(fused, weights)));
    backward(sum(mul(composed, weights)));
    assert.equal(Array.from(x1.grad!.data), Array.from(x2.grad!.data));
  }), { seed: 42, numRuns: 40 });
  const x = Tensor.from([[-4, 1, 0, -2], [3, -0.5, 0, 0]], undefined, 'float64').requireGrad();
  const m = medianAbs(x, 1);
  assert.equal(m.toArray(), [1, 0]);
  backward(sum(m));
  assert.equal(Array.from(x.grad!.data), [0, 1, 0, 0, 0, 0, 0, 0], 'sign(x) at the median, 0 at a zero median');
});

test('norm2: value and gradient x / |x|', () => {
  const x = Tensor.from([[3, 4], [6, 8]], undefined, 'float64').requireGrad();
  assert.equal(norm2(x, 1).toArray(), [5, 10]);
  backward(sum(norm2(x, -1)));
  assertAllClose(x.grad!.data, [0.6, 0.8, 0.6, 0.8]);
});

test('norm2: an all-zero slice gets gradient 0 (PyTorch convention), not NaN', () => {
  const x = Tensor.from([[0, 0], [3, 4]], undefined, 'float64').requireGrad();
  backward(sum(norm2(x, 1, true)));
  assertAllClose(x.grad!.data, [0, 0, 0.6, 0.8]);
});

test('reduction errors name the axis and rank', () => {
  const x = Tensor.zeros([2, 3]);
  assert.throws(() => sum(x, 2), /axis 2 is out of range for a tensor of rank 2/);
  assert.throws(() => mean(x, -3), /axis -3 is out of range/);
  assert.throws(() => max(x, 5), /out of range/);
  assert.throws(() => median(Tensor.scalar(1), 0), /out of range for a tensor of rank 0/);
  assert.throws(() => logsumexp(x, 1.5), /axis 1.5 is out of range/);
});

test.run();

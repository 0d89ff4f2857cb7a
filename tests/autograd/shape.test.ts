import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  backward, cat, flatten, mul, permute, reshape, slice, squeeze, sum, transpose, unsqueeze, view,
} from '../../src/autograd/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { gradcheck, randn64 } from '../helpers/gradcheck.js';
import { shapeAndAxisArb, shapeArb } from '../helpers/shapes.js';

const seedArb = fc.integer({ min: 0, max: 1e6 });

test('reshape / view / flatten / unsqueeze / squeeze: gradients, including -1 and negative axes', () => {
  const rng = new Rng(1);
  const x = randn64([2, 3, 4], rng);
  gradcheck((v) => reshape(v, [4, 6]), [x]);
  gradcheck((v) => reshape(v, [-1, 2]), [x]);
  gradcheck((v) => view(v, [24]), [x]);
  gradcheck((v) => flatten(v), [x]);
  gradcheck((v) => flatten(v, 0, -2), [x]);
  gradcheck((v) => unsqueeze(v, -1), [x]);
  gradcheck((v) => unsqueeze(v, 0), [x]);
  gradcheck((v) => squeeze(v, -2), [randn64([3, 1, 2], rng)]);
  assert.equal(reshape(x, [-1, 2]).shape, [12, 2]);
  assert.equal(flatten(x, 0, -2).shape, [6, 4]);
  assert.equal(unsqueeze(x, -1).shape, [2, 3, 4, 1]);
  assert.equal(unsqueeze(x, 1).shape, [2, 1, 3, 4]);
  assert.equal(squeeze(Tensor.zeros([3, 1, 2]), 1).shape, [3, 2]);
});

test('reshape shares storage and a tensor used through two views accumulates both gradients', () => {
  const x = Tensor.from([1, 2, 3, 4], undefined, 'float64').requireGrad();
  const v = reshape(x, [2, 2]);
  assert.is(v.data, x.data);
  gradcheck((a) => mul(reshape(a, [2, 2]), transpose(reshape(a, [2, 2]))), [x]);
});

test('permute: gradient for every permutation of a rank-3 and rank-4 tensor (fast-check)', () => {
  const permArb = (rank: number): fc.Arbitrary<number[]> =>
    fc.shuffledSubarray([...Array(rank).keys()], { minLength: rank, maxLength: rank });
  fc.assert(fc.property(shapeArb(3, 4, 3).chain((shape) => fc.tuple(fc.constant(shape), permArb(shape.length))), seedArb, ([shape, perm], seed) => {
    const x = randn64(shape, new Rng(seed));
    gradcheck((v) => permute(v, perm), [x], { name: `permute [${perm}]` });
    const p = permute(x, perm);
    assert.equal(p.shape, perm.map((i) => shape[i]));
  }), { seed: 42, numRuns: 20 });
});

test('permute accepts permutations of more than 10 axes', () => {
  const shape = [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3];
  const x = Tensor.from([1, 2, 3, 4, 5, 6], shape);
  const perm = [10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0];
  const p = permute(x, perm);
  assert.equal(p.shape, [3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
  assert.equal(Array.from(p.data), [1, 4, 2, 5, 3, 6]);
});

test('transpose: default last two axes, explicit and negative axes', () => {
  const rng = new Rng(2);
  const x = randn64([2, 3, 4], rng);
  assert.equal(transpose(x).shape, [2, 4, 3]);
  assert.equal(transpose(x, 0, -1).shape, [4, 3, 2]);
  gradcheck((v) => transpose(v), [x]);
  gradcheck((v) => transpose(v, -3, 1), [x]);
  assert.equal(transpose(Tensor.from([[1, 2, 3], [4, 5, 6]])).toArray(), [[1, 4], [2, 5], [3, 6]]);
});

test('cat: gradient along every axis (given in either sign), two and three parts (fast-check)', () => {
  fc.assert(fc.property(shapeAndAxisArb(3), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }), seedArb, ({ shape, axis }, sizes, seed) => {
    const rng = new Rng(seed);
    const a = ((axis % shape.length) + shape.length) % shape.length;
    const parts = sizes.map((n) => randn64(shape.map((d, i) => (i === a ? n : d)), rng));
    gradcheck((...ps) => cat(ps, axis), parts, { name: `cat axis ${axis}` });
    const out = cat(parts, axis);
    assert.is(out.shape[a], sizes.reduce((s, n) => s + n, 0));
  }), { seed: 42, numRuns: 20 });
  assert.equal(cat([Tensor.from([[1, 2]]), Tensor.from([[3]])], 1).toArray(), [[1, 2, 3]]);
});

test('slice: gradient for every window of every axis (fast-check)', () => {
  fc.assert(fc.property(shapeAndAxisArb(3, 4), seedArb, ({ shape, axis }, seed) => {
    const rng = new Rng(seed);
    const a = ((axis % shape.length) + shape.length) % shape.length;
    const start = rng.int(shape[a]! + 1);
    const end = start + rng.int(shape[a]! - start + 1);
    gradcheck((v) => slice(v, axis, start, end), [randn64(shape, rng)], { name: `slice ${axis} [${start}, ${end})` });
  }), { seed: 42, numRuns: 25 });
  assert.equal(slice(Tensor.from([[1, 2, 3], [4, 5, 6]]), -1, 1, 3).toArray(), [[2, 3], [5, 6]]);
});

test('slice and cat of the same tensor accumulate into one gradient', () => {
  const x = Tensor.from([1, 2, 3, 4], undefined, 'float64').requireGrad();
  backward(sum(mul(cat([slice(x, 0, 0, 2), slice(x, 0, 1, 4)], 0), Tensor.from([1, 10, 100, 1000, 10000], undefined, 'float64'))));
  assert.equal(Array.from(x.grad!.data), [1, 110, 1000, 10000]);
});

test('shape errors name the problem', () => {
  const x = Tensor.zeros([2, 3]);
  assert.throws(() => reshape(x, [4, 2]), /reshape: cannot view \[2, 3\] \(6 elements\) as \[4, 2\]/);
  assert.throws(() => reshape(x, [-1, -1]), /at most one -1/);
  assert.throws(() => reshape(x, [-1, 4]), /cannot view/);
  assert.throws(() => squeeze(x, 0), /squeeze: dimension 0 of \[2, 3\] is not 1/);
  assert.throws(() => unsqueeze(x, 3), /axis 3 is out of range for a tensor of rank 3/);
  assert.throws(() => permute(x, [0, 0]), /not a permutation of the 2 axes of \[2, 3\]/);
  assert.throws(() => permute(x, [1]), /not a permutation/);
  assert.throws(() => transpose(x, 0, 2), /axis 2 is out of range/);
  assert.throws(() => cat([x, Tensor.zeros([3, 3])], 1), /cat: shapes \[2, 3\], \[3, 3\] differ outside axis 1/);
  assert.throws(() => cat([x, Tensor.zeros([2])], 0), /differ outside axis 0/);
  assert.throws(() => cat([]), /at least one tensor/);
  assert.throws(() => slice(x, 1, 2, 4), /slice: \[2, 4\) is out of range for axis 1 of size 3/);
  assert.throws(() => slice(x, 1, 2, 1), /out of range/);
  assert.throws(() => flatten(Tensor.zeros([2]), 1), /start 1 is out of range/);
});

test.run();

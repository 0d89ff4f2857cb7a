import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { gather, indexAdd, indexSelect, scatterAdd, scatterAlong } from '../../src/autograd/index.js';
import { Rng } from '../../src/tensor/random.js';
import { sizeOf } from '../../src/tensor/shape.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { gradcheck, randn64 } from '../helpers/gradcheck.js';
import { shapeAndAxisArb } from '../helpers/shapes.js';

const seedArb = fc.integer({ min: 0, max: 1e6 });

/** A random index tensor for gather along `axis` of `shape`, with `count` entries along it (repeats allowed). */
function randomIndex(shape: readonly number[], axis: number, count: number, rng: Rng): { data: Int32Array; shape: number[] } {
  const indexShape = shape.map((d, i) => (i === axis ? count : d));
  const data = new Int32Array(sizeOf(indexShape));
  for (let i = 0; i < data.length; i++) data[i] = rng.int(shape[axis]!);
  return { data, shape: indexShape };
}

function positive(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

test('gather and scatterAdd: gradients along every axis with repeated indices (fast-check)', () => {
  fc.assert(fc.property(shapeAndAxisArb(3, 3), fc.integer({ min: 1, max: 4 }), seedArb, ({ shape, axis }, count, seed) => {
    const rng = new Rng(seed);
    const index = randomIndex(shape, positive(axis, shape.length), count, rng);
    gradcheck((x) => gather(x, axis, index), [randn64(shape, rng)], { name: `gather axis ${axis}` });
    gradcheck((s) => scatterAdd(s, axis, index, shape), [randn64(index.shape, rng)], { name: `scatterAdd axis ${axis}` });
  }), { seed: 42, numRuns: 25 });
});

test('indexSelect and indexAdd: gradients along every axis with repeated and skipped indices (fast-check)', () => {
  fc.assert(fc.property(shapeAndAxisArb(3, 3), fc.integer({ min: 0, max: 4 }), seedArb, ({ shape, axis }, count, seed) => {
    const rng = new Rng(seed);
    const a = positive(axis, shape.length);
    const index = Int32Array.from({ length: count }, () => rng.int(shape[a]!));
    gradcheck((x) => indexSelect(x, axis, index), [randn64(shape, rng)], { name: `indexSelect axis ${axis}` });
    const srcShape = shape.map((d, i) => (i === a ? count : d));
    if (count > 0) gradcheck((s) => indexAdd(s, axis, index, shape), [randn64(srcShape, rng)], { name: `indexAdd axis ${axis}` });
  }), { seed: 42, numRuns: 25 });
});

test('scatterAlong (the max / median backward): gradient for every axis', () => {
  const rng = new Rng(9);
  for (const axis of [0, 1, -1]) {
    const shape = [3, 4];
    const a = positive(axis, 2);
    const gShape = shape.map((d, i) => (i === a ? 1 : d));
    const at = Int32Array.from({ length: shape[1 - a]! }, () => rng.int(shape[a]!));
    gradcheck((g) => scatterAlong(g, at, axis, shape), [randn64(gShape, rng)], { name: `scatterAlong axis ${axis}` });
  }
});

test('gather / scatterAdd / scatterAlong / indexSelect / indexAdd: forward values (PyTorch semantics)', () => {
  const x = Tensor.from([[1, 2, 3], [4, 5, 6]]);
  const idx = { data: Int32Array.from([2, 0, 1, 1]), shape: [2, 2] };
  assert.equal(gather(x, 1, idx).toArray(), [[3, 1], [5, 5]]);
  assert.equal(scatterAdd(Tensor.from([[1, 2], [3, 4]]), 1, idx, [2, 3]).toArray(), [[2, 0, 1], [0, 7, 0]]);
  assert.equal(scatterAlong(Tensor.from([[10], [20]]), Int32Array.from([2, 0]), 1, [2, 3]).toArray(), [[0, 0, 10], [20, 0, 0]]);
  assert.equal(indexSelect(x, 1, Int32Array.from([2, 2, 0])).toArray(), [[3, 3, 1], [6, 6, 4]]);
  assert.equal(indexAdd(Tensor.from([[1, 2], [3, 4]]), 0, Int32Array.from([1, 1]), [3, 2]).toArray(), [[0, 0], [4, 6], [0, 0]]);
});

test('index errors name the argument and the expected range or shape', () => {
  const x = Tensor.zeros([2, 3]);
  assert.throws(() => gather(x, 1, { data: new Int32Array(3), shape: [3, 1] }), /gather: index shape \[3, 1\] must match \[2, 3\] outside axis 1/);
  assert.throws(() => gather(x, 1, { data: Int32Array.from([0, 3]), shape: [2, 1] }), /gather: index 3 out of range \[0, 3\) on axis 1/);
  assert.throws(() => gather(x, 2, { data: new Int32Array(2), shape: [2, 1] }), /axis 2 is out of range/);
  assert.throws(() => scatterAdd(Tensor.zeros([2, 1]), 1, { data: Int32Array.from([0, -1]), shape: [2, 1] }, [2, 3]), /scatterAdd: index -1 out of range \[0, 3\)/);
  assert.throws(() => scatterAdd(Tensor.zeros([2, 2]), 1, { data: new Int32Array(2), shape: [2, 1] }, [2, 3]), /scatterAdd: src shape \[2, 2\] must equal index shape \[2, 1\]/);
  assert.throws(() => scatterAdd(Tensor.zeros([3, 1]), 1, { data: new Int32Array(3), shape: [3, 1] }, [2, 3]), /scatterAdd: index shape \[3, 1\] must match \[2, 3\] outside axis 1/);
  assert.throws(() => indexSelect(x, 0, Int32Array.from([2])), /indexSelect: index 2 out of range \[0, 2\) on axis 0/);
  assert.throws(() => indexAdd(Tensor.zeros([2, 1]), 1, Int32Array.from([3]), [2, 3]), /indexAdd: index 3 out of range \[0, 3\) on axis 1/);
  assert.throws(() => indexAdd(Tensor.zeros([2, 2]), 1, Int32Array.from([0]), [2, 3]), /indexAdd: src shape \[2, 2\] must be \[2, 1\]/);
});

test.run();

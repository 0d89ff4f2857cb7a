import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

test('from: nested arrays infer the shape, flat arrays take one; dtype is honoured', () => {
  const t = Tensor.from([[1, 2, 3], [4, 5, 6]]);
  assert.equal(t.shape, [2, 3]);
  assert.is(t.dtype, 'float32');
  assert.is(t.size, 6);
  assert.is(t.rank, 2);
  assert.equal(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
  const f = Tensor.from([1, 2, 3, 4], [2, 2], 'float64');
  assert.ok(f.data instanceof Float64Array);
  assert.equal(f.toArray(), [[1, 2], [3, 4]]);
  assert.equal(Tensor.from(5).shape, []);
  assert.equal(Tensor.from([]).shape, [0]);
  assert.equal(Tensor.from([[[1]], [[2]]]).shape, [2, 1, 1]);
});

test('constructors: scalar, zeros, full, ones, eye', () => {
  assert.is(Tensor.scalar(3.5, 'float64').item(), 3.5);
  assert.equal(Array.from(Tensor.zeros([2, 2]).data), [0, 0, 0, 0]);
  assert.equal(Array.from(Tensor.full([3], 7).data), [7, 7, 7]);
  assert.equal(Array.from(Tensor.ones([2]).data), [1, 1]);
  assert.equal(Tensor.eye(3).toArray(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assert.is(Tensor.eye(2, 'float64').dtype, 'float64');
});

test('seeded random constructors are reproducible and follow the requested dtype', () => {
  const a = Tensor.randn([100], new Rng(5), 2, 3, 'float64');
  const b = Tensor.randn([100], new Rng(5), 2, 3, 'float64');
  assert.equal(Array.from(a.data), Array.from(b.data));
  assert.is(a.dtype, 'float64');
  const u = Tensor.uniform([1000], new Rng(6), -1, 2);
  assert.ok(u.data.every((v) => v >= -1 && v <= 2));
  assert.is(Tensor.cauchy([3], new Rng(7)).size, 3);
});

test('at, item, toArray, clone, detach, to, requireGrad, toString', () => {
  const t = Tensor.from([[1, 2, 3], [4, 5, 6]]);
  assert.is(t.at(1, 2), 6);
  assert.is(t.at(0, 1), 2);
  const c = t.clone();
  c.data[0] = 100;
  assert.is(t.data[0], 1, 'clone copies');
  const d = t.detach();
  assert.is(d.data, t.data, 'detach shares storage');
  assert.is(d.requiresGrad, false);
  const g = t.to('float64');
  assert.ok(g.data instanceof Float64Array);
  assert.equal(g.toArray(), t.toArray());
  assert.is(t.requireGrad(), t);
  assert.is(t.requiresGrad, true);
  assert.is(t.toString(), 'Tensor([2, 3], float32)');
  assert.is(Tensor.scalar(2).toArray(), 2);
});

test('errors name the problem', () => {
  assert.throws(() => new Tensor(new Float32Array(5), [2, 3]), /data of length 5 does not fit shape \[2, 3\] \(6 elements\)/);
  assert.throws(() => new Tensor(new Float32Array(0), [-1]), /shape \[-1\] must hold non-negative integers/);
  assert.throws(() => Tensor.from([[1, 2], [3]]), /ragged nested array/);
  assert.throws(() => Tensor.from([1, 2, 3], [2, 2]), /does not fit shape \[2, 2\]/);
  assert.throws(() => Tensor.zeros([2]).item(), /item\(\) needs a one-element tensor, got shape \[2\]/);
  const t = Tensor.zeros([2, 3]);
  assert.throws(() => t.at(1), /at\(\) needs 2 indices, got 1/);
  assert.throws(() => t.at(0, 3), /index 3 out of range for dimension 1 of size 3/);
  assert.throws(() => t.at(-1, 0), /index -1 out of range for dimension 0/);
});

test.run();

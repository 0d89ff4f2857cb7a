/**
 * The js backend's data-movement kernels (permute, gather / scatterAdd, indexSelect / indexAdd,
 * concat, slice) against naive multi-index loops written here from the definitions.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { jsBackend as js } from '../../src/tensor/backends/js/index.js';
import { Rng } from '../../src/tensor/random.js';
import { sizeOf } from '../../src/tensor/shape.js';
import { assertAllClose } from '../helpers/gradcheck.js';
import { dot, forEachIndex, offsetOf, positive, randomData } from '../helpers/naive.js';
import { shapeAndAxisArb, shapeArb } from '../helpers/shapes.js';

const seedArb = fc.integer({ min: 0, max: 1e6 });

test('permute equals a multi-index transpose for every permutation (fast-check)', () => {
  fc.assert(fc.property(shapeArb(0, 4, 3).chain((shape) => fc.tuple(fc.constant(shape),
    fc.shuffledSubarray([...shape.keys()], { minLength: shape.length, maxLength: shape.length }))), seedArb, ([shape, perm], seed) => {
    const x = randomData(sizeOf(shape), new Rng(seed));
    const outShape = perm.map((p) => shape[p]!);
    const out = js.permute(x, shape, perm);
    forEachIndex(outShape, (idx, flat) => {
      const src = new Array<number>(shape.length);
      perm.forEach((p, d) => { src[p] = idx[d]!; });
      assert.is(out[flat], x[offsetOf(shape, src)]);
    });
  }), { seed: 42, numRuns: 60 });
});

test('gather / scatterAdd and indexSelect / indexAdd equal direct loops and are adjoint (fast-check)', () => {
  fc.assert(fc.property(shapeAndAxisArb(3, 3), fc.integer({ min: 1, max: 4 }), seedArb, ({ shape, axis }, count, seed) => {
    const rng = new Rng(seed);
    const a = positive(axis, shape.length);
    const x = randomData(sizeOf(shape), rng);
    const indexShape = shape.map((d, i) => (i === a ? count : d));
    const index = Int32Array.from({ length: sizeOf(indexShape) }, () => rng.int(shape[a]!));
    const src = randomData(index.length, rng);
    const gathered = js.gather(x, shape, a, index, indexShape);
    const scattered = js.scatterAdd(src, indexShape, a, index, shape);
    const expectScatter = new Array<number>(x.length).fill(0);
    forEachIndex(indexShape, (idx, flat) => {
      const target = [...idx];
      target[a] = index[flat]!;
      assert.is(gathered[flat], x[offsetOf(shape, target)]);
      expectScatter[offsetOf(shape, target)]! += src[flat]!;
    });
    assertAllClose(scattered, expectScatter, 1e-12, 1e-12, 'scatterAdd');
    const picks = Int32Array.from({ length: count }, () => rng.int(shape[a]!));
    const selected = js.indexSelect(x, shape, a, picks);
    const slab = randomData(selected.length, rng);
    const added = js.indexAdd(slab, indexShape, a, picks, shape);
    const expectAdd = new Array<number>(x.length).fill(0);
    forEachIndex(indexShape, (idx, flat) => {
      const target = [...idx];
      target[a] = picks[idx[a]!]!;
      assert.is(selected[flat], x[offsetOf(shape, target)]);
      expectAdd[offsetOf(shape, target)]! += slab[flat]!;
    });
    assertAllClose(added, expectAdd, 1e-12, 1e-12, 'indexAdd');
    assert.ok(Math.abs(dot(selected, slab) - dot(x, added)) < 1e-10, 'indexAdd is the adjoint of indexSelect');
  }), { seed: 42, numRuns: 60 });
});

test('concat and slice equal direct loops and invert each other (fast-check)', () => {
  fc.assert(fc.property(shapeAndAxisArb(3, 3), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }), seedArb, ({ shape, axis }, sizes, seed) => {
    const rng = new Rng(seed);
    const a = positive(axis, shape.length);
    const shapes = sizes.map((n) => shape.map((d, i) => (i === a ? n : d)));
    const parts = shapes.map((s) => randomData(sizeOf(s), rng));
    const outShape = shape.map((d, i) => (i === a ? sizes.reduce((s, n) => s + n, 0) : d));
    const joined = js.concat(parts, shapes, a);
    forEachIndex(outShape, (idx, flat) => {
      let k = idx[a]!;
      let part = 0;
      while (k >= sizes[part]!) { k -= sizes[part]!; part++; }
      const local = [...idx];
      local[a] = k;
      assert.is(joined[flat], parts[part]![offsetOf(shapes[part]!, local)]);
    });
    let start = 0;
    shapes.forEach((_, p) => {
      assert.equal(Array.from(js.slice(joined, outShape, a, start, start + sizes[p]!)), Array.from(parts[p]!));
      start += sizes[p]!;
    });
  }), { seed: 42, numRuns: 60 });
});

test('index kernels reject out-of-range indices, naming the kernel and range', () => {
  const x = new Float64Array(6);
  assert.throws(() => js.gather(x, [2, 3], 1, Int32Array.from([0, 3]), [2, 1]), /gather: index 3 out of range \[0, 3\) on axis 1/);
  assert.throws(() => js.scatterAdd(new Float64Array(2), [2, 1], 1, Int32Array.from([-1, 0]), [2, 3]), /scatterAdd: index -1 out of range/);
  assert.throws(() => js.indexSelect(x, [2, 3], 0, Int32Array.from([2])), /indexSelect: index 2 out of range \[0, 2\)/);
  assert.throws(() => js.indexAdd(new Float64Array(3), [1, 3], 0, Int32Array.from([-1]), [2, 3]), /indexAdd: index -1 out of range \[0, 2\)/);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  broadcastShapes, checkShape, normalizeAxis, shapeText, shapesEqual, sizeOf, splitAt, stridesOf,
} from '../../src/tensor/shape.js';
import { broadcastPairArb, shapeArb } from '../helpers/shapes.js';

test('sizeOf, stridesOf, shapeText, shapesEqual', () => {
  assert.is(sizeOf([]), 1);
  assert.is(sizeOf([2, 3, 4]), 24);
  assert.is(sizeOf([2, 0, 4]), 0);
  assert.equal(stridesOf([2, 3, 4]), [12, 4, 1]);
  assert.equal(stridesOf([]), []);
  assert.is(shapeText([2, 3]), '[2, 3]');
  assert.is(shapeText([]), '[]');
  assert.ok(shapesEqual([2, 3], [2, 3]));
  assert.not.ok(shapesEqual([2, 3], [3, 2]));
  assert.not.ok(shapesEqual([2], [2, 1]));
});

test('strides address every element once (fast-check)', () => {
  fc.assert(fc.property(shapeArb(0, 4, 4), (shape) => {
    const strides = stridesOf(shape);
    const seen = new Set<number>();
    const visit = (d: number, off: number): void => {
      if (d === shape.length) { seen.add(off); return; }
      for (let i = 0; i < shape[d]!; i++) visit(d + 1, off + i * strides[d]!);
    };
    visit(0, 0);
    assert.is(seen.size, sizeOf(shape));
    assert.ok([...seen].every((o) => o >= 0 && o < sizeOf(shape)));
  }), { seed: 42, numRuns: 50 });
});

test('broadcastShapes: NumPy rules, symmetric (fast-check)', () => {
  assert.equal(broadcastShapes([3, 1], [1, 4]), [3, 4]);
  assert.equal(broadcastShapes([], [2, 3]), [2, 3]);
  assert.equal(broadcastShapes([2, 1, 4], [3, 1]), [2, 3, 4]);
  fc.assert(fc.property(broadcastPairArb(4, 4), ([a, b]) => {
    const out = broadcastShapes(a, b);
    assert.equal(broadcastShapes(b, a), out);
    assert.ok(out.length === Math.max(a.length, b.length));
    for (const s of [a, b]) {
      s.forEach((d, i) => {
        const o = out[out.length - s.length + i]!;
        assert.ok(d === o || d === 1);
      });
    }
  }), { seed: 42, numRuns: 50 });
  assert.throws(() => broadcastShapes([2, 3], [4]), /shapes \[2, 3\] and \[4\] do not broadcast \(dimension 1: 3 vs 4\)/);
});

test('normalizeAxis: negative axes, range errors name the argument', () => {
  assert.is(normalizeAxis(-1, 3), 2);
  assert.is(normalizeAxis(-3, 3), 0);
  assert.is(normalizeAxis(2, 3), 2);
  assert.throws(() => normalizeAxis(3, 3), /axis 3 is out of range for a tensor of rank 3/);
  assert.throws(() => normalizeAxis(-4, 3), /axis -4 is out of range/);
  assert.throws(() => normalizeAxis(0.5, 3), /axis 0.5 is out of range/);
  assert.throws(() => normalizeAxis(0, 0, 'dim'), /dim 0 is out of range for a tensor of rank 0/);
});

test('checkShape and splitAt', () => {
  checkShape([0, 2]);
  assert.throws(() => checkShape([2, -1], 'size'), /size \[2, -1\] must hold non-negative integers/);
  assert.throws(() => checkShape([1.5]), /shape \[1.5\] must hold non-negative integers/);
  assert.equal(splitAt([2, 3, 4, 5], 1), { outer: 2, size: 3, inner: 20 });
  assert.equal(splitAt([7], 0), { outer: 1, size: 7, inner: 1 });
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { distance2d, toy2dPoints, type Toy2dDistance } from '../../src/data/toy2d.js';
import { Rng } from '../../src/tensor/random.js';

function minPairDistance(images: Float32Array, n: number, d: Toy2dDistance): number {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      best = Math.min(best, distance2d(images[2 * i], images[2 * i + 1], images[2 * j], images[2 * j + 1], d));
    }
  }
  return best;
}

test('default: 12 points in the unit square, pairwise l1 distance > 2r, binary labels', () => {
  const ds = toy2dPoints();
  assert.is(ds.n, 12);
  assert.equal(ds.shape, [2]);
  assert.is(ds.classes, 2);
  assert.is(ds.images.length, 24);
  assert.ok(ds.images.every((v) => v >= 0 && v <= 1));
  assert.ok(ds.labels.every((y) => y === 0 || y === 1));
  assert.ok(minPairDistance(ds.images, 12, 'l1') > 0.32);
});

test('deterministic for a seed, different across seeds', () => {
  const a = toy2dPoints(12, 0.16, new Rng(3));
  const b = toy2dPoints(12, 0.16, new Rng(3));
  assert.equal(Array.from(a.images), Array.from(b.images));
  assert.equal(Array.from(a.labels), Array.from(b.labels));
  assert.not.equal(Array.from(toy2dPoints(12, 0.16, new Rng(4)).images), Array.from(a.images));
});

test('linf separation option', () => {
  for (let seed = 0; seed < 20; seed++) {
    const ds = toy2dPoints(8, 0.1, new Rng(seed), { distance: 'linf' });
    assert.ok(minPairDistance(ds.images, 8, 'linf') > 0.2);
  }
});

test('labels are roughly balanced over many points', () => {
  const ds = toy2dPoints(400, 0.005, new Rng(1));
  const ones = ds.labels.reduce((s, y) => s + y, 0);
  assert.ok(ones > 150 && ones < 250, `ones ${ones}`);
});

test('impossible placements throw a clear error', () => {
  assert.throws(
    () => toy2dPoints(50, 0.3, new Rng(0), { maxTries: 2000 }),
    /placed only \d+ of 50 points .* after 2000 tries/,
  );
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { labelCounts, sampleSize, subset, take, type Dataset } from '../../src/data/dataset.js';

/** Five samples of shape [1, 1, 2]: sample i holds [i, 10 + i], label i % 3. */
function tiny(): Dataset {
  const images = new Float32Array(10);
  for (let i = 0; i < 5; i++) images.set([i, 10 + i], 2 * i);
  return { images, labels: Int32Array.from([0, 1, 2, 0, 1]), n: 5, shape: [1, 1, 2], classes: 3 };
}

test('sampleSize multiplies the shape', () => {
  assert.is(sampleSize([1, 28, 28]), 784);
  assert.is(sampleSize([561]), 561);
});

test('subset gathers samples in the given order, as a copy', () => {
  const ds = tiny();
  const s = subset(ds, [4, 0, 4]);
  assert.is(s.n, 3);
  assert.equal(Array.from(s.images), [4, 14, 0, 10, 4, 14]);
  assert.equal(Array.from(s.labels), [1, 0, 1]);
  assert.equal(s.shape, ds.shape);
  s.images[0] = -1;
  assert.is(ds.images[8], 4);
  assert.throws(() => subset(ds, [5]), /outside \[0, 5\)/);
});

test('take keeps the first samples and clamps the count', () => {
  const ds = tiny();
  assert.equal(Array.from(take(ds, 2).images), [0, 10, 1, 11]);
  assert.is(take(ds, 99).n, 5);
  assert.is(take(ds, 0).n, 0);
});

test('labelCounts counts every class', () => {
  assert.equal(labelCounts(tiny()), [2, 2, 1]);
});

test.run();

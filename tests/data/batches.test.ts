import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batchCount, batches } from '../../src/data/batches.js';
import type { Dataset } from '../../src/data/dataset.js';
import { Rng } from '../../src/tensor/random.js';

/** 23 samples of shape [3]: sample i holds [i, i + 0.25, i + 0.5], label i % 4. */
function tiny(n = 23): Dataset {
  const images = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) images.set([i, i + 0.25, i + 0.5], 3 * i);
  return { images, labels: Int32Array.from({ length: n }, (_, i) => i % 4), n, shape: [3], classes: 4 };
}

function allIndices(ds: Dataset, size: number, rng?: Rng, dropLast = false): number[][] {
  const opts = rng ? { shuffle: true as const, rng, dropLast } : { dropLast };
  return [...batches(ds, size, opts)].map((b) => Array.from(b.indices));
}

test('unshuffled batches go in order with a short last batch', () => {
  const got = [...batches(tiny(), 5)];
  assert.equal(got.map((b) => b.size), [5, 5, 5, 5, 3]);
  assert.equal(Array.from(got[4].indices), [20, 21, 22]);
  assert.is(batchCount(23, 5), got.length);
});

test('images and labels match the indices', () => {
  const ds = tiny();
  for (const b of batches(ds, 4, { shuffle: true, rng: new Rng(1) })) {
    assert.is(b.images.length, 3 * b.size);
    b.indices.forEach((i, k) => {
      assert.equal(Array.from(b.images.subarray(3 * k, 3 * k + 3)), [i, i + 0.25, i + 0.5]);
      assert.is(b.labels[k], i % 4);
    });
  }
});

test('a shuffled epoch covers every index exactly once', () => {
  for (const size of [1, 4, 7, 23, 50]) {
    const flat = allIndices(tiny(), size, new Rng(size)).flat();
    assert.equal(flat.slice().sort((a, b) => a - b), Array.from({ length: 23 }, (_, i) => i));
  }
});

test('shuffling is deterministic for a seed and changes between epochs', () => {
  const ds = tiny();
  assert.equal(allIndices(ds, 5, new Rng(3)), allIndices(ds, 5, new Rng(3)));
  assert.not.equal(allIndices(ds, 5, new Rng(3)), allIndices(ds, 5, new Rng(4)));
  const rng = new Rng(3);
  assert.not.equal(allIndices(ds, 5, rng), allIndices(ds, 5, rng));
});

test('dropLast drops the short batch only', () => {
  const got = allIndices(tiny(), 5, new Rng(2), true);
  assert.equal(got.map((b) => b.length), [5, 5, 5, 5]);
  assert.is(new Set(got.flat()).size, 20);
  assert.is(batchCount(23, 5, true), 4);
  assert.is(allIndices(tiny(20), 5, undefined, true).length, 4);
});

test('bad batch sizes throw', () => {
  assert.throws(() => [...batches(tiny(), 0)], /positive integer/);
  assert.throws(() => [...batches(tiny(), 2.5)], /positive integer/);
});

test.run();

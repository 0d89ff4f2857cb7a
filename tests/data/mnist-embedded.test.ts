import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { labelCounts, sampleSize } from '../../src/data/dataset.js';
import {
  EMBEDDED_MNIST_COUNTS,
  embeddedMnistSplit,
  loadEmbeddedMnist,
} from '../../src/data/mnist-embedded.js';

const ds = loadEmbeddedMnist();

test('10,000 digits of 1x28x28, in stored order grouped by digit', () => {
  assert.is(ds.n, 10000);
  assert.equal(ds.shape, [1, 28, 28]);
  assert.is(sampleSize(ds.shape), 784);
  assert.is(ds.images.length, 10000 * 784);
  assert.is(ds.classes, 10);
  for (let i = 1; i < ds.n; i++) assert.ok(ds.labels[i] >= ds.labels[i - 1]);
});

test('class counts are the package\'s (unbalanced, not 1,000 each)', () => {
  assert.equal(labelCounts(ds), [...EMBEDDED_MNIST_COUNTS]);
  assert.is(EMBEDDED_MNIST_COUNTS.reduce((a, b) => a + b, 0), 10000);
});

test('pixels lie in [0, 1] and reach both ends', () => {
  let lo = Infinity;
  let hi = -Infinity;
  let sum = 0;
  for (const v of ds.images) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    sum += v;
  }
  assert.is(lo, 0);
  assert.is(hi, 1);
  const mean = sum / ds.images.length;
  assert.ok(mean > 0.1 && mean < 0.16, `mean pixel ${mean}`); // MNIST's is about 0.13
});

test('each call returns an independent copy', () => {
  const again = loadEmbeddedMnist();
  again.images[0] = 42;
  assert.is.not(loadEmbeddedMnist().images[0], 42);
});

test('split: 8,000 train / 2,000 test, disjoint, last 20% of each digit is test', () => {
  const { train, test: testSet } = embeddedMnistSplit();
  assert.is(train.n, 8000);
  assert.is(testSet.n, 2000);
  const trainCounts = labelCounts(train);
  const testCounts = labelCounts(testSet);
  EMBEDDED_MNIST_COUNTS.forEach((c, d) => {
    assert.is(testCounts[d], Math.round(0.2 * c));
    assert.is(trainCounts[d] + testCounts[d], c);
  });
  const key = (img: Float32Array, i: number): string => img.subarray(i * 784, (i + 1) * 784).join(',');
  const trainKeys = new Set(Array.from({ length: train.n }, (_, i) => key(train.images, i)));
  assert.is(trainKeys.size, 8000);
  for (let i = 0; i < testSet.n; i++) assert.not.ok(trainKeys.has(key(testSet.images, i)));
  // the first test sample is digit 0's sample number 801 (0-based) in stored order
  assert.equal(key(testSet.images, 0), key(ds.images, EMBEDDED_MNIST_COUNTS[0] - testCounts[0]));
});

test.run();

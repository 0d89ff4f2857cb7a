/**
 * Mini-batches over a {@link Dataset}, in order or shuffled by a seeded {@link Rng}.
 *
 * @module
 */

import type { Rng } from '../tensor/random.js';
import { sampleSize, type Dataset } from './dataset.js';

/** One mini-batch: copies of the selected samples plus the indices they came from. */
export interface Batch {
  /** `size * prod(shape)` floats, row-major `[size, ...shape]`. */
  readonly images: Float32Array;
  /** `size` labels. */
  readonly labels: Int32Array;
  /** Index in the dataset of each sample of the batch. */
  readonly indices: Int32Array;
  /** Number of samples in this batch (the last one may be smaller unless `dropLast`). */
  readonly size: number;
}

/**
 * Options of {@link batches}. Shuffling needs an explicit generator, so an epoch's order
 * always comes from a seed.
 */
export type BatchOptions =
  | { readonly shuffle: true; readonly rng: Rng; readonly dropLast?: boolean }
  | { readonly shuffle?: false; readonly rng?: undefined; readonly dropLast?: boolean };

/**
 * Yields the batches of one epoch. Every index appears exactly once per epoch (except the
 * final partial batch, dropped when `dropLast`). With `shuffle`, the order is
 * `rng.permutation(ds.n)`, so it is deterministic for a seed and differs between epochs
 * drawn from the same generator.
 *
 * @param ds - the dataset.
 * @param batchSize - a positive integer.
 * @param options - `{ shuffle: true, rng }` to shuffle; `dropLast` to skip a short last batch.
 * @throws RangeError if `batchSize` is not a positive integer.
 */
export function* batches(
  ds: Dataset,
  batchSize: number,
  options: BatchOptions = {},
): Generator<Batch, void, undefined> {
  if (!Number.isInteger(batchSize) || batchSize <= 0) {
    throw new RangeError(`batches: batchSize must be a positive integer, got ${batchSize}`);
  }
  const order = options.shuffle ? options.rng.permutation(ds.n) : identity(ds.n);
  const end = options.dropLast ? ds.n - (ds.n % batchSize) : ds.n;
  for (let start = 0; start < end; start += batchSize) {
    yield gather(ds, order.subarray(start, Math.min(start + batchSize, end)));
  }
}

/** Number of batches {@link batches} yields per epoch. */
export function batchCount(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/** Copies the samples at `indices` into a {@link Batch}. */
function gather(ds: Dataset, indices: Int32Array): Batch {
  const size = sampleSize(ds.shape);
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    images.set(ds.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = ds.labels[i];
  }
  return { images, labels, indices: indices.slice(), size: indices.length };
}

function identity(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

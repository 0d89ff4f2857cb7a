/**
 * The in-memory dataset type shared by every loader, and helpers to slice it.
 *
 * @module
 */

/** Per-sample shape: `[C, H, W]` for images, `[D]` for tabular / point data. */
export type SampleShape = readonly [c: number, h: number, w: number] | readonly [d: number];

/**
 * A labelled dataset held in memory.
 *
 * `images` holds `n` samples back to back, each `prod(shape)` floats in row-major order, so
 * sample `i` is `images.subarray(i * size, (i + 1) * size)` with `size = sampleSize(shape)`.
 */
export interface Dataset {
  /** All samples, `n * prod(shape)` floats, row-major (`[n, C, H, W]` or `[n, D]`). */
  readonly images: Float32Array;
  /** Class index of each sample, in `[0, classes)`. */
  readonly labels: Int32Array;
  /** Number of samples. */
  readonly n: number;
  /** Shape of one sample. */
  readonly shape: SampleShape;
  /** Number of classes. */
  readonly classes: number;
}

/** Number of floats in one sample of the given shape. */
export function sampleSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * A new dataset made of the samples at `indices`, in that order (repeats allowed).
 * Copies the data.
 *
 * @throws RangeError if an index is not an integer in `[0, ds.n)`.
 */
export function subset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const size = sampleSize(ds.shape);
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= ds.n) {
      throw new RangeError(`subset: index ${i} at position ${k} is outside [0, ${ds.n})`);
    }
    images.set(ds.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = ds.labels[i];
  }
  return { images, labels, n: indices.length, shape: ds.shape, classes: ds.classes };
}

/** The first `min(count, ds.n)` samples, as a copy. */
export function take(ds: Dataset, count: number): Dataset {
  const m = Math.max(0, Math.min(Math.floor(count), ds.n));
  const size = sampleSize(ds.shape);
  return {
    images: ds.images.slice(0, m * size),
    labels: ds.labels.slice(0, m),
    n: m,
    shape: ds.shape,
    classes: ds.classes,
  };
}

/** Number of samples of each class: `counts[c]` for `c` in `[0, ds.classes)`. */
export function labelCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.classes).fill(0);
  for (let i = 0; i < ds.n; i++) counts[ds.labels[i]]++;
  return counts;
}

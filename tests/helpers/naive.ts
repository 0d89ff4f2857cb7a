/**
 * Tiny naive building blocks for checking kernels against their definitions: random data,
 * multi-index iteration and offsets.
 * @module
 */
import { Rng } from '../../src/tensor/random.js';
import { sizeOf, stridesOf, type Shape } from '../../src/tensor/shape.js';

/** Float64 standard normal samples. */
export function randomData(n: number, rng: Rng): Float64Array {
  const d = new Float64Array(n);
  rng.fillNormal(d, 0, 1);
  return d;
}

/** Calls fn for every multi-index of `shape` in row-major order, with its flat offset. */
export function forEachIndex(shape: Shape, fn: (idx: number[], flat: number) => void): void {
  const n = sizeOf(shape);
  const strides = stridesOf(shape);
  for (let flat = 0; flat < n; flat++) fn(strides.map((s, d) => Math.floor(flat / s) % shape[d]!), flat);
}

/** Flat row-major offset of a multi-index. */
export function offsetOf(shape: Shape, idx: readonly number[]): number {
  const strides = stridesOf(shape);
  return idx.reduce((o, i, d) => o + i * strides[d]!, 0);
}

/** Σ a[i]·b[i]. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** A possibly negative axis resolved against a rank. */
export function positive(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

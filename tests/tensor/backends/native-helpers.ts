/**
 * Dtype-generic parity helpers of the native backend tests: seeded data in float32 or float64,
 * special values, and the comparison against js (within the bound of a sum of `depth` products,
 * or bit for bit, or to `depth` ulps when no bound is given).
 */
import * as assert from 'uvu/assert';
import type { Rng } from '../../../src/tensor/random.js';

/** The two dtypes every native kernel runs. */
export type Dtype = 'float32' | 'float64';
export const dtypes: readonly Dtype[] = ['float32', 'float64'];

const unit = (dtype: Dtype): number => (dtype === 'float32' ? 2 ** -24 : 2 ** -53);
const make = (n: number, dtype: Dtype): Float32Array | Float64Array => (dtype === 'float32' ? new Float32Array(n) : new Float64Array(n));

/** `n` uniform samples in [−1, 1). */
export function randomArray(n: number, rng: Rng, dtype: Dtype): Float32Array | Float64Array {
  const out = make(n, dtype);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-1, 1);
  return out;
}

const specials = [0, -0, Infinity, -Infinity, NaN, 1, -1, 1e-30, 3e38];

/** Random values with about one in four a special one (±0, ±Infinity, NaN, ±1, tiny, huge). */
export function specialArray(n: number, rng: Rng, dtype: Dtype): Float32Array | Float64Array {
  const out = randomArray(n, rng, dtype);
  for (let i = 0; i < n; i++) if (rng.next() < 0.25) out[i] = specials[Math.floor(rng.next() * specials.length)]!;
  return out;
}

/**
 * `actual` equals `expected` in dtype and length, and each element is within 2·(depth + 2)·u·bound[i]
 * when a bound is given, else within `depth` ulps (0: the same bits; NaN matches NaN, −0 only −0).
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, bound: ArrayLike<number> | null, depth: number,
  dtype: Dtype, label: string): void {
  assert.ok(actual.constructor === expected.constructor, `${label}: dtype ${actual.constructor.name} vs js ${expected.constructor.name}`);
  assert.is(actual.length, expected.length, `${label}: length`);
  const u = unit(dtype);
  for (let i = 0; i < expected.length; i++) {
    const [x, y] = [actual[i]!, expected[i]!];
    if (Object.is(x, y)) continue;
    const tol = bound ? 2 * (depth + 2) * u * bound[i]! + 1e-300 : depth * 2 * u * Math.abs(y);
    if (!(Math.abs(x - y) <= tol)) assert.unreachable(`${label}: element ${i}: ${x} vs js ${y} (tolerance ${tol})`);
  }
}

/**
 * The 2D toy problem of the original paper's notebook (convex_adversarial `examples/2D`):
 * a few points in the unit square, pairwise far apart, with random binary labels, so that
 * balls of radius `r/2` around them are disjoint and a robust classifier exists.
 *
 * The original rejection-samples `p ~ U([0,1]^2)` and keeps it when
 * `min_a ||p - a||_1 > 2r` over the points kept so far (numpy `np.abs(p-a).sum()`, i.e. the
 * l1 distance, with `m = 12`, `r = 0.16`, `epsilon = r/2`), then draws labels
 * `(rand(m) + 0.5).long()`, i.e. fair coin flips.
 *
 * @module
 */

import { Rng } from '../tensor/random.js';
import type { Dataset } from './dataset.js';

/** Distance used for the separation test between points. */
export type Toy2dDistance = 'l1' | 'linf';

/** Options of {@link toy2dPoints}. */
export interface Toy2dOptions {
  /** Separation distance (default `'l1'`, as in the original notebook). */
  readonly distance?: Toy2dDistance;
  /** Candidate draws allowed before giving up (default 100,000). */
  readonly maxTries?: number;
}

/**
 * Draws `count` points uniformly in [0,1]^2 whose pairwise distance exceeds `2r`
 * (rejection sampling: the first point is always kept), then one fair coin flip per point
 * for its label. Returns a dataset of shape `[2]` with 2 classes; points in draw order.
 *
 * @param count - number of points (default 12).
 * @param r - half the minimum separation (default 0.16; the notebook certifies `eps = r/2`).
 * @param rng - random source (default `new Rng(0)`).
 * @param options - distance and retry budget.
 * @throws Error if the points cannot be placed within `maxTries` candidate draws.
 */
export function toy2dPoints(
  count = 12,
  r = 0.16,
  rng: Rng = new Rng(0),
  options: Toy2dOptions = {},
): Dataset {
  const { distance = 'l1', maxTries = 100_000 } = options;
  const images = new Float32Array(2 * count);
  let placed = 0;
  for (let tries = 0; placed < count; tries++) {
    if (tries >= maxTries) {
      throw new Error(
        `toy2dPoints: placed only ${placed} of ${count} points at pairwise ${distance} distance ` +
          `> 2r = ${2 * r} after ${maxTries} tries; lower count or r`,
      );
    }
    // Round to float32 first so the separation holds for the stored values exactly.
    const x = Math.fround(rng.next());
    const y = Math.fround(rng.next());
    if (farFromAll(images, placed, x, y, 2 * r, distance)) {
      images[2 * placed] = x;
      images[2 * placed + 1] = y;
      placed++;
    }
  }
  const labels = Int32Array.from({ length: count }, () => (rng.next() >= 0.5 ? 1 : 0));
  return { images, labels, n: count, shape: [2], classes: 2 };
}

/** Distance between two points of the plane. */
export function distance2d(ax: number, ay: number, bx: number, by: number, d: Toy2dDistance): number {
  const dx = Math.abs(ax - bx);
  const dy = Math.abs(ay - by);
  return d === 'l1' ? dx + dy : Math.max(dx, dy);
}

function farFromAll(
  pts: Float32Array,
  placed: number,
  x: number,
  y: number,
  minDist: number,
  d: Toy2dDistance,
): boolean {
  for (let i = 0; i < placed; i++) {
    if (distance2d(pts[2 * i], pts[2 * i + 1], x, y, d) <= minDist) return false;
  }
  return true;
}

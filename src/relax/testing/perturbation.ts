/**
 * Points of a perturbation set, for testing that bounds contain what the network can reach:
 * uniform samples inside, extreme points (vertices of the l∞ ball / box, the l2 sphere), and
 * points found by a few projected-gradient steps that minimise cᵀf(x'). Every sampler takes a
 * seeded {@link Rng} and returns one point per example, `[B, ...S_0]` in X's dtype.
 *
 * The set is `{x' : x' − x = r ⊙ δ, ‖δ‖_p ≤ 1}` with r the per-coordinate radius (ε broadcast from
 * a number, `[B]` or `[1 | B, ...S_0]`), intersected with the box [lower, upper] when `bounded`.
 * @module
 */
import { backward, mul, reshape, sum } from '../../autograd/index.js';
import { withFrozenParameters } from '../../attack/common.js';
import type { Rng } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import type { DualizableNetwork, DualNetworkOptions } from '../network.js';

/** A perturbation set around a batch X. */
export interface PerturbationSet {
  /** The centres `[B, ...S_0]`. */
  readonly X: Tensor;
  /** ε: a number, `[B]` or `[1 | B, ...S_0]`. */
  readonly epsilon: number | Tensor;
  /** The ball's norm. */
  readonly norm: 'linf' | 'l2';
  /** l∞ only: intersect with the box [lower, upper] (numbers, default 0 and 1). */
  readonly bounded?: boolean;
  readonly lower?: number;
  readonly upper?: number;
}

/** How a point is drawn. */
export type SampleKind = 'interior' | 'extreme';

/** The {@link DualNetworkOptions} describing `set`. */
export function dualOptionsOf(set: PerturbationSet): DualNetworkOptions {
  return { norm: set.norm, bounded: set.bounded ?? false, inputLower: set.lower ?? 0, inputUpper: set.upper ?? 1 };
}

/** Per-coordinate radius r `[B·n]` (Float64) from ε in any of its three forms. */
export function coordinateRadius(set: PerturbationSet): Float64Array {
  const { X, epsilon } = set;
  const B = X.shape[0]!;
  const n = X.size / B;
  const r = new Float64Array(X.size);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < n; i++) {
      if (typeof epsilon === 'number') r[b * n + i] = epsilon;
      else if (epsilon.rank === 1) r[b * n + i] = epsilon.data[b]!;
      else r[b * n + i] = epsilon.data[(epsilon.shape[0] === 1 ? 0 : b) * n + i]!;
    }
  }
  return r;
}

/** A point of the set per example: uniform inside, or an extreme point (box vertex, l2 sphere). */
export function samplePoint(set: PerturbationSet, kind: SampleKind, rng: Rng): Tensor {
  const B = set.X.shape[0]!;
  const n = set.X.size / B;
  const r = coordinateRadius(set);
  const delta = new Float64Array(set.X.size);
  for (let b = 0; b < B; b++) {
    const row = delta.subarray(b * n, (b + 1) * n);
    if (set.norm === 'linf') fillLinf(row, kind, rng);
    else fillL2(row, kind, rng);
  }
  return project(set, delta.map((d, i) => set.X.data[i]! + r[i]! * d), r);
}

/** δ ∈ [−1, 1]^n: uniform, or a random vertex. */
function fillLinf(row: Float64Array, kind: SampleKind, rng: Rng): void {
  for (let i = 0; i < row.length; i++) row[i] = kind === 'interior' ? rng.uniform(-1, 1) : (rng.next() < 0.5 ? -1 : 1);
}

/** δ in the unit l2 ball: a uniform direction, with radius U^{1/n} (inside) or 1 (sphere). */
function fillL2(row: Float64Array, kind: SampleKind, rng: Rng): void {
  rng.fillNormal(row);
  let norm = Math.sqrt(row.reduce((acc, v) => acc + v * v, 0));
  if (norm === 0) { row[0] = 1; norm = 1; }
  const radius = kind === 'interior' ? rng.next() ** (1 / row.length) : 1;
  for (let i = 0; i < row.length; i++) row[i] = (row[i]! / norm) * radius;
}

/**
 * Clamps x' into the set (coordinate-wise for l∞ and the box, radially in δ-space for l2) and
 * wraps it as a tensor of X's shape and dtype.
 */
function project(set: PerturbationSet, x: Float64Array, r: Float64Array): Tensor {
  const X = set.X.data;
  const out = Tensor.zeros(set.X.shape, set.X.dtype);
  if (set.norm === 'l2') {
    const B = set.X.shape[0]!;
    const n = x.length / B;
    for (let b = 0; b < B; b++) {
      let sq = 0;
      for (let i = b * n; i < (b + 1) * n; i++) if (r[i]! > 0) sq += ((x[i]! - X[i]!) / r[i]!) ** 2;
      const scale = sq > 1 ? 1 / Math.sqrt(sq) : 1;
      for (let i = b * n; i < (b + 1) * n; i++) out.data[i] = r[i]! > 0 ? X[i]! + (x[i]! - X[i]!) * scale : X[i]!;
    }
    return out;
  }
  const [lo, hi] = set.bounded ? [set.lower ?? 0, set.upper ?? 1] : [-Infinity, Infinity];
  for (let i = 0; i < x.length; i++) {
    const low = Math.max(X[i]! - r[i]!, lo);
    const high = Math.min(X[i]! + r[i]!, hi);
    out.data[i] = Math.min(Math.max(x[i]!, low), high);
  }
  return out;
}

/** Options of {@link pgdPoint}. */
export interface PgdPointOptions {
  /** Number of steps (default 5). */
  steps?: number;
  /** Start: a uniform interior sample (default) drawn from this generator. */
  rng: Rng;
}

/**
 * A point of the set that (locally) minimises `Σ_k c[b, k]·f(x'_b)` for every example b, found by
 * projected steps from a random interior point: sign steps of half the radius for l∞ / the box,
 * normalised steps of half the radius in δ-space for l2. `c` is `[B, ...S_L]` (one objective per
 * example). Parameter gradients are left untouched.
 */
export function pgdPoint(net: DualizableNetwork, set: PerturbationSet, c: Tensor, options: PgdPointOptions): Tensor {
  const steps = options.steps ?? 5;
  const r = coordinateRadius(set);
  let x = samplePoint(set, 'interior', options.rng);
  withFrozenParameters(net, () => {
    for (let s = 0; s < steps; s++) {
      const leaf = x.clone().requireGrad();
      const out = net.forward(leaf);
      backward(sum(mul(out, reshape(c, out.shape))));
      const g = leaf.grad!.data;
      x = project(set, stepFrom(set, x.data, g, r), r);
    }
  });
  return x;
}

/** One descent step `x − ½ r ⊙ direction(g)` (sign for l∞, normalised r ⊙ g for l2), unprojected. */
function stepFrom(set: PerturbationSet, x: ArrayLike<number>, g: ArrayLike<number>, r: Float64Array): Float64Array {
  const out = Float64Array.from(x);
  const B = set.X.shape[0]!;
  const n = out.length / B;
  for (let b = 0; b < B; b++) {
    let norm = 0;
    if (set.norm === 'l2') for (let i = b * n; i < (b + 1) * n; i++) norm += (r[i]! * g[i]!) ** 2;
    norm = Math.sqrt(norm);
    for (let i = b * n; i < (b + 1) * n; i++) {
      const direction = set.norm === 'linf' ? Math.sign(g[i]!) : norm > 0 ? (r[i]! * g[i]!) / norm : 0;
      out[i] = out[i]! - 0.5 * r[i]! * direction;
    }
  }
  return out;
}

/**
 * Probabilistic accuracy of the random-projection estimates (the original's `utils.py`:
 * `GR`, `GL`, `p_upper`, `p_lower`, `get_epsilon`, `epsilon_from_model`; Wong, Schmidt, Metzen
 * & Kolter, NeurIPS 2018, §3.2).
 *
 * The median estimator of an l1 norm from k Cauchy projections, `median_k |a·r_k|`, lies in
 * `[(1 − e)‖a‖_1, (1 + e)‖a‖_1]` except with probability at most `p_upper(e, k) + p_lower(e, k)`,
 * where (t = (2/π)·ln(1 ± e), h(t) = t·atan(t) − ½·ln(1 + t²))
 *
 *   p_upper(e, k) = exp(−k·h((2/π)·ln(1 + e))),   p_lower(e, k) = exp(−k·h((2/π)·ln(1 − e))).
 *
 * (The original writes this as exp(−k e²/G(e)) with G(e) = e²/h(t); the two are equal.) These
 * functions pick the relative error e for a failure budget δ. The dual network itself never
 * applies the factor: projected bounds remain estimates (see `inputs/linf-ball-projection.ts`).
 * @module
 */
import type { DenseSequential } from '../nn/dense-sequential.js';
import type { Sequential } from '../nn/sequential.js';
import { noGrad } from '../autograd/index.js';
import { Tensor } from '../tensor/tensor.js';

/** `h(t) = t·atan(t) − ½·ln(1 + t²)`, the Cauchy median's large-deviation rate (even, increasing in |t|). */
function rate(t: number): number {
  return t * Math.atan(t) - 0.5 * Math.log1p(t * t);
}

/** P(median estimate > (1 + e)·‖a‖_1) ≤ exp(−k·h((2/π)·ln(1 + e))) (the original's `p_upper`). */
export function projectionUpperTail(e: number, k: number): number {
  return Math.exp(-k * rate((2 / Math.PI) * Math.log1p(e)));
}

/** P(median estimate < (1 − e)·‖a‖_1) ≤ exp(−k·h((2/π)·ln(1 − e))) (the original's `p_lower`; 0 for e ≥ 1). */
export function projectionLowerTail(e: number, k: number): number {
  if (e >= 1) return 0;
  return Math.exp(-k * rate((2 / Math.PI) * Math.log1p(-e)));
}

/**
 * The relative error e of the k-projection median estimate that holds with probability at least
 * 1 − δ per tail (the original's `get_epsilon`): starting from e = 0.001, e grows by the factor
 * (1 + alpha) until both tails are at most δ, so the result is the first grid point that works.
 * @param delta - failure probability in (0, 1).
 * @param k - number of projections (a positive integer).
 * @param alpha - grid step (default 0.01, the original's).
 * @throws Error when the required e exceeds 1 (δ too small for this k), or on bad arguments.
 */
export function projectionEpsilon(delta: number, k: number, alpha = 0.01): number {
  if (!(delta > 0 && delta < 1)) throw new Error(`delta must lie in (0, 1), got ${delta}`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new Error(`alpha must be a positive number, got ${alpha}`);
  let e = 0.001;
  while (Math.max(projectionUpperTail(e, k), projectionLowerTail(e, k)) > delta) {
    e *= 1 + alpha;
    if (e > 1) throw new Error(`delta = ${delta} is too small for k = ${k} projections: the relative error would exceed 1`);
  }
  return e;
}

/** Options of {@link epsilonFromModel} (the original's `k`, `delta`, `m`). */
export interface ModelEpsilonOptions {
  /** Number of projections k. */
  k: number;
  /** Total failure probability δ over all estimates; `null` means no probabilistic bound (returns 0). */
  delta: number | null;
  /** The original's `m`: only layers with more than k·m outputs are estimated, and δ is split as (δ/N)^{1/m}. */
  m: number;
}

/**
 * Numbers of output values per example after each Linear or Conv2d layer (the original runs
 * `X[:1]` through the top-level layers and records `numel()`); Dense members are not counted.
 */
export function affineOutputSizes(model: Sequential | DenseSequential, inputShape: readonly number[]): number[] {
  return noGrad(() => {
    const x = Tensor.zeros([1, ...inputShape], model.dtype);
    const sizes: number[] = [];
    const outputs: Tensor[] = [x];
    for (const layer of model.layers) {
      const next = layer.kind === 'dense' ? layer.forwardAll(outputs) : layer.forward(outputs[outputs.length - 1]!);
      outputs.push(next);
      if (layer.kind === 'linear' || layer.kind === 'conv2d') sizes.push(next.size);
    }
    return sizes;
  });
}

/**
 * The relative error e for which every projected estimate of a network is accurate with
 * probability 1 − δ (the original's `epsilon_from_model`). With n_i the output sizes of the
 * Linear/Conv2d layers except the last, the number of estimates is
 * `N = Σ_{i: k·m < n_i} (1 + i)·n_i`, each gets the budget `(δ/N)^{1/m}`, and e is
 * {@link projectionEpsilon} of that budget.
 * @returns 0 when `delta` is null or no layer is large enough to be estimated (N = 0; the
 *   original divides by N first and raises ZeroDivisionError there).
 * @throws Error when e would exceed 1, or on bad k / m.
 */
export function epsilonFromModel(model: Sequential | DenseSequential, inputShape: readonly number[], options: ModelEpsilonOptions): number {
  const { k, delta, m } = options;
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  if (!(m > 0) || !Number.isFinite(m)) throw new Error(`m must be a positive number, got ${m}`);
  if (delta === null) return 0;
  const sizes = affineOutputSizes(model, inputShape).slice(0, -1);
  const estimates = sizes.reduce((total, n, i) => (k * m < n ? total + (1 + i) * n : total), 0);
  if (estimates === 0) return 0;
  return projectionEpsilon((delta / estimates) ** (1 / m), k);
}

/**
 * The warm-up regularisers of Shi et al., *Fast certified robust training with short warmup*
 * (NeurIPS 2021, §3.3), over the pre-activation bounds [l, u] of each ReLU layer (centre
 * c = (u + l)/2, radius r = (u − l)/2, means over batch and units), with tolerance τ:
 *
 * - tightness: relu(τ − r̄₀ / r̄) / τ, r̄₀ the mean input radius: penalises layers whose bounds
 *   are more than 1/τ times looser than the input's (bound explosion);
 * - ReLU balance: with A = {l > 0} (active) and I = {u < 0} (inactive),
 *   ρ_μ = mean(c·1_A) / −mean(c·1_I), ρ_σ = Σ_A (c − c̄)² / Σ_I (c − c̄)², each folded to
 *   min(ρ, 1/ρ), and (relu(τ − ρ_μ) + relu(τ − ρ_σ)) / τ: penalises layers where active and
 *   inactive units are unbalanced (dead or linear ReLUs). A layer whose term is NaN or infinite
 *   (e.g. no inactive unit) contributes 0, as in the paper's code.
 *
 * Each is averaged over the layers; R = tightness + balance. The trainer weights it with
 * λ·(1 − ε_t/ε).
 * @module
 */
import { add, clamp, compare, div, mean, minimum, mul, neg, noGrad, relu, square, sub, sum } from '../../autograd/index.js';
import { Tensor } from '../../tensor/tensor.js';
import type { BoundResult, Perturbation } from '../../relax/index.js';
import { inputBox } from '../../relax/perturbation.js';

/** Settings of the warm-up regulariser. */
export interface WarmupRegularizerOptions {
  /** Tolerance τ (Shi et al.: 0.5). */
  readonly tolerance: number;
}

/** R of the module doc as a scalar on the tape (0 when there are no ReLU layers). */
export function warmupRegularizer(perturbation: Perturbation, X: Tensor, layers: BoundResult['layers'], o: WarmupRegularizerOptions): Tensor {
  const tol = o.tolerance;
  if (!(tol > 0)) throw new RangeError(`tolerance must be > 0, got ${tol}`);
  if (layers.length === 0) return Tensor.scalar(0);
  const r0 = inputRadius(perturbation, X);
  let tight: Tensor = Tensor.scalar(0);
  let balance: Tensor = Tensor.scalar(0);
  for (const { lower, upper } of layers) {
    const r = clamp(mean(mul(sub(upper, lower), 0.5)), 1e-12);
    tight = add(tight, div(relu(sub(tol, div(r0, r))), tol));
    const b = reluBalance(lower, upper, tol);
    if (Number.isFinite(b.item())) balance = add(balance, b);
  }
  return div(add(tight, balance), layers.length);
}

/** Mean radius r̄₀ of the input box: ε, or less where a box clips the ball. */
function inputRadius(p: Perturbation, X: Tensor): number {
  const [lower, upper] = noGrad(() => inputBox(p, X));
  return mean(mul(sub(upper, lower), 0.5)).item();
}

/** The ReLU-balance term of one layer (see the module doc). */
function reluBalance(lower: Tensor, upper: Tensor, tol: number): Tensor {
  const c = mul(add(upper, lower), 0.5);
  const active = compare('gt', lower, 0);
  const inactive = compare('lt', upper, 0);
  const meanRatio = div(mean(mul(c, active)), neg(mean(mul(c, inactive))));
  const delta = square(sub(c, mean(c)));
  const varRatio = div(sum(mul(delta, active)), sum(mul(delta, inactive)));
  const fold = (x: Tensor): Tensor => minimum(x, div(1, clamp(x, 1e-12)));
  return div(add(relu(sub(tol, fold(meanRatio))), relu(sub(tol, fold(varRatio)))), tol);
}

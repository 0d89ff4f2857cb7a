/**
 * The fast gradient sign attack (Goodfellow et al. 2015), as the original `_fgs`:
 * `x' = X + ε · sign(∇_X CE(model(X), y))`, one step, no random start.
 * @module
 */
import { Tensor } from '../tensor/tensor.js';
import { checkAttackArgs, errorFlags, lossGradientSign, projectToBall, rate, withFrozenParameters } from './common.js';
import type { AttackOptions, AttackResult, Classifier } from './types.js';

/**
 * FGS on one batch.
 *
 * `x' = X + ε · sign(∇_X Σ_b CE(model(X)_b, y_b))`, then (a no-op up to rounding) projection onto
 * the ε-ball, and with `clip01` a clamp to [0, 1] (the original `_fgs` does not clip).
 *
 * @param model - maps `[B, ...]` to logits `[B, K]`.
 * @param X - clean inputs `[B, ...]`.
 * @param y - labels, `B` integers in `[0, K)`.
 * @param epsilon - l∞ radius, `>= 0`.
 * @param options - `clip01` (default false). `randomStart` is ignored: FGS starts at X.
 * @returns the adversarial batch and per-example clean / attacked error flags.
 */
export function fgs(model: Classifier, X: Tensor, y: ArrayLike<number>, epsilon: number, options: AttackOptions = {}): AttackResult {
  const clip01 = options.clip01 ?? false;
  checkAttackArgs('fgs', X, y, epsilon, clip01);
  return withFrozenParameters(model, () => {
    const cleanErrors = errorFlags(model, X, y);
    const direction = lossGradientSign(model, X, y);
    const adv = X.data.slice();
    for (let i = 0; i < adv.length; i++) adv[i] = X.data[i]! + epsilon * direction[i]!;
    projectToBall(adv, X.data, epsilon, clip01);
    const adversarial = new Tensor(adv, X.shape);
    const errors = errorFlags(model, adversarial, y);
    return { adversarial, errors, cleanErrors, errorRate: rate(errors), cleanErrorRate: rate(cleanErrors) };
  });
}

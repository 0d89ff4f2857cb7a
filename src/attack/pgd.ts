/**
 * Projected gradient descent with sign steps (Madry et al. 2018), as the original `_pgd`:
 * start at X, then `niters` times `x ← Π_{B∞(X, ε)}(x + α · sign(∇_x CE(model(x), y)))`.
 * @module
 */
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { checkAttackArgs, errorFlags, lossGradientSign, projectToBall, rate, withFrozenParameters } from './common.js';
import { PGD_DEFAULTS, type AttackResult, type Classifier, type PgdOptions } from './types.js';

/**
 * PGD on one batch.
 *
 * Iterates `x_{k+1} = X + clamp(x_k + α · sign(∇ CE) − X, −ε, ε)` for `iterations` steps
 * (default 100, α = `step` = 0.01, as the original `_pgd`). With `clip01` each iterate is then
 * clamped to [0, 1] (the original's `train_madry` variant). With `randomStart` the first iterate
 * is X plus uniform noise in [−ε, ε] (not in the original; needs `rng` or `seed`).
 *
 * @param model - maps `[B, ...]` to logits `[B, K]`.
 * @param X - clean inputs `[B, ...]`.
 * @param y - labels, `B` integers in `[0, K)`.
 * @param epsilon - l∞ radius, `>= 0`.
 * @param options - iterations, step, clip01, randomStart with rng / seed.
 * @returns the last iterate and per-example clean / attacked error flags.
 */
export function pgd(model: Classifier, X: Tensor, y: ArrayLike<number>, epsilon: number, options: PgdOptions = {}): AttackResult {
  const { iterations = PGD_DEFAULTS.iterations, step = PGD_DEFAULTS.step, clip01 = false } = options;
  checkAttackArgs('pgd', X, y, epsilon, clip01);
  if (!Number.isInteger(iterations) || iterations < 0) throw new Error(`pgd: iterations must be an integer >= 0, got ${iterations}`);
  if (!Number.isFinite(step) || step < 0) throw new Error(`pgd: step must be a finite number >= 0, got ${step}`);
  return withFrozenParameters(model, () => {
    const cleanErrors = errorFlags(model, X, y);
    const x = startingPoint(X, epsilon, clip01, options);
    for (let k = 0; k < iterations; k++) {
      const direction = lossGradientSign(model, new Tensor(x, X.shape), y);
      for (let i = 0; i < x.length; i++) x[i] = x[i]! + step * direction[i]!;
      projectToBall(x, X.data, epsilon, clip01);
    }
    const adversarial = new Tensor(x, X.shape);
    const errors = errorFlags(model, adversarial, y);
    return { adversarial, errors, cleanErrors, errorRate: rate(errors), cleanErrorRate: rate(cleanErrors) };
  });
}

/** A copy of X, plus uniform noise in [−ε, ε] (projected) when `randomStart` is set. */
function startingPoint(X: Tensor, epsilon: number, clip01: boolean, options: PgdOptions): Float32Array | Float64Array {
  const x = X.data.slice();
  if (!options.randomStart) return x;
  if (!options.rng && options.seed === undefined) throw new Error('pgd: randomStart needs options.rng or options.seed');
  const rng = options.rng ?? new Rng(options.seed!);
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + rng.uniform(-epsilon, epsilon);
  projectToBall(x, X.data, epsilon, clip01);
  return x;
}

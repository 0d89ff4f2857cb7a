/**
 * Shared types of the gradient-sign attacks (the original's `examples/attacks.py`): what a
 * model must offer, the options, and what an attack returns.
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/random.js';

/**
 * Anything that maps a batch of inputs `[B, ...]` to logits `[B, K]`. A `parameters()` method
 * is optional: when present, the attack switches their `requiresGrad` off while it runs (as the
 * original does with `p.requires_grad = False`) so that no parameter gradient is accumulated.
 */
export interface Classifier {
  /** Logits `[B, K]` for inputs `[B, ...]`. */
  forward(x: Tensor): Tensor;
  /** The trainable tensors, if any (only their `requiresGrad` flag is touched). */
  parameters?(): Iterable<Tensor>;
}

/** Options shared by {@link fgs} and {@link pgd}. */
export interface AttackOptions {
  /**
   * Also clamp every iterate to the box [0, 1] after projecting onto the ε-ball (the variant of
   * the original's `train_madry`). Requires the clean inputs to lie in [0, 1]. Default false,
   * as in the original `_fgs` / `_pgd`.
   */
  readonly clip01?: boolean;
  /**
   * Start PGD from a uniform point of the ε-ball instead of from X. The original never does
   * this (default false); when set, `rng` or `seed` gives the random source.
   */
  readonly randomStart?: boolean;
  /** Random source for `randomStart`. */
  readonly rng?: Rng;
  /** Seed for `randomStart` when no `rng` is given. */
  readonly seed?: number;
}

/** Options of {@link pgd}: the original `_pgd(model, X, y, epsilon, niters=100, alpha=0.01)`. */
export interface PgdOptions extends AttackOptions {
  /** Number of sign-gradient steps (the original's `niters`, default 100). */
  readonly iterations?: number;
  /** Step size α of each sign-gradient step (default 0.01). */
  readonly step?: number;
}

/** Defaults of the original `_pgd`. */
export const PGD_DEFAULTS = Object.freeze({ iterations: 100, step: 0.01 });

/** The outcome of an attack on one batch. */
export interface AttackResult {
  /** The adversarial inputs, same shape and dtype as X, within `‖x' − X‖∞ ≤ ε` (and [0,1] when clipped). */
  readonly adversarial: Tensor;
  /** Per example: 1 when `argmax model(x') ≠ y` (first index wins ties, as torch's `max(1)`). */
  readonly errors: Uint8Array;
  /** Per example: 1 when the clean input is already misclassified. */
  readonly cleanErrors: Uint8Array;
  /** Mean of `errors` (the original's `err_fgs` / `err_pgd`). */
  readonly errorRate: number;
  /** Mean of `cleanErrors` (the original's `err`). */
  readonly cleanErrorRate: number;
}

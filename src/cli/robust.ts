/**
 * The CLI's certificate: `certify` of `src/relax` (exact input set, no projection) with the
 * ball chosen by the flags. Training objectives come from `src/train/objective.ts`.
 * @module
 */
import { certify, type BoundMethod, type Perturbation } from '../relax/index.js';
import type { DenseSequential, Sequential } from '../nn/index.js';
import type { Tensor } from '../tensor/tensor.js';

/** The perturbation set of the flags `--norm` / `--bounded`, and the bound method of `--method` (default the dual). */
export interface BallOptions {
  readonly norm: 'linf' | 'l2';
  readonly bounded: boolean;
  readonly method?: BoundMethod;
}

/** The `--method` values (src/relax/bounds; `dual` = the Wong–Kolter dual, the default). */
export const BOUND_METHODS = ['dual', 'ibp', 'crown', 'crown-ibp', 'alpha-crown'] as const;

/**
 * Per-example certificates at radius ε (a number or a per-example tensor `[B]`): `errors` 1 =
 * not certified, `cleanErrors` 1 = misclassified.
 */
export function certifyBatch(net: Sequential | DenseSequential, epsilon: number | Tensor, X: Tensor, y: Int32Array, ball: BallOptions): { errors: Uint8Array; cleanErrors: Uint8Array } {
  const perturbation: Perturbation = { norm: ball.norm, epsilon, ...(ball.bounded ? { box: { lower: 0, upper: 1 } } : {}) };
  const result = certify(net, perturbation, X, y, ball.method ? { method: ball.method } : {});
  return { errors: result.errors, cleanErrors: result.cleanErrors };
}

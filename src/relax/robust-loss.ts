/**
 * The robust loss and certificates of Wong & Kolter (ICML 2018, §3.3, Thm 2): for each example
 * and class j the logit f_j = −J(e_y − e_j) is an upper bound on f_j(x') − f_y(x') over the
 * whole perturbation set (0 for j = y). Cross-entropy of these logits upper-bounds the worst-case
 * cross-entropy, and an example is certified when every f_j (j ≠ y) is negative.
 * @module
 */
import { argmax, crossEntropy, neg, noGrad } from '../autograd/index.js';
import type { Reduction } from '../autograd/ops/loss.js';
import { sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { EpsilonInput } from './inputs/epsilon.js';
import { DualNetwork, type DualizableNetwork, type DualNetworkOptions } from './network.js';

/** Options of {@link robustLoss}: the input set plus how per-example losses are combined. */
export interface RobustLossOptions extends DualNetworkOptions {
  /** `'mean'` (default) or `'none'` (per example, `[B]`). */
  reduction?: Extract<Reduction, 'mean' | 'none'>;
}

/** What {@link robustLoss} returns. */
export interface RobustLossResult {
  /** Robust cross-entropy: a scalar (mean) or `[B]`; differentiable in every parameter. */
  readonly loss: Tensor;
  /** 1 where the example is not certified (some j ≠ y has f_j ≥ 0, or a NaN), else 0. */
  readonly errors: Uint8Array;
  /** The robust logits f `[B, K]`. */
  readonly logits: Tensor;
}

/** What {@link certify} returns. */
export interface CertifyResult {
  /** The robust logits f `[B, K]` (no history). */
  readonly logits: Tensor;
  /** 1 where the example is not certified. */
  readonly errors: Uint8Array;
  /** The network's clean prediction (argmax of f(x)) per example. */
  readonly predictions: Int32Array;
  /** 1 where the clean prediction differs from y. */
  readonly cleanErrors: Uint8Array;
}

/**
 * f `[B, K]` with f[b][j] = −J(e_{y_b} − e_j): an upper bound on f_j(x') − f_{y_b}(x') over the
 * perturbation set (the original's `RobustBounds`). Differentiable.
 */
export function robustLogits(net: DualizableNetwork, epsilon: EpsilonInput, X: Tensor, y: ArrayLike<number>, options: DualNetworkOptions = {}): Tensor {
  const dual = new DualNetwork(net, X, epsilon, options);
  const K = sizeOf(dual.shapes[dual.shapes.length - 1]!);
  return neg(dual.objective(labelDifferences(y, X.shape[0]!, K, X)));
}

/**
 * Robust cross-entropy of {@link robustLogits} against y, with the per-example certificate
 * (the original's `robust_loss`).
 */
export function robustLoss(net: DualizableNetwork, epsilon: EpsilonInput, X: Tensor, y: ArrayLike<number>, options: RobustLossOptions = {}): RobustLossResult {
  const logits = robustLogits(net, epsilon, X, y, options);
  const loss = crossEntropy(logits, y, options.reduction ?? 'mean');
  return { loss, errors: uncertified(logits, y), logits };
}

/** Bounds only, without recording gradients (evaluation): robust logits, certificates, clean predictions. */
export function certify(net: DualizableNetwork, epsilon: EpsilonInput, X: Tensor, y: ArrayLike<number>, options: DualNetworkOptions = {}): CertifyResult {
  if (options.projection) throw new Error('certify: options.projection gives estimated bounds, not certificates; certify with the exact bounds (drop projection)');
  return noGrad(() => {
    const logits = robustLogits(net, epsilon, X, y, options);
    const predictions = argmax(net.forward(X), 1);
    const cleanErrors = Uint8Array.from(predictions, (p, b) => (p === y[b] ? 0 : 1));
    return { logits, errors: uncertified(logits, y), predictions, cleanErrors };
  });
}

/**
 * 1 where some j ≠ y has f_j ≥ 0 (or is NaN): the bound cannot rule out a class scoring at
 * least as high as y. (A tie f_j = 0 counts as not certified, the sound choice.)
 */
export function uncertified(logits: Tensor, y: ArrayLike<number>): Uint8Array {
  const [B, K] = logits.shape as [number, number];
  const out = new Uint8Array(B);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < K; j++) {
      if (j !== y[b] && !(logits.data[b * K + j]! < 0)) out[b] = 1;
    }
  }
  return out;
}

/** c `[B, K, K]` with c[b][j] = e_{y_b} − e_j (no gradient), the objective vectors of the robust logits. */
export function labelDifferences(y: ArrayLike<number>, B: number, K: number, like: Tensor): Tensor {
  if (y.length !== B) throw new Error(`y has ${y.length} labels for a batch of ${B}`);
  const c = Tensor.zeros([B, K, K], like.dtype);
  for (let b = 0; b < B; b++) {
    const label = y[b]!;
    if (!Number.isInteger(label) || label < 0 || label >= K) throw new Error(`y[${b}] = ${label} is not a class in [0, ${K})`);
    for (let j = 0; j < K; j++) {
      c.data[(b * K + j) * K + label]! += 1;
      c.data[(b * K + j) * K + j]! -= 1;
    }
  }
  return c;
}

/**
 * The training loss of IBP (Gowal et al. 2018, eq. 12) and CROWN-IBP (Zhang et al. ICLR 2020,
 * eq. 9) from a bound computation:
 *
 *   m = β·m_CROWN-IBP + (1 − β)·m_IBP        (m [B, K]: lower bounds of (e_y − e_j)·f(x'), row y 0)
 *   L = κ·CE(f(x), y) + (1 − κ)·CE(−m, y) + λ_t·R
 *
 * CE(−m, y) is the robust cross-entropy: the logits −m are upper bounds on f_j − f_y, so it is an
 * upper bound on the worst cross-entropy over the set. R is Shi et al.'s warm-up regulariser
 * (`regularizer.ts`), weighted λ_t = λ·(1 − ε_t/ε). An example is verified when every m_j > 0
 * (j ≠ y); a NaN or infinite bound counts as not verified (fail closed).
 * @module
 */
import { add, argmax, crossEntropy, mul, neg, noGrad } from '../../autograd/index.js';
import type { Module } from '../../nn/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { BoundResult, Perturbation } from '../../relax/index.js';
import { engineBounds, type BoundFunction } from './bounds.js';
import { warmupRegularizer, type WarmupRegularizerOptions } from './regularizer.js';

/** Certified-training bound methods. */
export type CertifiedMethod = 'ibp' | 'crown-ibp';

/** A network the certified loss can run: a module with a forward pass. */
export type CertifiedNetwork = Module & { forward(x: Tensor): Tensor };

/** Options of {@link certifiedLoss} for one step. */
export interface CertifiedLossOptions {
  readonly method: CertifiedMethod;
  readonly perturbation: Perturbation;
  /** CROWN-IBP weight β ∈ [0, 1] (ignored by IBP; β = 0 skips the CROWN pass). */
  readonly beta?: number;
  /** Clean-loss weight κ ∈ [0, 1] (default 0). */
  readonly kappa?: number;
  /** Warm-up regulariser and its weight λ_t for this step (none when absent or 0). */
  readonly regularizer?: WarmupRegularizerOptions & { readonly weight: number };
  /** The bound computation (default: `computeBounds` of src/relax). */
  readonly bounds?: BoundFunction;
}

/** The loss and the numbers logged for the batch. */
export interface CertifiedLossResult {
  readonly loss: Tensor;
  readonly robustLoss: number;
  /** Clean cross-entropy and mistakes: only computed when κ > 0 (null otherwise: the step needs no clean pass). */
  readonly cleanLoss: number | null;
  readonly regularizer: number;
  /** 1 where the example is not verified by the mixed bound m (or the prediction at x is wrong). */
  readonly errors: Uint8Array;
  readonly cleanErrors: Uint8Array | null;
}

/** The mixed margin bound m of the module doc. */
export function mixedMargins(net: Module, X: Tensor, y: ArrayLike<number>, o: CertifiedLossOptions): { margins: Tensor; bounds: BoundResult } {
  const bound = o.bounds ?? engineBounds;
  const beta = o.method === 'crown-ibp' ? (o.beta ?? 1) : 0;
  if (!(beta >= 0 && beta <= 1)) throw new RangeError(`beta must lie in [0, 1], got ${beta}`);
  if (beta === 0) {
    const bounds = bound(net, X, o.perturbation, { method: 'ibp', labels: y });
    return { margins: bounds.lower, bounds };
  }
  const bounds = bound(net, X, o.perturbation, { method: 'crown-ibp', labels: y });
  if (!bounds.ibpLower) throw new Error("the bound computation returned no ibpLower for method 'crown-ibp'");
  const margins = beta === 1 ? bounds.lower : add(mul(bounds.lower, beta), mul(bounds.ibpLower, 1 - beta));
  return { margins, bounds };
}

/** The certified training loss of one batch (see the module doc). */
export function certifiedLoss(net: CertifiedNetwork, X: Tensor, y: Int32Array, o: CertifiedLossOptions): CertifiedLossResult {
  const kappa = o.kappa ?? 0;
  if (!(kappa >= 0 && kappa <= 1)) throw new RangeError(`kappa must lie in [0, 1], got ${kappa}`);
  const { margins, bounds } = mixedMargins(net, X, y, o);
  const robust = crossEntropy(neg(margins), y);
  let loss = robust;
  let clean: { loss: number; errors: Uint8Array } | null = null;
  if (kappa > 0) {
    const logits = net.forward(X);
    const ce = crossEntropy(logits, y);
    clean = { loss: ce.item(), errors: noGrad(() => wrongPredictions(logits, y)) };
    loss = kappa === 1 ? ce : add(mul(ce, kappa), mul(robust, 1 - kappa));
  }
  let reg = 0;
  if (o.regularizer && o.regularizer.weight > 0) {
    const r = warmupRegularizer(o.perturbation, X, bounds.layers, o.regularizer);
    reg = r.item();
    loss = add(loss, mul(r, o.regularizer.weight));
  }
  return { loss, robustLoss: robust.item(), cleanLoss: clean?.loss ?? null, regularizer: reg, errors: unverified(margins, clean?.errors), cleanErrors: clean?.errors ?? null };
}

/** 1 where argmax f(x) ≠ y. */
export function wrongPredictions(logits: Tensor, y: ArrayLike<number>): Uint8Array {
  const predicted = argmax(logits, 1);
  return Uint8Array.from(predicted, (p, b) => (p === y[b] ? 0 : 1));
}

/**
 * 1 where some margin bound m_j (j ≠ y; row y is 0 by construction) is not > 0, is NaN or
 * infinite, or where `also` flags the example: such examples are not verified.
 */
export function unverified(margins: Tensor, also?: ArrayLike<number>): Uint8Array {
  const [B, K] = margins.shape as [number, number];
  const m = margins.data;
  const out = new Uint8Array(B);
  for (let b = 0; b < B; b++) {
    let bad = also !== undefined && also[b] === 1;
    let zeros = 0;
    for (let j = 0; j < K && !bad; j++) {
      const v = m[b * K + j]!;
      if (!Number.isFinite(v)) bad = true;
      else if (v === 0) zeros++;
      else if (v < 0) bad = true;
    }
    out[b] = bad || zeros > 1 ? 1 : 0;
  }
  return out;
}

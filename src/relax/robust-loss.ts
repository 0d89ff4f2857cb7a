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
import type { Bounds } from './dual.js';
import type { EpsilonInput } from './inputs/epsilon.js';
import { DualNetwork, type DualizableNetwork, type DualNetworkOptions } from './network.js';
import { primalActivations } from './primal.js';
import { validateBoundInputs } from './validate.js';
import { soundCheck, type SoundReport } from './sound/check.js';
import type { AlphaOptions } from './bounds/alpha-crown.js';
import type { UnitSelection } from './bounds/unit-pairs.js';
import { computeBounds, type BoundMethod } from './bounds/compute-bounds.js';
import { setArguments, type Perturbation } from './perturbation.js';

/** The bound method (default `'dual'`, the Wong–Kolter dual: every published number) and α-CROWN's settings. */
export interface MethodOptions {
  /** `'dual'` (default), `'ibp'`, `'crown'`, `'crown-ibp'` or `'alpha-crown'` (src/relax/bounds). */
  method?: BoundMethod;
  /** α-CROWN's iterations, learning rate, seed. */
  alpha?: AlphaOptions;
  /** CROWN's intermediate units: the batch's union ('batch', auto_LiRPA's) or each example's own ('example'; src/relax/bounds/unit-pairs.ts). Default 'batch', for certify 'example'. */
  units?: UnitSelection;
}

/** Options of {@link robustLoss}: the input set plus how per-example losses are combined. */
export interface RobustLossOptions extends DualNetworkOptions, MethodOptions {
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
  /** The sound check's margins, error bounds and borderline examples (absent with `sound: false`). */
  readonly soundness?: SoundReport;
}

/**
 * f `[B, K]` with f[b][j] = −J(e_{y_b} − e_j): an upper bound on f_j(x') − f_{y_b}(x') over the
 * perturbation set (the original's `RobustBounds`). Differentiable. The set is a radius ε with the
 * set options (norm, bounded, inputLower / inputUpper, projection), or one perturbation value
 * `{ norm, epsilon, box?, projection? }` (src/relax/perturbation.ts) with none of those options.
 */
export function robustLogits(net: DualizableNetwork, set: EpsilonInput | Perturbation, X: Tensor, y: ArrayLike<number>, options: DualNetworkOptions & MethodOptions = {}): Tensor {
  const a = setArguments(set, options, 'robustLogits');
  return robustLogitsAndBounds(net, a.epsilon, X, y, a.options).logits;
}

/** {@link robustLogits} and the pre-activation bounds of every element-wise layer (empty for an empty batch). */
function robustLogitsAndBounds(net: DualizableNetwork, epsilon: EpsilonInput, X: Tensor, y: ArrayLike<number>, options: DualNetworkOptions & MethodOptions): { logits: Tensor; bounds: Bounds[] | null } {
  validateBoundInputs(net, X, epsilon, options, 'robustLogits');
  if (X.rank >= 2 && X.shape[0] === 0) return { logits: emptyLogits(net, X, y), bounds: [] };
  if (options.method !== undefined && options.method !== 'dual') {
    const box = options.bounded ? { box: { lower: options.inputLower ?? 0, upper: options.inputUpper ?? 1 } } : {};
    const result = computeBounds(net, X, { norm: options.norm ?? 'linf', epsilon, ...box }, { method: options.method, labels: y, ...(options.alpha ? { alpha: options.alpha } : {}), ...(options.units ? { units: options.units } : {}) });
    return { logits: neg(result.lower), bounds: null };
  }
  const dual = new DualNetwork(net, X, epsilon, options);
  const K = sizeOf(dual.shapes[dual.shapes.length - 1]!);
  const logits = neg(dual.objective(labelDifferences(y, X.shape[0]!, K, X)));
  return { logits, bounds: dual.reluBounds().map(({ lower, upper }): Bounds => [lower, upper]) };
}

/**
 * Robust cross-entropy of {@link robustLogits} against y, with the per-example certificate
 * (the original's `robust_loss`). The set as in {@link robustLogits}.
 */
export function robustLoss(net: DualizableNetwork, set: EpsilonInput | Perturbation, X: Tensor, y: ArrayLike<number>, options: RobustLossOptions = {}): RobustLossResult {
  const a = setArguments(set, options, 'robustLoss');
  const logits = robustLogits(net, a.epsilon, X, y, a.options);
  const loss = crossEntropy(logits, y, a.options.reduction ?? 'mean');
  return { loss, errors: uncertified(logits, y), logits };
}

/** Options of {@link certify}: the input set, the method, and whether certificates pass the sound check. */
export interface CertifyOptions extends DualNetworkOptions, MethodOptions {
  /**
   * Keep a certificate only when its margin exceeds a proved bound on the floating-point error of
   * its computation, rechecking borderline examples in float64 (default true; src/relax/sound,
   * docs/soundness.md). `false` gives the unchecked float bounds (screening).
   */
  sound?: boolean;
}

/**
 * Bounds only, without recording gradients (evaluation): robust logits, certificates, clean
 * predictions. By default a certificate also passes the sound check (`result.soundness`). The set
 * as in {@link robustLogits} (a perturbation value with a projection is refused, as the option).
 */
export function certify(net: DualizableNetwork, set: EpsilonInput | Perturbation, X: Tensor, y: ArrayLike<number>, setOptions: CertifyOptions = {}): CertifyResult {
  const { epsilon, options } = setArguments(set, setOptions, 'certify');
  if (options.projection) throw new Error('certify: options.projection gives estimated bounds, not certificates; certify with the exact bounds (drop projection)');
  // each example's own intermediate units: a certificate does not depend on the batch it is computed in
  const { sound = true, units = 'example', ...rest } = options;
  const bounds = { ...rest, units };
  return noGrad(() => {
    const { logits, bounds: reluBounds } = robustLogitsAndBounds(net, epsilon, X, y, bounds);
    const predictions = cleanPredictions(net, X);
    const cleanErrors = Uint8Array.from(predictions, (p, b) => (p === y[b] ? 0 : 1));
    if (!sound || X.shape[0] === 0) return { logits, errors: uncertified(logits, y), predictions, cleanErrors };
    // other methods: no dual bounds for tier 1, so certificates need the float64 recheck by the same method
    const recompute = (n: DualizableNetwork, e: EpsilonInput, x: Tensor, labels: readonly number[], o: DualNetworkOptions): Tensor => robustLogits(n, e, x, labels, { ...o, method: bounds.method, alpha: bounds.alpha, units });
    const soundness = soundCheck(net, epsilon, X, y, logits, reluBounds, bounds, recompute);
    return { logits, errors: soundness.errors, predictions, cleanErrors, soundness };
  });
}

/**
 * argmax of f(x) per example, from the pure forward pass (a training-mode BatchNorm2d normalises
 * with the batch statistics but its running buffers stay untouched: certify never changes the model).
 */
export function cleanPredictions(net: DualizableNetwork, X: Tensor): Int32Array {
  if (X.shape[0] === 0) return new Int32Array(0);
  return argmax(primalActivations(net.layers, X).at(-1)!, 1);
}

/** The `[0, K]` logits of an empty batch, K read off the network's output for two zero inputs. */
function emptyLogits(net: DualizableNetwork, X: Tensor, y: ArrayLike<number>): Tensor {
  if (y.length !== 0) throw new Error(`y has ${y.length} labels for a batch of 0`);
  const probe = Tensor.zeros([2, ...X.shape.slice(1)], X.dtype);
  const K = sizeOf(primalActivations(net.layers, probe).at(-1)!.shape.slice(1));
  return Tensor.zeros([0, K], X.dtype);
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

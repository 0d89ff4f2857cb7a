/**
 * The sound certificate (docs/soundness.md): a fast-path certificate is kept only when its margin
 * exceeds a proved bound on the floating-point error of the computation that produced it.
 *
 * 1. Every example the fast path certified (all f_j < 0, j ≠ y) gets the a-priori error bound
 *    E_j = v_y + v_j of {@link errorVector} for the precision it ran in (one float64 pass of |W|
 *    per example, about the cost of two forward passes). It stays certified when −f_j > E_j for
 *    every j ≠ y.
 * 2. The borderline rest (margin within E) is recomputed in float64 from the same float32 weights
 *    and data (exact conversions), with the float64 bound (u = 2⁻⁵³, about 10⁹ times smaller);
 *    it is certified only if that margin clears its own bound. In float64 there is no second tier:
 *    borderline examples are reported as not certified.
 * @module
 */
import { indexSelect, noGrad, reshape } from '../../autograd/index.js';
import type { Layer } from '../../nn/layer.js';
import { sizeOf } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import type { EpsilonInput } from '../inputs/epsilon.js';
import type { DualizableNetwork, DualNetworkOptions } from '../network.js';
import { primalActivations } from '../primal.js';
import { errorVector, type RoundingModel } from './magnitude.js';
import { float64Copy, inputRounding, radius64 } from './inputs.js';

/** Recomputes the robust logits `[B', K]` (same bound method) for a float64 copy of the network on some examples. */
export type Recompute = (net: DualizableNetwork, epsilon: EpsilonInput, X: Tensor, y: readonly number[], options: DualNetworkOptions) => Tensor;

/** What the sound check found, per example of the batch. */
export interface SoundReport {
  /** 1 where the example is not certified after the check. */
  readonly errors: Uint8Array;
  /** The fast path's smallest margin min_{j≠y} −f_j (NaN where it did not certify). */
  readonly margins: Float64Array;
  /** The error bound E_j at that j (NaN where the fast path did not certify). */
  readonly errorBounds: Float64Array;
  /** Fast-path certificates whose margin was within the error bound (rechecked in float64 when the fast path ran in float32). */
  readonly borderline: Int32Array;
  /** Borderline examples the float64 recheck certified. */
  readonly rescued: Int32Array;
  /** Fast-path certificates withdrawn by the check (borderline and not rescued). */
  readonly withdrawn: Int32Array;
  /** Why a recheck could not run, if it could not (those examples are withdrawn). */
  readonly note?: string;
}

/** The rounding model for `dtype` with rounding depth D (see magnitude.ts). */
export function roundingModel(dtype: 'float32' | 'float64', depth: number, scale: number): RoundingModel {
  const unit = dtype === 'float32' ? 2 ** -24 : 2 ** -53;
  const tiny = dtype === 'float32' ? 2 ** -149 : 2 ** -1074;
  const Du = depth * unit;
  return { unit, gamma: Du < 0.5 ? Du / (1 - Du) : Infinity, floor: 2 * depth * tiny * Math.max(1, scale) };
}

/**
 * Checks the certificates of `logits` (`[B, K]`, from the fast path on net, X, ε) and returns the
 * sound verdict. `recompute` runs the same bound method in float64 for the borderline examples.
 */
export function soundCheck(net: DualizableNetwork, epsilon: EpsilonInput, X: Tensor, y: ArrayLike<number>, logits: Tensor, options: DualNetworkOptions, recompute: Recompute): SoundReport {
  const [B, K] = logits.shape as [number, number];
  const margins = new Float64Array(B).fill(NaN);
  const errorBounds = new Float64Array(B).fill(NaN);
  const candidates = Array.from({ length: B }, (_, b) => b).filter((b) => allNegative(logits, y, b));
  const dtype = X.dtype;
  const v = errorVectorFor(net.layers, X, epsilon, options, dtype);
  const borderline = candidates.filter((b) => !clears(logits.data, v.data, y, b, K, margins, errorBounds));
  const errors = new Uint8Array(B).fill(1);
  candidates.forEach((b) => (errors[b] = 0));
  let rescued: number[] = [];
  let note: string | undefined;
  if (borderline.length > 0 && dtype === 'float32') {
    try {
      rescued = recheck64(net, epsilon, X, y, options, borderline, recompute);
    } catch (e) {
      note = `float64 recheck failed: ${(e as Error).message}`;
    }
  }
  const withdrawn = borderline.filter((b) => !rescued.includes(b));
  withdrawn.forEach((b) => (errors[b] = 1));
  return { errors, margins, errorBounds, borderline: Int32Array.from(borderline), rescued: Int32Array.from(rescued), withdrawn: Int32Array.from(withdrawn), ...(note ? { note } : {}) };
}

/** The float64 tier: the examples of `borderline` whose float64 margin clears the float64 bound. */
function recheck64(net: DualizableNetwork, epsilon: EpsilonInput, X: Tensor, y: ArrayLike<number>, options: DualNetworkOptions, borderline: number[], recompute: Recompute): number[] {
  const net64 = float64Copy(net);
  // A training-mode BatchNorm2d normalises with the batch's statistics: recheck the whole batch then.
  const whole = net.layers.some((l) => l.kind === 'batchnorm2d' && l.training);
  const picked = whole ? Array.from({ length: X.shape[0]! }, (_, b) => b) : borderline;
  const X64 = indexSelect(X.to('float64'), 0, Int32Array.from(picked));
  const y64 = picked.map((b) => y[b]!);
  const eps64 = typeof epsilon === 'number' || epsilon.rank === 0 || epsilon.shape[0] === 1 ? epsilon : indexSelect(epsilon.to('float64'), 0, Int32Array.from(picked));
  const opts64 = subsetOptions(options, picked, X.shape[0]!);
  const logits64 = noGrad(() => recompute(net64, eps64, X64, y64, opts64));
  const v64 = errorVectorFor(net64.layers, X64, eps64, opts64, 'float64');
  const K = logits64.shape[1]!;
  const scratch = new Float64Array(picked.length);
  return picked.flatMap((b, i) => (borderline.includes(b) && allNegative(logits64, y64, i) && clears(logits64.data, v64.data, y64, i, K, scratch, scratch) ? [b] : []));
}

/** Box limits given per example follow the picked examples. */
function subsetOptions(options: DualNetworkOptions, picked: number[], B: number): DualNetworkOptions {
  const pick = (t: DualNetworkOptions['inputLower']): DualNetworkOptions['inputLower'] =>
    typeof t === 'number' || t === undefined || t.rank === 0 || t.shape[0] !== B || picked.length === B ? t : indexSelect(t.to('float64'), 0, Int32Array.from(picked));
  return { ...options, inputLower: pick(options.inputLower), inputUpper: pick(options.inputUpper) };
}

/** v `[B, K]` for the network's layers on X in precision `dtype`. */
function errorVectorFor(layers: readonly Layer[], X: Tensor, epsilon: EpsilonInput, options: DualNetworkOptions, dtype: 'float32' | 'float64'): Tensor {
  const sizes = noGrad(() => primalActivations(layers, X)).map((t) => sizeOf(t.shape.slice(1)));
  const depth = 2 * sizes.reduce((a, b) => a + b, 0) + 8 * layers.length + 64;
  const radius = radius64(epsilon, X);
  const scale = Math.max(...Array.from(X.data, Math.abs), ...Array.from(radius.data));
  const model = roundingModel(dtype, depth, scale);
  const v = errorVector(layers, X, radius, Tensor.scalar(inputRounding(epsilon, options, dtype), 'float64'), model);
  // The pass itself ran in float64 on non-negative terms: inflate by its own γ_D (and a margin).
  const inflate = 1 + 4 * depth * 2 ** -53 + 1e-15;
  return reshape(Tensor.from(Array.from(v.data, (e) => e * inflate), undefined, 'float64'), v.shape);
}

/** True when every j ≠ y has f_j < 0 (NaN fails). */
function allNegative(logits: Tensor, y: ArrayLike<number>, b: number): boolean {
  const K = logits.shape[1]!;
  for (let j = 0; j < K; j++) if (j !== y[b] && !(logits.data[b * K + j]! < 0)) return false;
  return true;
}

/** −f_j > E_j = v_y + v_j for every j ≠ y; records the smallest margin and its bound. */
function clears(f: ArrayLike<number>, v: ArrayLike<number>, y: ArrayLike<number>, b: number, K: number, margins: Float64Array, bounds: Float64Array): boolean {
  const label = y[b]!;
  let ok = true;
  for (let j = 0; j < K; j++) {
    if (j === label) continue;
    const margin = -f[b * K + j]!;
    const bound = v[b * K + label]! + v[b * K + j]!;
    if (!(margin > bound)) ok = false;
    if (!(margin >= margins[b]!)) { margins[b] = margin; bounds[b] = bound; }
  }
  return ok;
}

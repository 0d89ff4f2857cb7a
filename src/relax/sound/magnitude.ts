/**
 * The magnitude pass of the rounding analysis (docs/soundness.md, "How the sound check works"):
 * one forward pass per example of two non-negative vectors through the network with every weight
 * replaced by its absolute value, in float64.
 *
 * - n (magnitude): n_0 = |x| + ε; an affine layer gives n̂ = |W| n + |b|; a ReLU (leaky: times
 *   L = max(1, |α|)) gives n = n̂ + 2.02·|ℓ| (ℓ the bounds the run used, or 3.02·n̂ without them). Every term of every bound the relaxation algorithms compute
 *   for a unit — a product of weights and slopes in [0, 1] along a path, times |x| + ε, a bias or an
 *   earlier bound ℓ (the ReLU term; ×2 more for the backward form Σw[g]₊ − Σwg) — sums to at most
 *   n̂ at that unit, so the rounding error of any such bound is at most γ_D·n̂ (Higham, Thm 3.5 /
 *   Lemma 3.4: any order of summation, D = the longest chain of roundings).
 * - r (error carried forward): r_0 = the rounding of ε and the box limits to X's dtype; affine layers
 *   give r̂ = |W| r (BatchNorm adds 8u·n̂ for its rounded scale and shift); a ReLU adds its slack:
 *   with the computed bounds off by t̂ = r̂ + γ_D n̂, the relaxation chosen from them (active, dead or
 *   the chord, slope rounded by ≤ 4u) holds on the true range up to t̂ + 4u n̂, so
 *   r = 2 r̂ + (γ_D + 4u) n̂. An absolute term covers underflow.
 *
 * The robust logit f_j = −J(e_y − e_j) computed in floating point is then within
 * (r_L + γ_D n_L)[y] + (r_L + γ_D n_L)[j] of a valid bound for the real network with the stored weights.
 * @module
 */
import { abs, add, conv2d, matmul, minimum, mul, noGrad, reshape } from '../../autograd/index.js';
import type { BatchNorm2d } from '../../nn/batchnorm2d.js';
import type { Layer } from '../../nn/layer.js';
import { Tensor } from '../../tensor/tensor.js';
import { channelStatistics, primalActivations } from '../primal.js';
import { clampLikeMagnitude, maxPoolMagnitude } from './piecewise.js';

/** The floating-point model of one run: unit roundoff u, γ_D and the absolute underflow term per layer. */
export interface RoundingModel {
  /** u = 2⁻²⁴ (float32) or 2⁻⁵³ (float64). */
  readonly unit: number;
  /** γ_D = D·u / (1 − D·u) (∞ when D·u ≥ 1/2). */
  readonly gamma: number;
  /** Absolute error per unit and layer from underflow (2·D·η·max(1, max n), η the smallest subnormal). */
  readonly floor: number;
  /**
   * The pre-activation bounds are given (proved valid), not computed in this run: a ReLU then only
   * adds its slope rounding, r = r̂ + k·u·n̂ (the first tier of the sound check).
   */
  readonly boundsGiven?: boolean;
}

/** What {@link magnitudePass} returns. */
export interface MagnitudeResult {
  /** v `[B, K]` = r_L + γ_D n_L: E_j = v_y + v_j bounds the error of the robust logit f_j. */
  readonly output: Tensor;
  /** t̂ = r̂ + γ_D n̂ `[B, ...S]` at the input of each element-wise layer, in order: how far a computed bound there can be off. */
  readonly preActivation: readonly Tensor[];
}

/** n and r at one activation, `[B, ...S]` float64. */
interface Carried {
  readonly n: Tensor;
  readonly r: Tensor;
}

/** Layer kinds analysed only for bounds computed in the run (piecewise.ts), not for given bounds (tier 1). */
const COMPUTED_BOUNDS_ONLY: ReadonlySet<Layer['kind']> = new Set(['hardTanh', 'hardSigmoid', 'maxPool2d']);

/** |t| as float64 (exact). */
const abs64 = (t: Tensor): Tensor => abs(t.to('float64'));

/**
 * The per-output error vector v and the pre-activation errors t̂ (see the module comment).
 * @param layers - the network's layers (Sequential or DenseSequential order).
 * @param X - the batch as the bound computation saw it; @param radius - |ε| broadcastable to X (float64).
 * @param inputError - r_0: how far the true input set reaches past the one bounded (float64, broadcastable).
 */
export function magnitudePass(layers: readonly Layer[], X: Tensor, radius: Tensor, inputError: Tensor, model: RoundingModel, lowerBounds?: readonly Tensor[]): MagnitudeResult {
  const unanalysed = lowerBounds ? layers.find((l) => COMPUTED_BOUNDS_ONLY.has(l.kind)) : undefined;
  if (unanalysed) throw new Error(`sound check: no rounding analysis for layer kind '${unanalysed.kind}' with given bounds (tier 2 rechecks the whole bound)`);
  return noGrad(() => {
    const n0 = add(abs64(X), radius);
    const acts: Carried[] = [{ n: n0, r: add(mul(n0, 0), inputError) }];
    const needsPrimal = layers.some((l) => l.kind === 'batchnorm2d' && l.training);
    const primal = needsPrimal ? primalActivations(layers, X) : null;
    const preActivation: Tensor[] = [];
    const size = (t: Tensor): number => t.size / Math.max(1, t.shape[0]!);
    const depths = [2 * size(n0) + 64];
    layers.forEach((layer, i) => {
      const at = { ...model, gamma: gammaOf(depths[i]!, model) };
      depths.push(depths[i]! + contracted(layer, acts.map((a) => size(a.n))) + 8);
      if (layer.kind === 'relu' || layer.kind === 'leakyRelu') preActivation.push(errorOf(acts[acts.length - 1]!, at));
      acts.push(step(layer, acts, at, primal?.[i], lowerBounds?.[preActivation.length - 1]));
    });
    const B = X.shape[0]!;
    const out = { ...model, gamma: gammaOf(depths[layers.length]!, model) };
    return { output: reshape(errorOf(acts[acts.length - 1]!, out), [B, -1]), preActivation };
  });
}

/** r + γ_D n: how far a value computed at this activation can be from a valid one. */
function errorOf(at: Carried, model: RoundingModel): Tensor {
  return add(at.r, mul(at.n, model.gamma));
}

/**
 * The rounding depth D_p of a bound on activation p grows, per layer, by what the layer sums over:
 * an affine layer its input size (a Dense layer every entry's), an element-wise layer its own size
 * (its rows and its J term are summed over its units), plus 8 for the products; D_0 = 2|S_0| + 64
 * (the dual norm over the input, the sums over objects, a square root).
 */
function contracted(layer: Layer, sizes: readonly number[]): number {
  if (layer.kind !== 'dense') return sizes[sizes.length - 1]!;
  return layer.ws.reduce((a, w, j) => a + (w ? sizes[sizes.length - (layer.ws.length - j)]! : 0), 0);
}

/** γ_D = D·u / (1 − D·u), ∞ when D·u ≥ 1/2. */
function gammaOf(depth: number, model: RoundingModel): number {
  const Du = depth * model.unit;
  return Du < 0.5 ? Du / (1 - Du) : Infinity;
}

/** One layer of the pass. */
function step(layer: Layer, acts: readonly Carried[], model: RoundingModel, primalInput?: Tensor, lower?: Tensor): Carried {
  const last = acts[acts.length - 1]!;
  switch (layer.kind) {
    case 'linear':
    case 'conv2d':
    case 'identity':
      return affine(layer, last, model);
    case 'dense': {
      const parts = layer.ws.flatMap((w, j) => (w ? [affine(w, acts[acts.length - (layer.ws.length - j)]!, model)] : []));
      return { n: parts.map((p) => p.n).reduce((a, b) => add(a, b)), r: parts.map((p) => p.r).reduce((a, b) => add(a, b)) };
    }
    case 'batchnorm2d':
      return batchNorm(layer, last, model, primalInput);
    case 'relu':
      return activation(last, 1, 4, model, lower);
    case 'leakyRelu':
      return activation(last, Math.max(1, Math.abs(layer.negativeSlope)), 8, model, lower);
    case 'avgPool2d':
      return averagePool(layer.kernel, layer.stride, layer.padding, last, model);
    case 'hardTanh':
    case 'hardSigmoid':
    case 'maxPool2d':
      if (model.boundsGiven) break; // tier 1 has no analysis of these: its caller falls back to tier 2
      if (layer.kind === 'maxPool2d') return maxPoolMagnitude(last, { kernel: layer.kernel, stride: layer.stride, padding: layer.padding }, model);
      return layer.kind === 'hardTanh' ? clampLikeMagnitude(last, layer.minVal, layer.maxVal, model) : clampLikeMagnitude(last, -3, 3, model, 3);
    case 'flatten':
      return { n: reshape(last.n, [last.n.shape[0]!, -1]), r: reshape(last.r, [last.r.shape[0]!, -1]) };
    default:
  }
  throw new Error(`sound check: no rounding analysis for layer kind '${layer.kind}'${model.boundsGiven ? ' with given bounds' : ''} (certify with { sound: false } for unchecked float bounds)`);
}

/** n̂ = |W| n + |b|, r̂ = |W| r + floor for a Linear, Conv2d or Identity (a Dense entry). */
function affine(layer: Layer, at: Carried, model: RoundingModel): Carried {
  const floor = (t: Tensor): Tensor => add(t, model.floor);
  switch (layer.kind) {
    case 'identity':
      return at;
    case 'linear': {
      const W = abs64(layer.weight);
      const n = matmul(at.n, W, { transB: true });
      return { n: layer.bias ? add(n, abs64(layer.bias)) : n, r: floor(matmul(at.r, W, { transB: true })) };
    }
    case 'conv2d': {
      const W = abs64(layer.weight);
      const geometry = { stride: layer.stride, padding: layer.padding };
      return { n: conv2d(at.n, W, layer.bias ? abs64(layer.bias) : null, geometry), r: floor(conv2d(at.r, W, null, geometry)) };
    }
    default:
      throw new Error(`sound check: a Dense entry must be Linear, Conv2d or Identity, got ${layer.kind}`);
  }
}

/** AvgPool2d (count_include_pad) as the convolution with 1/k² on the channel diagonal; its rounded weight adds 2u·n̂. */
function averagePool(k: number, stride: number, padding: number, at: Carried, model: RoundingModel): Carried {
  const C = at.n.shape[1]!;
  const W = Tensor.zeros([C, C, k, k], 'float64');
  for (let c = 0; c < C; c++) W.data.fill((1 + 2 ** -20) / (k * k), (c * C + c) * k * k, (c * C + c + 1) * k * k);
  const n = conv2d(at.n, W, null, { stride, padding });
  return { n, r: add(add(conv2d(at.r, W, null, { stride, padding }), mul(n, 2 * model.unit)), model.floor) };
}

/** BatchNorm2d as the per-channel affine map the dual uses (eval: running statistics; training: the clean batch's). */
function batchNorm(layer: BatchNorm2d, at: Carried, model: RoundingModel, primalInput?: Tensor): Carried {
  const C = layer.numFeatures;
  const stats = layer.training ? channelStatistics(primalInput!) : { mu: layer.runningMean, variance: layer.runningVar };
  const mu = stats.mu.data;
  const variance = stats.variance.data;
  const scale = Tensor.zeros([1, C, 1, 1], 'float64');
  const shift = Tensor.zeros([1, C, 1, 1], 'float64');
  for (let c = 0; c < C; c++) {
    // |γ|/√(σ² + eps), inflated by 1e-6 for the float rounding of the statistics and the square root.
    const s = (Math.abs(layer.weight.data[c]!) / Math.sqrt(variance[c]! + layer.eps)) * (1 + 1e-6);
    scale.data[c] = s;
    shift.data[c] = Math.abs(layer.bias.data[c]!) + Math.abs(mu[c]!) * s;
  }
  const n = add(mul(at.n, scale), shift);
  return { n, r: add(add(mul(at.r, scale), mul(n, 8 * model.unit)), model.floor) };
}

/**
 * A ReLU-like unit with Lipschitz constant L and slope rounding of k = `slopeUlps` units:
 * n = L·(n̂ + 2.02·|ℓ|) with the bounds ℓ the computation used when they are known (the term's
 * endpoints), else 3.02·L·n̂ (|ℓ| ≤ n̂); r = L·(2 r̂ + (γ_D + k u) n̂) + floor, or
 * L·(r̂ + k u n̂) + floor with given (valid) bounds.
 */
function activation(at: Carried, L: number, slopeUlps: number, model: RoundingModel, lower?: Tensor): Carried {
  const term = lower ? mul(abs64(minimum(lower, 0)), 2.02) : mul(at.n, 2.02);
  const n = mul(add(at.n, reshape(term, at.n.shape)), L);
  const slack = model.boundsGiven ? add(at.r, mul(at.n, slopeUlps * model.unit)) : add(mul(at.r, 2), mul(at.n, model.gamma + slopeUlps * model.unit));
  return { n, r: add(mul(slack, L), model.floor) };
}

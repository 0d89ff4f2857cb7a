/**
 * The magnitude pass of the rounding analysis (docs/soundness.md, "How the sound check works"):
 * one forward pass per example of two non-negative vectors through the network with every weight
 * replaced by its absolute value, in float64.
 *
 * - n (magnitude): n_0 = |x| + ε; an affine layer gives n̂ = |W| n + |b|; a ReLU (leaky: times
 *   L = max(1, |α|)) gives n = 3.02·n̂. Every term of every bound the relaxation algorithms compute
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
import { abs, add, conv2d, matmul, mul, noGrad, reshape } from '../../autograd/index.js';
import type { BatchNorm2d } from '../../nn/batchnorm2d.js';
import type { Layer } from '../../nn/layer.js';
import { Tensor } from '../../tensor/tensor.js';
import { channelStatistics, primalActivations } from '../primal.js';

/** The floating-point model of one run: unit roundoff u, γ_D and the absolute underflow term per layer. */
export interface RoundingModel {
  /** u = 2⁻²⁴ (float32) or 2⁻⁵³ (float64). */
  readonly unit: number;
  /** γ_D = D·u / (1 − D·u) (∞ when D·u ≥ 1/2). */
  readonly gamma: number;
  /** Absolute error per unit and layer from underflow (2·D·η·max(1, max n), η the smallest subnormal). */
  readonly floor: number;
}

/** n and r at one activation, `[B, ...S]` float64. */
interface Carried {
  readonly n: Tensor;
  readonly r: Tensor;
}

/** |t| as float64 (exact). */
const abs64 = (t: Tensor): Tensor => abs(t.to('float64'));

/**
 * The per-output error vector v `[B, K]` = r_L + γ_D n_L (see the module comment).
 * @param layers - the network's layers (Sequential or DenseSequential order).
 * @param X - the batch as the bound computation saw it; @param radius - |ε| broadcastable to X (float64).
 * @param inputError - r_0: how far the true input set reaches past the one bounded (float64, broadcastable).
 */
export function errorVector(layers: readonly Layer[], X: Tensor, radius: Tensor, inputError: Tensor, model: RoundingModel): Tensor {
  return noGrad(() => {
    const n0 = add(abs64(X), radius);
    const acts: Carried[] = [{ n: n0, r: add(mul(n0, 0), inputError) }];
    const needsPrimal = layers.some((l) => l.kind === 'batchnorm2d' && l.training);
    const primal = needsPrimal ? primalActivations(layers, X) : null;
    layers.forEach((layer, i) => acts.push(step(layer, acts, model, primal?.[i])));
    const last = acts[acts.length - 1]!;
    const B = X.shape[0]!;
    return reshape(add(last.r, mul(last.n, model.gamma)), [B, -1]);
  });
}

/** One layer of the pass. */
function step(layer: Layer, acts: readonly Carried[], model: RoundingModel, primalInput?: Tensor): Carried {
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
      return activation(last, 1, 4, model);
    case 'leakyRelu':
      return activation(last, Math.max(1, Math.abs(layer.negativeSlope)), 8, model);
    case 'flatten':
      return { n: reshape(last.n, [last.n.shape[0]!, -1]), r: reshape(last.r, [last.r.shape[0]!, -1]) };
    default:
      throw new Error(`sound check: no rounding analysis for layer kind '${layer.kind}' (certify with { sound: false } for unchecked float bounds)`);
  }
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

/** A ReLU-like unit with Lipschitz constant L and slope rounding of `slopeUlps`·u: n = 3.02·L·n̂, r = L·(2 r̂ + (γ_D + k u) n̂) + floor. */
function activation(at: Carried, L: number, slopeUlps: number, model: RoundingModel): Carried {
  const n = mul(at.n, 3.02 * L);
  const r = add(mul(add(mul(at.r, 2), mul(at.n, model.gamma + slopeUlps * model.unit)), L), model.floor);
  return { n, r };
}

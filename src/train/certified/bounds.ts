/**
 * The bound computation certified training consumes, typed like the shared interface
 * `computeBounds(net, X, perturbation, { method, labels })` of `src/relax`. {@link intervalBounds}
 * is interval bound propagation (Gowal et al. 2018) over a Sequential of Linear / Conv2d / ReLU /
 * Flatten in centre–radius form: an affine layer maps (μ, r) to (Wμ + b, |W| r); a ReLU maps
 * [μ − r, μ + r] to [relu(μ − r), relu(μ + r)]. The last Linear is merged with the specification
 * c_j = e_y − e_j (W' = cᵀW, b' = cᵀb) before its interval step, as the IBP paper and auto_LiRPA
 * do, so `lower` is [B, K] with row y zero. Everything is on the tape (differentiable).
 * @module
 */
import { abs, add, clamp, conv2d, linear, matmul, mul, relu, reshape, sub } from '../../autograd/index.js';
import type { Layer, Module } from '../../nn/index.js';
import type { DType } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';

/** Pre-activation bounds of one nonlinear layer, [B, ...S]. */
export interface LayerBounds { readonly name: string; readonly lower: Tensor; readonly upper: Tensor }

/** What a bound computation returns (the shared `BoundResult`). */
export interface CertifiedBounds {
  /** [B, K] lower bound of c_j·f(x') over the set, c_j = e_y − e_j (row y is 0). */
  readonly lower: Tensor;
  readonly layers: readonly LayerBounds[];
  /** CROWN-IBP: the pure IBP bound of the same c. */
  readonly ibpLower?: Tensor;
}

/** The l∞ ball the bounds hold over, optionally intersected with a box (the shared `Perturbation`). */
export interface LinfPerturbation {
  readonly norm: 'linf' | 'l2';
  readonly epsilon: number | Tensor;
  readonly box?: { readonly lower: number | Tensor; readonly upper: number | Tensor };
}

/** A bound computation with the shared signature. */
export type BoundFunction = (net: Module, X: Tensor, perturbation: LinfPerturbation, options: { method: 'ibp' | 'crown-ibp'; labels: ArrayLike<number> }) => CertifiedBounds;

/** Specification matrices c_j = e_y − e_j, [B, K, K] (row y all zero). */
export function specification(labels: ArrayLike<number>, classes: number, dtype: DType = 'float32'): Tensor {
  const B = labels.length;
  const spec = Tensor.zeros([B, classes, classes], dtype);
  const c = spec.data;
  for (let b = 0; b < B; b++) {
    const y = labels[b]!;
    if (!Number.isInteger(y) || y < 0 || y >= classes) throw new RangeError(`labels[${b}] = ${y} is not a class index in [0, ${classes})`);
    for (let j = 0; j < classes; j++) {
      if (j === y) continue;
      c[(b * classes + j) * classes + y] = 1;
      c[(b * classes + j) * classes + j] = -1;
    }
  }
  return spec;
}

/** Interval bound propagation (see the module doc); l∞ only. */
export const intervalBounds: BoundFunction = (net, X, perturbation, options) => {
  if (perturbation.norm !== 'linf') throw new Error(`intervalBounds: only the l∞ norm, got ${perturbation.norm}`);
  const layers = sequentialLayers(net);
  const { lower: lo, upper: hi } = inputBox(X, perturbation);
  let mu = mul(add(lo, hi), 0.5);
  let r = mul(sub(hi, lo), 0.5);
  const found: LayerBounds[] = [];
  for (let i = 0; i < layers.length - 1; i++) [mu, r] = step(layers[i]!, String(i), mu, r, found);
  const head = layers[layers.length - 1]!;
  if (head.kind !== 'linear') throw new Error(`intervalBounds: the last layer must be Linear, got ${head.kind}`);
  const c = specification(options.labels, head.weight.shape[0]!, head.weight.dtype);
  const W = matmul(c, head.weight);                                     // [B, K, in]
  const centre = matmul(W, reshape(mu, [mu.shape[0]!, -1, 1]));          // [B, K, 1]
  const radius = matmul(abs(W), reshape(r, [r.shape[0]!, -1, 1]));
  let lower = reshape(sub(centre, radius), [mu.shape[0]!, c.shape[1]!]);
  if (head.bias) lower = add(lower, reshape(matmul(c, reshape(head.bias, [-1, 1])), [mu.shape[0]!, c.shape[1]!]));
  return { lower, layers: found };
};

/** The input box [max(X − ε, box.lower), min(X + ε, box.upper)] of an l∞ perturbation, on the tape. */
export function inputBox(X: Tensor, perturbation: LinfPerturbation): { lower: Tensor; upper: Tensor } {
  let lower = sub(X, perturbation.epsilon);
  let upper = add(X, perturbation.epsilon);
  if (perturbation.box) {
    lower = maxOf(lower, perturbation.box.lower);
    upper = minOf(upper, perturbation.box.upper);
  }
  return { lower, upper };
}

/** One interval step (centre μ, radius r) through `layer`; ReLUs record their input bounds. */
function step(layer: Layer, name: string, mu: Tensor, r: Tensor, found: LayerBounds[]): [Tensor, Tensor] {
  switch (layer.kind) {
    case 'linear': return [linear(mu, layer.weight, layer.bias), linear(r, abs(layer.weight))];
    case 'conv2d': {
      const opts = { stride: layer.stride, padding: layer.padding };
      return [conv2d(mu, layer.weight, layer.bias, opts), conv2d(r, abs(layer.weight), null, opts)];
    }
    case 'relu': {
      const lower = sub(mu, r);
      const upper = add(mu, r);
      found.push({ name, lower, upper });
      const l = relu(lower);
      const u = relu(upper);
      return [mul(add(u, l), 0.5), mul(sub(u, l), 0.5)];
    }
    case 'flatten': return [reshape(mu, [mu.shape[0]!, -1]), reshape(r, [r.shape[0]!, -1])];
    default: throw new Error(`intervalBounds: layer ${name} (${layer.kind}) is not supported`);
  }
}

const maxOf = (a: Tensor, b: number | Tensor): Tensor => (typeof b === 'number' ? clamp(a, b) : add(b, relu(sub(a, b))));
const minOf = (a: Tensor, b: number | Tensor): Tensor => (typeof b === 'number' ? clamp(a, -Infinity, b) : sub(b, relu(sub(b, a))));

function sequentialLayers(net: Module): readonly Layer[] {
  const { kind, layers } = net as { kind?: string; layers?: readonly Layer[] };
  if (kind !== 'sequential' || !layers) throw new Error('intervalBounds: needs a Sequential network');
  return layers;
}

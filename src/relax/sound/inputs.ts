/**
 * What the sound check needs about the inputs of a bound computation: ε as a float64 tensor, how
 * far rounding ε and the box limits to X's precision moved the set, and a float64 copy of a network.
 * @module
 */
import { reshape } from '../../autograd/index.js';
import type { DenseSequential } from '../../nn/dense-sequential.js';
import { describeModel, modelFromDescription } from '../../nn/describe.js';
import type { Sequential } from '../../nn/sequential.js';
import { Tensor } from '../../tensor/tensor.js';
import type { EpsilonInput } from '../inputs/epsilon.js';
import type { DualNetworkOptions } from '../network.js';

/** ε ≥ 0 as a float64 tensor broadcastable to X `[B, ...S_0]` (a `[B]` tensor becomes `[B, 1, …]`). */
export function radius64(epsilon: EpsilonInput, X: Tensor): Tensor {
  if (typeof epsilon === 'number') return Tensor.scalar(epsilon, 'float64');
  const e = epsilon.to('float64');
  return e.rank === 1 && X.rank > 1 ? reshape(e, [e.shape[0]!, ...X.shape.slice(1).map(() => 1)]) : e;
}

/**
 * The largest change that rounding ε and the box limits to `dtype` can make to the set, per
 * coordinate: each is an interval per coordinate, so a point of the true set lies this close to the
 * set that was bounded. 0 in float64 (JS numbers and float32 tensors convert exactly).
 */
export function inputRounding(epsilon: EpsilonInput, options: DualNetworkOptions, dtype: 'float32' | 'float64'): number {
  if (dtype === 'float64') return 0;
  const moved = (v: number | Tensor | undefined): number => {
    if (v === undefined) return 0;
    if (typeof v === 'number') return Math.abs(v - Math.fround(v));
    if (v.dtype === 'float32') return 0;
    return Array.from(v.data).reduce((m, x) => Math.max(m, Math.abs(x - Math.fround(x))), 0);
  };
  return Math.max(moved(epsilon), moved(options.inputLower), moved(options.inputUpper));
}

/** A float64 copy of `net` (same layers, weights converted exactly, same training mode per layer). */
export function float64Copy<N extends Sequential | DenseSequential>(net: N): Sequential | DenseSequential {
  const copy = modelFromDescription(describeModel(net)).to('float64');
  copy.loadStateDict(net.stateDict());
  copy.layers.forEach((layer, i) => layer.train(net.layers[i]!.training));
  return copy;
}


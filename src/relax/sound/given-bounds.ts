/**
 * The dual objective J(c) of a network whose pre-activation bounds are given instead of computed
 * (Wong & Kolter 2018, Thm 1 holds for any valid bounds ℓ ≤ ẑ ≤ u): the sound check's first tier
 * evaluates it in float64 with the fast path's float32 bounds widened by their proved error, so
 * only one backward pass of K rows is recomputed, not the per-unit bounds.
 * @module
 */
import { neg, reshape } from '../../autograd/index.js';
import type { Layer } from '../../nn/layer.js';
import type { Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { dualOf } from '../dual-of.js';
import type { Bounds, DualLayer, DualObject } from '../dual.js';
import type { EpsilonInput } from '../inputs/epsilon.js';
import { backSubstitute, inputSet, objectiveTerms, type DualNetworkOptions } from '../network.js';
import { primalActivations } from '../primal.js';

/**
 * −J(c) `[B, K]` for c `[B, K, ...S_L]` on the layers (already expanded, in X's precision), with
 * `bounds[k]` `[B, ...S]` on the input of the k-th element-wise layer (ReLU or leaky ReLU), in order.
 */
export function negatedObjectiveWithBounds(layers: readonly Layer[], X: Tensor, epsilon: EpsilonInput, options: DualNetworkOptions, bounds: readonly Bounds[], c: Tensor): Tensor {
  const shapes: Shape[] = [X.shape.slice(1)];
  const duals: DualLayer[] = [];
  const placed: { object: DualObject; position: number }[] = [{ object: inputSet(X, epsilon, options), position: 0 }];
  let next = 0;
  let clean: Tensor[] | null = null;
  layers.forEach((layer, i) => {
    const context = {
      shapes,
      options,
      dtype: X.dtype,
      preActivationBounds: (): Bounds => {
        const b = bounds[next++];
        if (!b) throw new Error(`negatedObjectiveWithBounds: no bounds given for element-wise layer ${next - 1}`);
        return b;
      },
      primalInput: (): Tensor => (clean ??= primalActivations(layers, X))[i]!,
    };
    const dual = dualOf(layer, context);
    duals.push(dual);
    shapes.push(dual.outShape);
    if (!dual.inert) placed.push({ object: dual, position: i + 1 });
  });
  const L = duals.length;
  const [B, K] = c.shape as [number, number];
  const nus = backSubstitute(duals, shapes, neg(reshape(c, [B, K, ...shapes[L]!])));
  return neg(objectiveTerms(placed, nus));
}

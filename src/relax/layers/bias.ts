/**
 * The bias term of an affine layer `z_{i+1} = W z_i + b_i` (Linear, Conv2d, a Dense member,
 * and — for the next operator — BatchNorm's shift). In J it contributes `−ν_{i+1}·b̃_i`
 * (Wong & Kolter 2018, eq. 9, the `Σ ν_{i+1}ᵀ b_i` sum); in the bounds of a later layer it
 * contributes the bias carried there by the linear parts in between, `A b̃_i`, on both sides.
 * `b̃_i` is the full bias: `b` broadcast to the output shape (a conv bias repeated over H×W).
 * @module
 */
import { matmul, neg, reshape } from '../../autograd/index.js';
import { sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Bounds, DualLayer, DualObject } from '../dual.js';
import type { RowBlock } from '../rows/row-block.js';

/** The bias of one affine layer and its image at every later activation. */
export class BiasTerm implements DualObject {
  readonly inert = false;
  /** `history[t]` is the bias carried t layers past its own layer, `[B | 1, ...S]`. */
  private readonly history: Tensor[];

  /** @param fullBias - b̃ at the layer output, `[1, ...S_out]` (differentiable: a parameter view). */
  constructor(private readonly fullBias: Tensor) {
    this.history = [fullBias];
  }

  /** Carries the bias through the linear part of `layer` (biases are never re-added). */
  apply(layer: DualLayer): void {
    this.history.push(layer.forward(this.history));
  }

  /** The carried bias `A b̃`, the same on both sides: `[B | 1, ...S]`. */
  bounds(): Bounds {
    const carried = this.history[this.history.length - 1]!;
    return [carried, carried];
  }

  /** From backward rows: the bias seen by each unit m of z_p, `g_out,m · b̃` on both sides. */
  rowBounds(rows: RowBlock): Bounds {
    const carried = rows.dot(this.fullBias);
    return [carried, carried];
  }

  /** `−⟨ν_out, b̃⟩` per example and column: ν_out `[B, K, ...S_out]` → `[B, K]`. */
  objective(nu: Tensor): Tensor {
    const [B, K] = nu.shape as [number, number];
    const n = sizeOf(this.fullBias.shape);
    const flatNu = reshape(nu, [B, K, n]);
    return neg(reshape(matmul(flatNu, reshape(this.fullBias, [n, 1])), [B, K]));
  }
}

/**
 * Dual of a 2-D convolution `z_{i+1} = W ⊛ z_i + b` (Wong & Kolter 2018, §3: a convolution is a
 * linear map, so ν̂_i = Wᵀ ν_{i+1} is the transposed convolution). The transpose is the exact
 * adjoint for any stride and padding: it is computed for the known input shape, so inputs where
 * `(H + 2p − k)` is not a multiple of the stride (where the original's `conv_transpose2d` comes
 * back one row short) work too. The bias term is `−⟨ν_{i+1}, b̃⟩` with b̃ = b repeated over H×W.
 * @module
 */
import { conv2d, conv2dAdjoint, convSpec, expand, reshape } from '../../autograd/index.js';
import type { Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { inertTerm, leadingAxes, type Bounds, type DualLayer, type DualObject } from '../dual.js';
import type { RowBlock } from '../rows/row-block.js';
import { BiasTerm } from './bias.js';

/** Stride and zero padding of a convolution, `[height, width]` each. */
export interface ConvGeometry {
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
}

/** `x ↦ W ⊛ x` on `[..., C, H, W]` columns, with the full bias (if any) as its term. */
export class DualConv2d implements DualLayer {
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly reads = [1] as const;
  private readonly term: DualObject;

  /**
   * @param weight - W `[O, C, kh, kw]` (a parameter).
   * @param bias - b `[O]`, or null (then the dual is inert).
   * @param geometry - stride and padding of the primal layer.
   * @param inShape - the per-example input shape `[C, H, W]`.
   */
  constructor(readonly weight: Tensor, bias: Tensor | null, readonly geometry: ConvGeometry, inShape: Shape) {
    if (inShape.length !== 3) throw new Error(`DualConv2d: input shape must be [C, H, W], got [${inShape.join(', ')}]`);
    const spec = convSpec([1, ...inShape], weight.shape, geometry);
    this.inShape = [...inShape];
    this.outShape = [spec.outChannels, spec.outHeight, spec.outWidth];
    if (bias && (bias.rank !== 1 || bias.shape[0] !== spec.outChannels)) {
      throw new Error(`DualConv2d: bias must be [${spec.outChannels}], got [${bias.shape.join(', ')}]`);
    }
    this.term = bias ? new BiasTerm(this.fullBias(bias)) : inertTerm;
  }

  /** True without a bias: the layer then adds no term to J or to later bounds. */
  get inert(): boolean {
    return this.term.inert;
  }

  /** Columns `[..., C, H, W]` ↦ `W ⊛ x`: `[..., O, Ho, Wo]` (no bias). */
  forward(xs: readonly Tensor[]): Tensor {
    const x = xs[xs.length - 1]!;
    const lead = leadingAxes(x, this.inShape, 'DualConv2d.forward');
    const flat = reshape(x, [-1, ...this.inShape]);
    return reshape(conv2d(flat, this.weight, null, this.geometry), [...lead, ...this.outShape]);
  }

  /** ν at z_{i+1} `[B, K, O, Ho, Wo]` ↦ `Wᵀ ν` `[B, K, C, H, W]` (the adjoint, output padding included). */
  T(nu: Tensor): Tensor {
    const lead = leadingAxes(nu, this.outShape, 'DualConv2d.T');
    const flat = reshape(nu, [-1, ...this.outShape]);
    const back = conv2dAdjoint(flat, this.weight, [flat.shape[0]!, ...this.inShape], this.geometry);
    return reshape(back, [...lead, ...this.inShape]);
  }

  /** Carries the bias through a later layer. */
  apply(layer: DualLayer): void {
    this.term.apply(layer);
  }

  /** The bias carried to the current activation, on both sides. */
  bounds(): Bounds {
    return this.term.bounds();
  }

  /** The bias seen by each unit of a later z_p, from backward rows (the network calls it only when not inert). */
  rowBounds(rows: readonly RowBlock[]): Bounds {
    return this.term.rowBounds!(rows);
  }

  /** `−⟨ν_{i+1}, b̃⟩`: `[B, K]`. */
  objective(nus: readonly Tensor[]): Tensor {
    return this.term.objective(nus);
  }

  /** b̃ `[1, O, Ho, Wo]`: the channel bias repeated over the output grid (gradient sums back). */
  private fullBias(bias: Tensor): Tensor {
    return expand(reshape(bias, [1, bias.size, 1, 1]), [1, ...this.outShape]);
  }
}

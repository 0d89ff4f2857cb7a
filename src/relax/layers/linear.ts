/**
 * Dual of a fully connected layer `z_{i+1} = W z_i + b` (Wong & Kolter 2018, eq. 9: the
 * backward step ν̂_i = W_iᵀ ν_{i+1} and the bias term −ν_{i+1}ᵀ b_i). W is `[out, in]`
 * (PyTorch layout); its bias term lives in a {@link BiasTerm}.
 * @module
 */
import { matmul, reshape } from '../../autograd/index.js';
import type { Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { inertTerm, leadingAxes, type DualObject } from '../dual.js';
import { BiasTerm } from './bias.js';
import { TermLayer } from './layer-base.js';

/** `x ↦ W x` on the last axis, with the bias `b` (if any) as its term. */
export class DualLinear extends TermLayer {
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly reads = [1] as const;
  protected readonly term: DualObject;

  /**
   * @param weight - W `[out, in]` (a parameter: gradients flow into it).
   * @param bias - b `[out]`, or null for a layer without bias (then the dual is inert).
   */
  /** Capability: W `[out, in]`, a dense linear map. */
  get matrix(): Tensor { return this.weight; }
  /** Capability: |W| multiply-adds per vector. */
  get vectorCost(): number { return this.weight.size; }

  constructor(readonly weight: Tensor, bias: Tensor | null) {
    super();
    if (weight.rank !== 2) throw new Error(`DualLinear: weight must be [out, in], got [${weight.shape.join(', ')}]`);
    const [out, inp] = weight.shape as [number, number];
    if (bias && (bias.rank !== 1 || bias.shape[0] !== out)) {
      throw new Error(`DualLinear: bias must be [${out}], got [${bias.shape.join(', ')}]`);
    }
    this.inShape = [inp];
    this.outShape = [out];
    this.term = bias ? new BiasTerm(reshape(bias, [1, out])) : inertTerm;
  }

  /** Columns `[..., in]` at z_i ↦ `W x`: `[..., out]` at z_{i+1} (no bias). */
  forward(xs: readonly Tensor[]): Tensor {
    const x = xs[xs.length - 1]!;
    return this.mapLastAxis(x, this.inShape[0]!, this.outShape[0]!, true);
  }

  /** ν at z_{i+1} `[B, K, out]` ↦ `Wᵀ ν`: `[B, K, in]`. */
  T(nu: Tensor): Tensor {
    return this.mapLastAxis(nu, this.outShape[0]!, this.inShape[0]!, false);
  }

  /** `x W̃ᵀ` (forward, W̃ = W) or `x W` (transpose) over the last axis, keeping leading axes. */
  private mapLastAxis(x: Tensor, from: number, to: number, forward: boolean): Tensor {
    const lead = leadingAxes(x, [from], forward ? 'DualLinear.forward' : 'DualLinear.T');
    const rows = lead.reduce((a, b) => a * b, 1);
    const flat = reshape(x, [rows, from]);
    const out = matmul(flat, this.weight, { transB: forward });
    return reshape(out, [...lead, to]);
  }
}

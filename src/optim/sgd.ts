/**
 * Stochastic gradient descent with PyTorch's semantics (`torch.optim.SGD`, dampening 0,
 * nesterov off), used by the original's CIFAR runs (momentum 0.9, weight decay 5e-4):
 *
 *   d ← g + λ p                                   (L2 weight decay λ)
 *   b ← d on the first step, else b ← μ b + d      (momentum μ > 0 only)
 *   p ← p − lr · (μ > 0 ? b : d)
 * @module
 */
import type { TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkNonNegative, Optimizer } from './optimizer.js';

/** Options of {@link SGD}. */
export interface SgdOptions {
  /** Learning rate (required, as in PyTorch). */
  lr: number;
  /** Momentum μ ≥ 0 (default 0: plain SGD). */
  momentum?: number;
  /** L2 penalty λ added to the gradient as λ p (default 0). */
  weightDecay?: number;
}

/** SGD with optional momentum buffers (one per parameter, in its dtype). */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly weightDecay: number;
  private readonly buffers = new Map<Tensor, TypedArray>();

  constructor(params: Iterable<Tensor>, options: SgdOptions) {
    super(params, options.lr);
    this.momentum = options.momentum ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    checkNonNegative('SGD', 'momentum', this.momentum);
    checkNonNegative('SGD', 'weightDecay', this.weightDecay);
  }

  /** One update of every parameter with a gradient. */
  step(): void {
    for (const p of this.params) {
      if (!p.grad) continue;
      const d = this.decayedGradient(p, p.grad, this.weightDecay);
      const direction = this.momentum === 0 ? d : this.updateBuffer(p, d);
      const x = p.data;
      for (let i = 0; i < x.length; i++) x[i] = x[i]! - this.lr * direction[i]!;
    }
  }

  /**
   * Copies of the momentum buffers, in `params` order (`null` before a parameter's first step or
   * without momentum), for a checkpoint; {@link SGD.importState} restores them.
   */
  exportState(): (TypedArray | null)[] {
    return this.params.map((p) => this.buffers.get(p)?.slice() ?? null);
  }

  /**
   * Restores buffers saved by {@link SGD.exportState} (copied into the parameters' dtype).
   * @throws Error naming the entry when the count or a length does not match the parameters.
   */
  importState(buffers: readonly (ArrayLike<number> | null)[]): void {
    if (buffers.length !== this.params.length) throw new Error(`SGD.importState: ${buffers.length} entries for ${this.params.length} parameters`);
    this.buffers.clear();
    buffers.forEach((b, i) => {
      if (!b) return;
      const p = this.params[i]!;
      if (b.length !== p.size) throw new Error(`SGD.importState: entry ${i} has ${b.length} values for a parameter of ${p.size}`);
      this.buffers.set(p, p.data instanceof Float64Array ? Float64Array.from(b) : Float32Array.from(b));
    });
  }

  /** b ← d (first step) or μ b + d; returns b. */
  private updateBuffer(p: Tensor, d: TypedArray): TypedArray {
    const b = this.buffers.get(p);
    if (!b) {
      const first = d.slice(); // d may be the gradient's own array; the buffer is updated in place later
      this.buffers.set(p, first);
      return first;
    }
    for (let i = 0; i < b.length; i++) b[i] = this.momentum * b[i]! + d[i]!;
    return b;
  }
}

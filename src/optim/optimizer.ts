/**
 * The optimizer base: a fixed list of parameter tensors, a mutable learning rate (schedulers
 * set it), `step()` updating the parameters' values in place from their `.grad`, and
 * `zeroGrad()`. Updates never write into a `.grad` tensor: the tape may share one gradient
 * tensor between several leaves.
 * @module
 */
import type { TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/** Base of {@link Adam} and {@link SGD}. */
export abstract class Optimizer {
  /** The parameters, in the order given (e.g. `module.parameters()`). */
  readonly params: readonly Tensor[];
  private learningRate: number;

  /**
   * @param params - parameter tensors; each must require a gradient and appear once.
   * @param lr - the learning rate, ≥ 0.
   */
  constructor(params: Iterable<Tensor>, lr: number) {
    this.params = [...params];
    if (this.params.length === 0) throw new Error(`${this.constructor.name}: params is empty`);
    if (new Set(this.params).size !== this.params.length) throw new Error(`${this.constructor.name}: a parameter appears twice in params`);
    this.params.forEach((p, i) => {
      if (!p.requiresGrad) throw new Error(`${this.constructor.name}: params[${i}] ${p.toString()} does not require grad`);
    });
    checkNonNegative(this.constructor.name, 'lr', lr);
    this.learningRate = lr;
  }

  /** Current learning rate. */
  get lr(): number { return this.learningRate; }
  set lr(value: number) {
    checkNonNegative(this.constructor.name, 'lr', value);
    this.learningRate = value;
  }

  /** One update of every parameter that has a gradient (parameters with `grad === null` are skipped). */
  abstract step(): void;

  /** Drops every parameter's gradient (PyTorch `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /**
   * `grad + weightDecay · param` in the parameter's dtype (the L2 term of the loss). Without decay
   * and with matching dtypes this is the gradient's own array — read it, never write into it;
   * otherwise a new array.
   */
  protected decayedGradient(p: Tensor, grad: Tensor, weightDecay: number): TypedArray {
    if (grad.size !== p.size) throw new Error(`${this.constructor.name}: gradient ${grad.toString()} does not match parameter ${p.toString()}`);
    const wide = p.data instanceof Float64Array;
    if (weightDecay === 0 && wide === grad.data instanceof Float64Array) return grad.data;
    const out = wide ? new Float64Array(p.size) : new Float32Array(p.size);
    out.set(grad.data);
    if (weightDecay !== 0) for (let i = 0; i < out.length; i++) out[i]! += weightDecay * p.data[i]!;
    return out;
  }
}

/** Throws naming the option unless `value` is a finite number ≥ 0. */
export function checkNonNegative(owner: string, name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new Error(`${owner}: ${name} must be a finite number >= 0, got ${value}`);
}

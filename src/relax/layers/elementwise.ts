/**
 * What every element-wise dual shares (Wong & Kolter 2018, §3: an element-wise layer relaxed by
 * parallel lines is `x ↦ D x + t` with D = diag(d) and a free offset t in a box on the crossing
 * units): the diagonal linear part, written once. forward multiplies carried columns by d (per
 * example; row-form columns by their example's d), T multiplies ν by d (D is its own transpose),
 * and the operator declares the `diagonal` capability so backward rows stay on windows through it.
 * A subclass adds only its term of J and of the bounds (ReLU: `Σ ℓ_j [ν_j]_+`; LeakyReLU: the
 * offset box).
 * @module
 */
import { indexSelect, mul, unsqueeze } from '../../autograd/index.js';
import type { Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { leadingAxes, type Bounds, type DualLayer, type RowExamples } from '../dual.js';

/** The diagonal part of an element-wise dual, from slopes d `[B, ...S]` and the crossing units' flat indices. */
export abstract class ElementwiseDual implements DualLayer {
  readonly reads = [1] as const;
  readonly inShape: Shape;
  readonly outShape: Shape;
  /** No crossing unit anywhere in the batch: D still applies, but there is no term. */
  readonly inert: boolean;

  /**
   * @param slopes - d `[B, ...S]` (differentiable).
   * @param crossingIndex - flat indices b·n + j of the units with a term, row-major.
   * @param label - the class name, for shape errors.
   */
  constructor(private readonly slopes: Tensor, readonly crossingIndex: Int32Array, private readonly label: string) {
    this.inShape = slopes.shape.slice(1);
    this.outShape = this.inShape;
    this.inert = crossingIndex.length === 0;
  }

  /** Capability: element-wise, with the per-example slopes d `[B, ...S]`. */
  get diagonal(): Tensor {
    return this.slopes;
  }

  /** Capability: one forward column per crossing unit of the batch, per example. */
  get forwardColumns(): { count: number; shared: boolean } {
    return { count: this.crossingIndex.length, shared: false };
  }

  /** Batch size B. */
  protected get batch(): number {
    return this.slopes.shape[0]!;
  }

  /** The example of each crossing unit. */
  protected rowExamples(): RowExamples {
    const n = this.slopes.size / this.batch;
    return this.crossingIndex.map((i) => Math.floor(i / n));
  }

  /** The unit of each crossing row within its example. */
  protected units(): Int32Array {
    const n = this.slopes.size / this.batch;
    return this.crossingIndex.map((i) => i % n);
  }

  /**
   * `D x`: columns `[B', ...S]` times d; `[B', P, ...S]` times d per example; row-form columns
   * `[R, ...S]` (with `rows`) times the slopes of each row's example.
   */
  forward(xs: readonly Tensor[], rows?: RowExamples): Tensor {
    const x = xs[xs.length - 1]!;
    const lead = leadingAxes(x, this.inShape, `${this.label}.forward`);
    if (rows) return mul(indexSelect(this.slopes, 0, rows), x);
    return lead.length > 1 ? mul(unsqueeze(this.slopes, 1), x) : mul(this.slopes, x);
  }

  /** ν at the output `[B, K, ...S]` ↦ `D ν` (ν at its input). */
  T(nu: Tensor): Tensor {
    leadingAxes(nu, this.outShape, `${this.label}.T`);
    return mul(unsqueeze(this.slopes, 1), nu);
  }

  /** Carries this layer's bound columns through a later layer. */
  abstract apply(layer: DualLayer): void;
  /** This layer's contribution to a later layer's bounds. */
  abstract bounds(): Bounds;
  /** This layer's term of J from ν at its output, `[B, K]`. */
  abstract objective(nu: Tensor): Tensor;
}

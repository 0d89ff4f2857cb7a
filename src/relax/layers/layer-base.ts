/**
 * Shared halves of the dual layers. An affine layer's `DualObject` side is its bias term alone
 * (`−ν_{i+1}·b`, a {@link BiasTerm}, or {@link inertTerm} without bias): {@link TermLayer}
 * forwards those four methods to it. A pure view (identity, reshape) adds no term at all:
 * {@link ViewLayer} is inert and its object methods are the inert ones, never called by the network.
 * @module
 */
import type { Shape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { inertTerm, type Bounds, type DualLayer, type DualObject, type RowExamples } from '../dual.js';
import type { RowBlock } from '../rows/row-block.js';

/** A dual layer whose contribution to bounds and to J is that of one term (its bias, or none). */
export abstract class TermLayer implements DualLayer {
  abstract readonly inShape: Shape;
  abstract readonly outShape: Shape;
  abstract readonly reads: readonly number[];
  /** The layer's term: a bias term, or {@link inertTerm}. */
  protected abstract readonly term: DualObject;

  /** The linear map on columns (see {@link DualLayer.forward}). */
  abstract forward(xs: readonly Tensor[], rows?: RowExamples): Tensor;
  /** Its adjoint (see {@link DualLayer.T}). */
  abstract T(nu: Tensor, offset?: number): Tensor;

  /** True without a bias: the layer then adds no term to J or to later bounds. */
  get inert(): boolean {
    return this.term.inert;
  }

  /** Carries the bias through a later layer. */
  apply(layer: DualLayer): void {
    this.term.apply(layer);
  }

  /** The bias carried to the current activation, `[B | 1, ...S]`, on both sides. */
  bounds(): Bounds {
    return this.term.bounds();
  }

  /** The bias seen by each unit of a later z_p, from backward rows (the network calls it only when not inert). */
  rowBounds(rows: RowBlock): Bounds {
    return this.term.rowBounds!(rows);
  }

  /** `−⟨ν_{i+1}, b̃⟩`: `[B, K]`. */
  objective(nu: Tensor): Tensor {
    return this.term.objective(nu);
  }
}

/** A layer that only moves data (identity, reshape): inert, so the network never calls its object methods. */
export abstract class ViewLayer implements DualLayer {
  readonly inert = true;
  readonly reads = [1] as const;
  abstract readonly inShape: Shape;
  abstract readonly outShape: Shape;

  /** The view on columns (see {@link DualLayer.forward}). */
  abstract forward(xs: readonly Tensor[]): Tensor;
  /** The inverse view (see {@link DualLayer.T}). */
  abstract T(nu: Tensor): Tensor;

  /** Inert: nothing to carry (the network never calls this). */
  apply(): void {
    inertTerm.apply(this);
  }

  /** Inert: throws (the network never calls this). */
  bounds(): Bounds {
    return inertTerm.bounds();
  }

  /** Inert: throws (the network never calls this). */
  objective(nu: Tensor): Tensor {
    return inertTerm.objective(nu);
  }
}

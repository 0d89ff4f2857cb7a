/**
 * The contract of the dual network (Wong & Kolter, ICML 2018, §3; NeurIPS 2018, §3.1, the
 * modular form). The dual objective of a network `z_{i+1} = f_i(z_0..z_i)` is
 *
 *   J(c) = Σ_affine −ν_{i+1}·b_i  +  Σ_ReLU Σ_{j∈I_i} ℓ_ij [ν_ij]_+  +  (input term, e.g. −ν_0·x − ε‖ν_0‖_1)
 *
 * with ν_L = −c and ν_i = Σ_{layers reading z_i} Wᵀ ν_out (eq. 9 of the ICML paper). Each
 * term comes from one {@link DualObject}; each layer's linear part is a {@link DualLayer}.
 *
 * Shapes. A per-example activation shape is `S_i`. Forward *columns* carried by an object have
 * shape `[B', ...S_i]` (one vector per example, `B'` = B or 1 = broadcast over the batch),
 * `[B', P, ...S_i]` (P columns per example) or `[R, ...S_i]` (one row per crossing ReLU unit,
 * each row tagged with its example by a {@link RowExamples} index). Backward ν tensors have
 * shape `[B, K, ...S_i]` for K objective vectors c.
 * @module
 */
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { RowBlock } from './rows/row-block.js';

/** `[lower, upper]`: a contribution to the bounds on a pre-activation, each `[B' , ...S]`. */
export type Bounds = readonly [lower: Tensor, upper: Tensor];

/**
 * For row-form columns `[R, ...S]` (one row per crossing ReLU unit over the whole batch):
 * `rows[r]` is the example the row belongs to. Element-wise duals (ReLU) need it to pick that
 * example's slopes.
 */
export type RowExamples = Int32Array;

/**
 * One term of the dual objective together with the forward columns it needs to bound later
 * pre-activations (the input set, a layer's bias, a ReLU's crossing set).
 *
 * Objects that add nothing (a layer without bias, a ReLU whose crossing set is empty, a
 * reshape) are `inert`: {@link DualNetwork} never calls their `apply`, `bounds` or `objective`.
 * That is the one place where a missing term is handled.
 */
export interface DualObject {
  /** True when this object contributes nothing to bounds or to J. */
  readonly inert: boolean;
  /**
   * Advances the object's cached columns through `layer` (appends `layer.forward(history)`), so
   * that they live at that layer's output.
   */
  apply(layer: DualLayer): void;
  /**
   * The object's contribution `[lower, upper]` to the bounds on the activation its columns
   * currently live at, each of shape `[B | 1, ...S]` (summed over all objects by the network).
   */
  bounds(): Bounds;
  /**
   * The object's term of J(c), shape `[B, K]`, from `nu`: ν at the activation this object
   * lives at, `[B, K, ...S]` — its layer's output z_i (a bias, a ReLU's crossing set, which read
   * ν̂ there, not the ν at the layer input that a Dense skip may add to), or x for the input set
   * (ν_0). The network hands each object its own ν by position ({@link objectiveTerms}).
   */
  objective(nu: Tensor): Tensor;
  /**
   * The same contribution as {@link bounds}, to the bounds on a later activation z_p, computed
   * from backward rows instead of forward columns: `rows` holds the images g of the one-hot rows
   * of z_p's units at this object's activation (the same place as `nu` in {@link objective}).
   * The bound on unit m is its term of J(±e_m) with ν = ∓g. Returns `[B | 1, ...S_p]` each.
   * Absent on objects whose bounds are estimates (random projections): those bound forwards only.
   */
  rowBounds?(rows: RowBlock): Bounds;
  /**
   * Capability: the forward columns this object carries for the whole batch (the input set: |S_0|
   * columns shared by every example until an element-wise layer; an element-wise layer: one per
   * crossing unit, per example). Absent: one shared column (a bias). Read by the cost estimate.
   */
  readonly forwardColumns?: { readonly count: number; readonly shared: boolean };
}

/** A convolution's kernel `[O, C, kh, kw]` and its stride and zero padding, `[height, width]` each. */
export interface Convolution {
  readonly weight: Tensor;
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
}

/**
 * The linear part of one layer (its bias, if any, is its {@link DualObject} term). A layer may
 * read several earlier activations (a `Dense` skip connection): `reads` lists the offsets m ≥ 1
 * it reads, m = 1 being its direct input z_{i−1} and m the output z_{i−m}.
 */
export interface DualLayer extends DualObject {
  /** Per-example shape of the direct input z_{i−1}. */
  readonly inShape: Shape;
  /** Per-example shape of the output z_i. */
  readonly outShape: Shape;
  /** Offsets of the earlier activations this layer reads (each ≥ 1, without repeats). */
  readonly reads: readonly number[];
  /**
   * The linear map applied to a history of columns: `xs.at(-m)` lives at z_{i−m}. Entries that
   * reach before `xs[0]` are skipped (the quantity did not exist there). Leading (column) axes
   * are kept: `[..., ...S_in] → [..., ...S_out]`. `rows` tags row-form columns with examples.
   */
  forward(xs: readonly Tensor[], rows?: RowExamples): Tensor;
  /**
   * The adjoint of the map from the input at `offset` (default 1): ν at z_i `[B, K, ...S_out]`
   * ↦ its contribution Wᵀν to ν at z_{i−offset}. The network sums the contributions of every
   * layer reading an activation (the skip connections of `Dense`).
   */
  T(nu: Tensor, offset?: number): Tensor;
  /**
   * Capabilities, which algorithms ask instead of testing classes (all optional):
   * - `vectorCost`: multiply-adds to map one vector through the linear part (absent: |S_out|,
   *   an element-wise map);
   * - `matrix`: a dense linear map's weight W `[out, in]` (Wᵀ e_m is row m, W e_i column i);
   * - `convolution`: a convolution's kernel and geometry (rows of Wᵀ stay on windows);
   * - `diagonal`: an element-wise layer's per-example slopes d `[B, ...S]` (D = diag(d));
   * - `identity`: the map is the identity (rows and windows pass unchanged).
   */
  readonly vectorCost?: number;
  readonly matrix?: Tensor;
  readonly convolution?: Convolution;
  readonly diagonal?: Tensor;
  readonly identity?: boolean;
}

/**
 * The null object for layers without a term (no bias, empty crossing set, reshapes): `inert`,
 * and its methods throw because the network never calls them.
 */
export const inertTerm: DualObject = Object.freeze({
  inert: true,
  apply(): void {
    // Nothing to advance: inert objects cache no columns.
  },
  bounds(): Bounds {
    throw new Error('inert dual object: bounds() is never called by DualNetwork (it skips inert objects)');
  },
  objective(): Tensor {
    throw new Error('inert dual object: objective() is never called by DualNetwork (it skips inert objects)');
  },
});

/** Number of leading (column) axes of `x` in front of a per-example shape `shape`. */
export function leadingAxes(x: Tensor, shape: Shape, what: string): readonly number[] {
  const lead = x.rank - shape.length;
  const tail = x.shape.slice(lead);
  if (lead < 1 || tail.some((d, i) => d !== shape[i])) {
    throw new Error(`${what}: expected a tensor [..., ${shape.join(', ')}], got [${x.shape.join(', ')}]`);
  }
  return x.shape.slice(0, lead);
}

/**
 * The dual of any element-wise layer relaxed by two parallel lines, σ(x) ∈ d·x + t with
 * t ∈ [t⁻, t⁺] on the crossing units (Wong & Kolter 2018, §3; for the ReLU t⁻ = 0, t⁺ = −dℓ).
 * "Affine map plus a box of offsets" gives everything (docs/extending.md):
 *
 * - forward and T: `D x`, `D ν` ({@link ElementwiseDual});
 * - J term: `min_t −ν̂·t = −Σ_{j∈I} ([ν̂_j]_+ t⁺_j + [ν̂_j]_- t⁻_j)`, ν̂ = ν at the layer output;
 * - bound term for a later unit m, a_jm = ∂z_m/∂t_j carried forward as one row per crossing unit
 *   (or read from backward rows): `Σ_j (t⁻_j [a_jm]_+ + t⁺_j [a_jm]_-)` below and
 *   `Σ_j (t⁺_j [a_jm]_+ + t⁻_j [a_jm]_-)` above.
 *
 * A new element-wise operator of the dual is then only its relaxation function returning
 * {@link ParallelLines} (LeakyReLU: `relaxLeakyRelu`, HardTanh: `relaxHardTanhSameSlope`).
 * @module
 */
import { add, clamp, indexAdd, indexSelect, matmul, mul, neg, reshape, scatterAdd, sub } from '../../autograd/index.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Bounds, DualLayer, RowExamples } from '../dual.js';
import { oneHotImages } from '../rows/one-hot.js';
import type { RowBlock } from '../rows/row-block.js';
import { ElementwiseDual } from './elementwise.js';

/** A same-slope relaxation over a batch, σ(x) ∈ d·x + t with t ∈ [t⁻, t⁺]; tensors are `[B, ...S]`. */
export interface ParallelLines {
  /** Slopes d (differentiable in ℓ and u). */
  readonly d: Tensor;
  /** t⁻ and t⁺, the offset interval of each unit (0 where the unit has no term). */
  readonly offsetLow: Tensor;
  readonly offsetHigh: Tensor;
  /** Flat indices b·n + j of the units with a term (every unit whose offsets are not both 0), row-major. */
  readonly crossingIndex: Int32Array;
}

/** `x ↦ D x + t`, t ∈ [t⁻, t⁺] on the crossing units (D from {@link ElementwiseDual}). */
export class DualParallelLines extends ElementwiseDual {
  /** Rows `[R, ...S_t]`: the unit vector of each crossing unit, carried forward (built on the first apply). */
  private readonly columns: Tensor[] = [];
  private readonly rows: RowExamples;
  /** t⁻, t⁺ of each row, `[R, 1]`. */
  private readonly rowLow: Tensor;
  private readonly rowHigh: Tensor;
  private widthCache: Tensor | null = null;
  private lowIsZero: boolean | null = null;

  /**
   * @param relaxation - slopes, offset intervals and crossing set (e.g. from `relaxLeakyRelu`).
   * @param label - the operator's name, for shape errors.
   */
  constructor(readonly relaxation: ParallelLines, label = 'DualParallelLines') {
    super(relaxation.d, relaxation.crossingIndex, label);
    const { d, crossingIndex } = relaxation;
    const R = crossingIndex.length;
    this.rows = this.rowExamples();
    const perRow = (t: Tensor): Tensor => reshape(indexSelect(reshape(t, [d.size]), 0, crossingIndex), [R, 1]);
    this.rowLow = perRow(relaxation.offsetLow);
    this.rowHigh = perRow(relaxation.offsetHigh);
  }

  /** The R unit columns e_j `[R, ...S]` (the offsets enter at the layer output). */
  private unitColumns(): Tensor {
    const { d, crossingIndex } = this.relaxation;
    const R = crossingIndex.length;
    const eye = scatterAdd(Tensor.ones([R, 1], d.dtype), 1, { data: this.units(), shape: [R, 1] }, [R, d.size / d.shape[0]!]);
    return reshape(eye, [R, ...this.inShape]);
  }

  /** Carries the crossing units' rows through a later layer. */
  apply(layer: DualLayer): void {
    if (this.columns.length === 0) {
      this.columns.push(this.unitColumns());
      const images = oneHotImages(layer, this.relaxation.d.dtype); // W e_j is column j of W: read off the weight
      if (images) {
        this.columns.push(reshape(indexSelect(images, 0, this.units()), [this.rows.length, ...layer.outShape]));
        return;
      }
    }
    this.columns.push(layer.forward(this.columns, this.rows));
  }

  /** Per example: `[Σ t⁻[a]_+ + t⁺[a]_-, Σ t⁺[a]_+ + t⁻[a]_-]` over its rows, `[B, ...S_t]`. */
  bounds(): Bounds {
    const V = this.columns[this.columns.length - 1] ?? this.unitColumns();
    const flat = reshape(V, [V.shape[0]!, -1]);
    const [pos, negative] = [clamp(flat, 0), clamp(flat, -Infinity, 0)];
    const B = this.relaxation.d.shape[0]!;
    const collapse = (perRow: Tensor): Tensor => reshape(indexAdd(perRow, 0, this.rows, [B, flat.shape[1]!]), [B, ...V.shape.slice(1)]);
    const lower = add(mul(this.rowLow, pos), mul(this.rowHigh, negative));
    const upper = add(mul(this.rowHigh, pos), mul(this.rowLow, negative));
    return [collapse(lower), collapse(upper)];
  }

  /**
   * The same contributions from backward rows g (at the layer output, a_jm = g_mj):
   * with [g]_- = g − [g]_+, lower `t⁺·g − (t⁺ − t⁻)·[g]_+` and upper `(t⁺ − t⁻)·[g]_+ + t⁻·g`.
   */
  rowBounds(g: RowBlock): Bounds {
    const { offsetLow, offsetHigh } = this.relaxation;
    this.widthCache ??= sub(offsetHigh, offsetLow);
    this.lowIsZero ??= offsetLow.data.every((v) => v === 0); // α ≤ 1: the kink line is the lower one
    const spread = g.positiveDot(this.widthCache);
    return [sub(g.dot(offsetHigh), spread), this.lowIsZero ? spread : add(spread, g.dot(offsetLow))];
  }

  /** `−Σ_{j∈I} ([ν̂_j]_+ t⁺_j + [ν̂_j]_- t⁻_j)`, ν̂ = `nu` at the output: `[B, K]`. */
  objective(nu: Tensor): Tensor {
    const [B, K] = nu.shape as [number, number];
    const n = nu.size / (B * K);
    const flat = reshape(nu, [B, K, n]);
    const atHigh = matmul(clamp(flat, 0), reshape(this.relaxation.offsetHigh, [B, n, 1]));
    const atLow = matmul(clamp(flat, -Infinity, 0), reshape(this.relaxation.offsetLow, [B, n, 1]));
    return reshape(neg(add(atHigh, atLow)), [B, K]);
  }
}


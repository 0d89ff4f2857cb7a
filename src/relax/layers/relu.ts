/**
 * Dual of a ReLU given bounds ℓ ≤ ẑ ≤ u on its input (Wong & Kolter 2018, eq. 5 and Thm 1).
 * Inactive units (u ≤ 0) pass nothing, active ones (ℓ ≥ 0) pass everything, and a crossing unit
 * j ∈ I (ℓ_j < 0 < u_j) is relaxed to the triangle, whose dual is the diagonal slope
 * d_j = u_j/(u_j − ℓ_j) plus the term Σ_{j∈I} ℓ_j [ν_j]_+ in J. Everything is differentiable
 * in ℓ and u (the reference gradients go through the bounds); only the masks are constants.
 *
 * {@link ReluDualBase} holds what every ReLU dual shares (d, the mask, forward/T, the exact J
 * term); {@link DualReLU} adds the exact bound term, one row-form column per crossing unit.
 * A projected variant (random Cauchy columns) extends the base the same way.
 * @module
 */
import { clamp, compare, div, indexAdd, indexSelect, matmul, mul, neg, reshape, scatterAdd, sub, where } from '../../autograd/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Bounds, DualLayer, RowExamples } from '../dual.js';
import { ElementwiseDual } from './elementwise.js';
import type { RowBlock } from '../rows/row-block.js';
import { oneHotImages } from '../rows/one-hot.js';
import { failClosedSlopes } from '../finite.js';

/** The relaxation of one ReLU layer over a batch; tensors are `[B, ...S]`. */
export interface ReluRelaxation {
  /** ℓ, the lower bound on the pre-activation (differentiable). */
  readonly lower: Tensor;
  /** u, the upper bound (differentiable). */
  readonly upper: Tensor;
  /** Slopes: 1 active, 0 inactive, u/(u − ℓ) crossing (differentiable on I). */
  readonly d: Tensor;
  /** 1 on the crossing set I = {ℓ < 0 < u}, else 0 (constant). */
  readonly crossing: Tensor;
  /** Flat indices b·n + j of the crossing units, row-major (batch, then unit). */
  readonly crossingIndex: Int32Array;
}

/**
 * Slopes and crossing set from the bounds. On I the denominator u − ℓ > 0; elsewhere it is
 * replaced by 1 before dividing, so no u = ℓ ever yields 0/0 (nor a NaN gradient).
 */
export function relaxRelu(lower: Tensor, upper: Tensor): ReluRelaxation {
  const crossing = mul(compare('gt', upper, 0), compare('lt', lower, 0));
  const active = compare('ge', lower, 0);
  const safeGap = where(crossing, sub(upper, lower), 1);
  // Fail closed (src/relax/finite.ts): a unit with a non-finite bound or width gets slope NaN, never 0.
  const d = failClosedSlopes(lower, upper, where(crossing, div(upper, safeGap), active));
  const index: number[] = [];
  crossing.data.forEach((v, i) => { if (v !== 0) index.push(i); });
  return { lower, upper, d, crossing, crossingIndex: Int32Array.from(index) };
}

/** What every ReLU dual shares: the diagonal map D = diag(d) ({@link ElementwiseDual}) and the exact J term. */
export abstract class ReluDualBase extends ElementwiseDual {
  /** @param relaxation - slopes, crossing set and bounds from {@link relaxRelu}. */
  constructor(readonly relaxation: ReluRelaxation) {
    super(relaxation.d, relaxation.crossingIndex, 'DualReLU');
  }

  /**
   * The ReLU term of J: `Σ_{j∈I} ℓ_j [ν_j]_+` with ν = D ν̂, ν̂ = `nuOut` being ν at the ReLU
   * output (the paper's `Σ ℓ_j [ν_j]_+`): `[B, K, ...S]` → `[B, K]`. Not ν at its input: when a
   * Dense skip also reads the ReLU's input, ν there includes that linear path, which the
   * relaxation must not see.
   */
  objective(nuOut: Tensor): Tensor {
    const nu = this.T(nuOut);
    const [B, K] = nu.shape as [number, number];
    const n = nu.size / (B * K);
    const lowerOnI = reshape(mul(this.relaxation.lower, this.relaxation.crossing), [B, n, 1]);
    return reshape(matmul(clamp(reshape(nu, [B, K, n]), 0), lowerOnI), [B, K]);
  }
}

/**
 * The exact ReLU dual: for each crossing unit j (over the whole batch, R rows) it carries the
 * column d_j e_j forward; a later pre-activation m then gets, per example b,
 * `lower += Σ_{j∈I_b} ℓ_j [−V_jm]_+` and `upper −= Σ_{j∈I_b} ℓ_j [V_jm]_+` (V = carried columns).
 * The columns are built on the first `apply` only (bounds computed from backward rows never need
 * them), and their image through a Linear or Conv2d layer is read off its weight
 * (W d_j e_j = d_j W[:, j], see {@link oneHotImages}).
 */
export class DualReLU extends ReluDualBase {
  /** Carried columns `[R, ...S_t]`, one entry per layer since this ReLU (empty until the first apply). */
  private readonly columns: Tensor[] = [];
  /** Example of each row. */
  private readonly rows: RowExamples;
  /** ℓ_j of each row's unit, `[R, 1]`. */
  private readonly lowerRows: Tensor;
  private slopedLowerCache: Tensor | null = null;

  /** Indexes the R = |I| crossing units (the columns d_j e_j themselves are built lazily). */
  constructor(relaxation: ReluRelaxation) {
    super(relaxation);
    const { crossingIndex, d, lower } = relaxation;
    this.rows = this.rowExamples();
    this.lowerRows = reshape(indexSelect(reshape(lower, [d.size]), 0, crossingIndex), [crossingIndex.length, 1]);
  }

  /** Carries the R columns through `layer` (a later ReLU scales each row by its example's d). */
  apply(layer: DualLayer): void {
    if (this.columns.length === 0) {
      this.columns.push(this.unitColumns());
      const images = oneHotImages(layer, this.relaxation.d.dtype);
      if (images) {
        const R = this.relaxation.crossingIndex.length;
        this.columns.push(reshape(mul(this.slopeRows(), indexSelect(images, 0, this.units())), [R, ...layer.outShape]));
        return;
      }
    }
    this.columns.push(layer.forward(this.columns, this.rows));
  }

  /** Per-example `[lower, upper]` contributions `[B, ...S_t]`, summed over each example's rows. */
  bounds(): Bounds {
    const V = this.columns[this.columns.length - 1] ?? this.unitColumns();
    const shape = V.shape.slice(1);
    const flat = reshape(V, [V.shape[0]!, -1]);
    const collapse = (perRow: Tensor): Tensor =>
      reshape(indexAdd(mul(this.lowerRows, perRow), 0, this.rows, [this.batch, flat.shape[1]!]), [this.batch, ...shape]);
    return [collapse(clamp(neg(flat), 0)), neg(collapse(clamp(flat, 0)))];
  }

  /**
   * The same contributions from backward rows: with g = `rows` (at the ReLU output) and
   * w = ℓ ⊙ 1_I ⊙ d ≤ 0, `Σ_j ℓ_j [−d_j g_j]_+ = Σ w [g]_+ − Σ w g` and `−Σ_j ℓ_j [d_j g_j]_+ = −Σ w [g]_+`.
   */
  rowBounds(g: RowBlock): Bounds {
    this.slopedLowerCache ??= mul(mul(this.relaxation.lower, this.relaxation.crossing), this.relaxation.d);
    const positive = g.positiveDot(this.slopedLowerCache);
    return [sub(positive, g.dot(this.slopedLowerCache)), neg(positive)];
  }

  /** d_j of each row, `[R, 1]`. */
  private slopeRows(): Tensor {
    const { crossingIndex, d } = this.relaxation;
    return reshape(indexSelect(reshape(d, [d.size]), 0, crossingIndex), [crossingIndex.length, 1]);
  }

  /** The R columns d_j e_j, `[R, ...S]`. */
  private unitColumns(): Tensor {
    const R = this.relaxation.crossingIndex.length;
    const n = this.relaxation.d.size / this.batch;
    const eye = scatterAdd(this.slopeRows(), 1, { data: this.units(), shape: [R, 1] }, [R, n]);
    return reshape(eye, [R, ...this.inShape]);
  }
}

/** Builds the exact ReLU dual from pre-activation bounds `[B, ...S]`. */
export function dualRelu(lower: Tensor, upper: Tensor): DualReLU {
  if (lower.rank < 2 || lower.shape.some((s, i) => s !== upper.shape[i]) || lower.rank !== upper.rank) {
    throw new Error(`dualRelu: bounds must share a shape [B, ...S], got [${lower.shape.join(', ')}] and [${upper.shape.join(', ')}]`);
  }
  return new DualReLU(relaxRelu(lower, upper));
}


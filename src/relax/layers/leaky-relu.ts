/**
 * Dual of the leaky ReLU σ(x) = max(x, 0) + α·min(x, 0) — the worked example of
 * docs/extending.md, built the way Wong & Kolter (2018, §3, eq. 5 and Thm 1) relax the ReLU.
 *
 * Given bounds ℓ ≤ x ≤ u on the input: a unit with ℓ ≥ 0 is the identity (slope 1), one with
 * u ≤ 0 is linear with slope α, and a crossing unit j ∈ I (ℓ < 0 < u) is enclosed between two
 * parallel lines of the chord's slope s = (u − αℓ)/(u − ℓ), one through the kink (0, 0) and the
 * chord itself (through (ℓ, αℓ) and (u, u)):
 *
 *   σ(x) ∈ s·x + t,  t ∈ [t⁻, t⁺] = [min(0, β), max(0, β)],  β = (α − s)·ℓ.
 *
 * (For α ≤ 1, σ is convex and the kink line lies below, β ≥ 0; for α > 1 it is concave and the
 * roles swap.) So the layer is the affine map `x ↦ D x + t` with D = diag(slopes) and a free
 * offset t in a box, and its dual is:
 *
 * - forward and T: `D x`, `D ν` (D is diagonal);
 * - J term: `min_t −ν̂·t = −Σ_{j∈I} ([ν̂_j]_+ t⁺_j + [ν̂_j]_- t⁻_j)` with ν̂ = ν at the layer output;
 * - bound term for a later unit m, with a_jm = ∂z_m/∂t_j carried forward as one row per
 *   crossing unit: `Σ_j (t⁻_j [a_jm]_+ + t⁺_j [a_jm]_-)` below and
 *   `Σ_j (t⁺_j [a_jm]_+ + t⁻_j [a_jm]_-)` above.
 *
 * With α = 0 this is exactly the ReLU dual (s = d = u/(u − ℓ), t⁺ = −dℓ). Slopes and offsets are
 * differentiable in ℓ and u; the crossing mask is a constant. No division by zero: on I,
 * u − ℓ > 0, and elsewhere the denominator is replaced before dividing.
 * @module
 */
import { clamp, compare, div, indexAdd, indexSelect, matmul, maximum, minimum, mul, reshape, scatterAdd, sub, where, add, neg } from '../../autograd/index.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Bounds, DualLayer, RowExamples } from '../dual.js';
import { ElementwiseDual } from './elementwise.js';
import { oneHotImages } from '../rows/one-hot.js';
import type { RowBlock } from '../rows/row-block.js';
import { failClosedSlopes } from '../finite.js';

/** The relaxation of one leaky-ReLU layer over a batch; tensors are `[B, ...S]`. */
export interface LeakyReluRelaxation {
  /** Slopes: 1 (ℓ ≥ 0), α (u ≤ 0), s = (u − αℓ)/(u − ℓ) (crossing). */
  readonly d: Tensor;
  /** t⁻ and t⁺, the offset interval on crossing units (0 elsewhere). */
  readonly offsetLow: Tensor;
  readonly offsetHigh: Tensor;
  /** Flat indices b·n + j of the crossing units, row-major. */
  readonly crossingIndex: Int32Array;
}

/** Slopes and offset intervals from the bounds ℓ, u `[B, ...S]` for negative slope α. */
export function relaxLeakyRelu(lower: Tensor, upper: Tensor, alpha: number): LeakyReluRelaxation {
  const crossing = mul(compare('gt', upper, 0), compare('lt', lower, 0));
  const outside = where(compare('ge', lower, 0), Tensor.scalar(1, lower.dtype), alpha);
  const chord = div(sub(upper, mul(lower, alpha)), where(crossing, sub(upper, lower), 1));
  // Fail closed (src/relax/finite.ts): a unit with a non-finite bound or width gets slope NaN.
  const d = failClosedSlopes(lower, upper, where(crossing, chord, outside));
  const beta = where(crossing, mul(sub(alpha, d), lower), 0);
  const crossingIndex: number[] = [];
  crossing.data.forEach((v, i) => { if (v !== 0) crossingIndex.push(i); });
  return { d, offsetLow: minimum(beta, 0), offsetHigh: maximum(beta, 0), crossingIndex: Int32Array.from(crossingIndex) };
}

/** `x ↦ D x + t`, t ∈ [t⁻, t⁺] on the crossing units (D from {@link ElementwiseDual}). */
export class DualLeakyReLU extends ElementwiseDual {
  /** Rows `[R, ...S_t]`: the unit vector of each crossing unit, carried forward (built on the first apply). */
  private readonly columns: Tensor[] = [];
  private readonly rows: RowExamples;
  /** t⁻, t⁺ of each row, `[R, 1]`. */
  private readonly rowLow: Tensor;
  private readonly rowHigh: Tensor;
  private widthCache: Tensor | null = null;
  private lowIsZero: boolean | null = null;

  /** @param relaxation - slopes, offset intervals and crossing set from {@link relaxLeakyRelu}. */
  constructor(readonly relaxation: LeakyReluRelaxation) {
    super(relaxation.d, relaxation.crossingIndex, 'DualLeakyReLU');
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

/** Builds the leaky-ReLU dual from pre-activation bounds `[B, ...S]` and the negative slope α. */
export function dualLeakyRelu(lower: Tensor, upper: Tensor, alpha: number): DualLeakyReLU {
  if (lower.rank < 2 || lower.rank !== upper.rank || lower.shape.some((s, i) => s !== upper.shape[i])) {
    throw new Error(`dualLeakyRelu: bounds must share a shape [B, ...S], got [${lower.shape.join(', ')}] and [${upper.shape.join(', ')}]`);
  }
  return new DualLeakyReLU(relaxLeakyRelu(lower, upper, alpha));
}

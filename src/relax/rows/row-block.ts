/**
 * Backward rows: the bounds on a pre-activation z_p computed backwards, one row per unit m of z_p
 * (as CROWN does, Zhang et al. 2018), instead of forwards from the columns of every earlier
 * object (Wong & Kolter 2018, Alg. 1). Both evaluate the same dual objective: the bound on unit
 * m is J(±e_m) of the network cut at z_p, so they give the same numbers for different work.
 *
 * A {@link RowBlock} holds `g_t`, the images of the one-hot rows e_m at an earlier activation z_t
 * (`g_t = A_{p←t}ᵀ e_m`, ReLUs replaced by their slopes D; ν_t = −g_t for c = e_m), as a tensor
 * `[B', P, Q, F]` (`B'` = 1 while no ReLU lies between t and p, else B): P groups of Q rows that
 * share the F entries they can be non-zero on. Dense rows have P = 1, Q = |z_p|, F = |z_t|;
 * windowed rows (a chain of convolutions) have P = positions of z_p, Q = its channels and F a
 * window of z_t. The object terms of J only need three contractions of a block with an image of
 * z_t (`[B | 1, ...S_t]`), each returned per unit of z_p, `[B* , ...S_p]`:
 * `dot` Σ g·x, `positiveDot` Σ [g]_+·x and `norm` ‖g‖ (optionally weighted), all by {@link rowDot}
 * (a fused kernel: the [B, rows, F] tensors |g|, [g]_+ are not materialised only to be reduced).
 * @module
 */
import { permute, reshape, scatterAdd, slice, square } from '../../autograd/index.js';
import type { DType } from '../../tensor/dtype.js';
import type { Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { safeSqrt, type DualNorm } from '../norms.js';
import { rowDot } from './row-dot.js';
import type { WindowGrid } from './window-grid.js';

/** The rows `g_t` of the units of z_p at an activation z_t. */
export abstract class RowBlock {
  /** Per-example shape of z_p (whose units the rows are). */
  abstract readonly target: Shape;
  /** `g_t` as `[B', P, Q, F]`. */
  abstract get values(): Tensor;
  /** An image of z_t, `[B'' , ...S_t]`, in the row layout `[B'', P, F]`. */
  abstract gather(image: Tensor): Tensor;
  /** Per-row numbers `[B*, P, Q]` as an activation of z_p, `[B*, ...S_p]`. */
  abstract toActivation(perRow: Tensor): Tensor;

  private readonly gathered = new Map<Tensor, Tensor>();

  /** `Σ_j g_mj x_j` for every unit m: `[B* , ...S_p]`. */
  dot(image: Tensor): Tensor {
    return this.toActivation(rowDot(this.values, this.layout(image), 'identity'));
  }

  /** `Σ_j [g_mj]_+ x_j` for every unit m (the ReLU and box terms). */
  positiveDot(image: Tensor): Tensor {
    return this.toActivation(rowDot(this.values, this.layout(image), 'relu'));
  }

  /**
   * The dual norm of every row, `‖g_m‖_1` or `‖g_m‖_2`, or with per-coordinate weights w ≥ 0
   * (`[B | 1, ...S_t]`) `Σ_j w_j |g_mj|` or `sqrt(Σ_j (w_j g_mj)²)`: `[B', ...S_p]`.
   */
  norm(kind: DualNorm, weight?: Tensor): Tensor {
    if (kind === 'l1') return this.toActivation(rowDot(this.values, weight ? this.layout(weight) : null, 'abs'));
    return this.toActivation(safeSqrt(rowDot(this.values, weight ? this.gather(square(weight)) : null, 'square')));
  }

  /** {@link gather}, once per image (a term often contracts the same image twice). */
  protected layout(image: Tensor): Tensor {
    let laid = this.gathered.get(image);
    if (!laid) this.gathered.set(image, (laid = this.gather(image)));
    return laid;
  }
}

/** Rows over the whole of z_t: `columns` `[B', N_p, ...S_t]` (the layout `DualLayer.T` takes), rows in z_p's order. */
export class DenseRows extends RowBlock {
  constructor(readonly columns: Tensor, readonly target: Shape) {
    super();
  }

  get values(): Tensor {
    const [B, rows] = this.columns.shape as [number, number];
    return reshape(this.columns, [B, 1, rows, this.columns.size / (B * rows)]);
  }

  gather(image: Tensor): Tensor {
    return reshape(image, [image.shape[0]!, 1, -1]);
  }

  toActivation(perRow: Tensor): Tensor {
    return reshape(perRow, [perRow.shape[0]!, ...this.target]);
  }
}

/** Rows kept on windows of z_t: `values` `[B', P, Q, F]` for P positions and Q channels of z_p (a conv output). */
export class WindowRows extends RowBlock {
  constructor(readonly values: Tensor, readonly grid: WindowGrid, readonly target: Shape) {
    super();
  }

  gather(image: Tensor): Tensor {
    return this.grid.gather(image);
  }

  /**
   * The same rows over the whole of z_t, `[B', N_p, ...S_t]` in z_p's row order (channel, y, x):
   * each window is added into a zero image (entries outside the image land in a dropped slot).
   */
  toDense(): DenseRows {
    const [B, P, Q, F] = this.values.shape as [number, number, number, number];
    const N = this.grid.imageSize;
    const rows = B * Q * P;
    const windowIndex = this.grid.index;
    const index = new Int32Array(rows * F);
    for (let r = 0; r < rows; r++) index.set(windowIndex.subarray((r % P) * F, (r % P + 1) * F), r * F);
    const byRow = reshape(permute(this.values, [0, 2, 1, 3]), [rows, F]);
    const placed = scatterAdd(byRow, 1, { data: index, shape: [rows, F] }, [rows, N + 1]);
    return new DenseRows(reshape(slice(placed, 1, 0, N), [B, Q * P, ...this.grid.shape]), this.target);
  }

  /** `[B*, P, Q]` with P = (y, x) and Q = channel → `[B*, Q, H, W]`. */
  toActivation(perRow: Tensor): Tensor {
    const [C, H, W] = this.target as [number, number, number];
    return permute(reshape(perRow, [perRow.shape[0]!, H, W, C]), [0, 3, 1, 2]);
  }
}

/** The one-hot rows at z_p itself (g_p = I): every contraction is the image itself. */
export class IdentityRows extends RowBlock {
  constructor(readonly target: Shape, private readonly dtype: DType) {
    super();
  }

  get values(): Tensor {
    throw new Error('IdentityRows: the identity is never materialised');
  }

  gather(): Tensor {
    throw new Error('IdentityRows: the identity is never materialised');
  }

  toActivation(perRow: Tensor): Tensor {
    return perRow;
  }

  override dot(image: Tensor): Tensor {
    return reshape(image, [image.shape[0]!, ...this.target]);
  }

  override positiveDot(image: Tensor): Tensor {
    return this.dot(image);
  }

  /** ‖e_m‖ = 1, or the weight w_m (w ≥ 0). */
  override norm(_kind: DualNorm, weight?: Tensor): Tensor {
    return weight ? this.dot(weight) : Tensor.full([1, ...this.target], 1, this.dtype);
  }
}

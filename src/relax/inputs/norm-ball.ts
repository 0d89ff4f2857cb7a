/**
 * The shared part of the norm-ball input sets {x' : ‖x' − x‖_p ≤ ε} (Wong & Kolter 2018, eq. 9,
 * the terms −ν̂_1ᵀx − ε‖ν̂_1‖_q with q the dual norm of p). It carries two things forward
 * through the linear parts of the layers: the centre x (`[B, ...S_t]`) and the n = |S_0|
 * identity columns (`[1 | B, n, ...S_t]`, one per input coordinate). A pre-activation m then
 * lies in `A_m x ± ε‖A_m‖_q` (plus the other objects' terms).
 * @module
 */
import { add, mul, reshape, sub, unsqueeze } from '../../autograd/index.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Bounds, DualLayer, DualObject } from '../dual.js';
import { oneHotImages } from '../rows/one-hot.js';
import type { RowBlock } from '../rows/row-block.js';
import { dualNorm, type DualNorm } from '../norms.js';
import { Radius, type EpsilonInput } from './epsilon.js';
import { ballTerm } from './input-set.js';

/** A norm ball around each example of X `[B, ...S_0]`. */
export abstract class NormBall implements DualObject {
  readonly inert = false;
  /** The radius ε (number, per example or per dimension). */
  readonly radius: Radius;
  /** The centre carried forward: `centre[t]` is `A x` at the t-th activation, `[B, ...S_t]`. */
  protected readonly centre: Tensor[];
  /** The input columns carried forward, `[1 | B, n, ...S_t]`. */
  protected readonly columns: Tensor[];

  /** Capability: |S_0| identity columns, shared by the batch until an element-wise layer. */
  get forwardColumns(): { count: number; shared: boolean } {
    return { count: this.X.size / this.X.shape[0]!, shared: true };
  }

  /** @param X - the batch `[B, ...S_0]` (not differentiated); @param epsilon - the radius. */
  constructor(protected readonly X: Tensor, epsilon: EpsilonInput, protected readonly norm: DualNorm) {
    if (X.rank < 2) throw new Error(`X must be a batch [B, ...], got [${X.shape.join(', ')}]`);
    this.radius = Radius.of(epsilon, X);
    this.centre = [X];
    this.columns = [this.radius.inputColumns(X.shape.slice(1), X)];
  }

  /**
   * Carries the centre and the columns through `layer`'s linear part. The first step of the
   * identity columns through a Linear or Conv2d is read off its weight ({@link oneHotImages}).
   */
  apply(layer: DualLayer): void {
    this.centre.push(layer.forward(this.centre));
    const images = this.columns.length === 1 ? oneHotImages(layer, this.X.dtype) : null;
    this.columns.push(images ? this.firstImages(images, layer) : layer.forward(this.columns));
  }

  /** The identity columns' images `[1, n, ...S_1]` (rows ε_i W e_i, `[B', n, ...S_1]`, for a per-dimension ε). */
  private firstImages(images: Tensor, layer: DualLayer): Tensor {
    const n = images.shape[0]!;
    if (this.radius.kind !== 'perDimension') return reshape(images, [1, n, ...layer.outShape]);
    const eps = this.radius.broadcastTo(this.X) as Tensor;
    return reshape(mul(reshape(eps, [eps.shape[0]!, n, 1]), unsqueeze(images, 0)), [eps.shape[0]!, n, ...layer.outShape]);
  }

  /** `A x ∓ ε‖A_m‖_q` per unit m, `[B, ...S_t]`: the norm is over the column axis. */
  bounds(): Bounds {
    const centre = this.centre[this.centre.length - 1]!;
    const spread = this.radius.scaleBound(this.columnNorms());
    return [sub(centre, spread), add(centre, spread)];
  }

  /**
   * The same bounds from backward rows g_0 (the rows of the units of z_p carried to the input):
   * `g_0·x ∓ ε‖g_0‖_q` per unit, `[B, ...S_p]` (‖diag(ε) g_0‖_q for a per-dimension ε).
   */
  rowBounds(g: RowBlock): Bounds {
    const centre = g.dot(this.X);
    const weight = this.radius.kind === 'perDimension' ? (this.radius.broadcastTo(this.X) as Tensor) : undefined;
    const spread = this.radius.scaleBound(g.norm(this.norm, weight));
    return [sub(centre, spread), add(centre, spread)];
  }

  /** `−ν·x − ε‖ν‖_q` for ν = ν_0 `[B, K, ...S_0]` → `[B, K]` ({@link ballTerm}). */
  objective(nu: Tensor): Tensor {
    return ballTerm(nu, this.X, this.radius, this.norm);
  }


  /** ‖A_m‖_q for every unit m of the current activation, `[1 | B, ...S_t]`. */
  protected columnNorms(): Tensor {
    return dualNorm(this.norm, this.columns[this.columns.length - 1]!, 1);
  }
}


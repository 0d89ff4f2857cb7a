/**
 * The l∞ ball intersected with a box, {x' : ‖x' − x‖_∞ ≤ ε, lo ≤ x' ≤ hi} (the original's
 * `InfBallBounded`, e.g. pixels in [0, 1]). The set is itself a box [l, u] with
 * l = max(x − ε, lo), u = min(x + ε, hi), so its terms are exact: a unit m with column
 * a = A_m lies in `[u·[a]_- + l·[a]_+, u·[a]_+ + l·[a]_-]`, and J gets `−([ν]_-·l + [ν]_+·u)`
 * (= −max over the box of νᵀx', the box's support function).
 * @module
 */
import { add, clamp, matmul, reshape, sub } from '../../autograd/index.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Bounds, DualLayer, DualObject } from '../dual.js';
import { oneHotImages } from '../rows/one-hot.js';
import type { RowBlock } from '../rows/row-block.js';
import { Radius, type EpsilonInput } from './epsilon.js';
import { boxTerm, inputBox, type BoxLimit } from './input-set.js';

export type { BoxLimit } from './input-set.js';

/** The box [max(x − ε, lo), min(x + ε, hi)] around each example of X `[B, ...S_0]`. */
export class LinfBox implements DualObject {
  readonly inert = false;
  /** l and u as rows `[B, 1, n]`. */
  private readonly low: Tensor;
  private readonly high: Tensor;
  /** The input columns carried forward, `[1 | B, n, ...S_t]`. */
  private readonly columns: Tensor[];

  /** Capability: |S_0| identity columns, shared by the batch until an element-wise layer. */
  get forwardColumns(): { count: number; shared: boolean } {
    return { count: this.low.shape[2]!, shared: true };
  }

  /**
   * @param X - `[B, ...S_0]`, inside [lo, hi]; @param epsilon - number, `[B]` or `[1 | B, ...S_0]`.
   * @param lo - lower limit of the box (default 0); @param hi - upper limit (default 1).
   * @throws Error naming `X` when the box around some example is empty (X outside [lo, hi]).
   */
  constructor(X: Tensor, epsilon: EpsilonInput, lo: BoxLimit = 0, hi: BoxLimit = 1) {
    if (X.rank < 2) throw new Error(`X must be a batch [B, ...], got [${X.shape.join(', ')}]`);
    const [B, ...S] = X.shape as [number, ...number[]];
    const n = X.size / B;
    const { low, high } = inputBox(X, Radius.of(epsilon, X), lo, hi);
    this.low = reshape(low, [B, 1, n]);
    this.high = reshape(high, [B, 1, n]);
    // Plain identity columns: ε is already inside [l, u] (scaling them by a per-dimension ε counted it twice).
    this.columns = [reshape(Tensor.eye(n, X.dtype), [1, n, ...S])];
  }

  /** Carries the columns through `layer`'s linear part (the identity's first image read off a Linear or Conv2d weight). */
  apply(layer: DualLayer): void {
    const images = this.columns.length === 1 ? oneHotImages(layer, this.low.dtype) : null;
    this.columns.push(images ? reshape(images, [1, images.shape[0]!, ...layer.outShape]) : layer.forward(this.columns));
  }

  /** Exact bounds of A x' over the box, `[B, ...S_t]`. */
  bounds(): Bounds {
    const cols = this.columns[this.columns.length - 1]!;
    const [Bc, n] = cols.shape as [number, number];
    const shape = cols.shape.slice(2);
    const flat = reshape(cols, [Bc, n, -1]);
    const [pos, negative] = [clamp(flat, 0), clamp(flat, -Infinity, 0)];
    const B = this.low.shape[0]!;
    const upper = add(matmul(this.high, pos), matmul(this.low, negative));
    const lower = add(matmul(this.high, negative), matmul(this.low, pos));
    return [reshape(lower, [B, ...shape]), reshape(upper, [B, ...shape])];
  }

  /**
   * The same bounds from backward rows g_0: `u·[g]_+ + l·[g]_-` and `u·[g]_- + l·[g]_+` per unit,
   * written as `(u − l)·[g]_+ + l·g` and `u·g − (u − l)·[g]_+` (one clamp, three contractions).
   */
  rowBounds(g: RowBlock): Bounds {
    const positive = g.positiveDot(sub(this.high, this.low));
    return [sub(g.dot(this.high), positive), add(positive, g.dot(this.low))];
  }

  /** `−([ν]_-·l + [ν]_+·u)` for ν = ν_0 `[B, K, ...S_0]` → `[B, K]` ({@link boxTerm}). */
  objective(nu: Tensor): Tensor {
    return boxTerm(nu, this.low, this.high);
  }

}

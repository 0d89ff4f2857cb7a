/**
 * The radius ε of an input set, in one of three forms:
 * - a number: the same radius for every example and coordinate;
 * - a per-example tensor `[B]`;
 * - a per-dimension tensor `[1 | B, ...S_0]` (the batch axis is required, so that `[B]` is never
 *   ambiguous): coordinate i of example b may move by ε_bi (a box for l∞, an ellipsoid for l2).
 *
 * Per-dimension radii are folded into the input columns (column i starts as ε_i e_i), so that
 * the dual norm of the carried columns is already weighted: ‖A diag(ε)‖ (Wong & Kolter 2018,
 * eq. 9's ε‖ν̂_1‖_1 term becomes ‖diag(ε) ν̂_1‖_1).
 * @module
 */
import { mul, reshape } from '../../autograd/index.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';

/** ε as accepted by the input sets and the robust loss. */
export type EpsilonInput = number | Tensor;

/** A validated radius for a batch X `[B, ...S_0]`. */
export class Radius {
  private constructor(
    readonly kind: 'scalar' | 'perExample' | 'perDimension',
    private readonly value: number,
    private readonly tensor: Tensor | null,
  ) {}

  /**
   * @throws Error naming `epsilon` when it is negative, not finite, or of a shape other than
   *   `[]`, `[B]` or `[1 | B, ...S_0]`.
   */
  static of(epsilon: EpsilonInput, X: Tensor): Radius {
    if (typeof epsilon === 'number') {
      if (!(epsilon >= 0) || !Number.isFinite(epsilon)) throw new Error(`epsilon must be a finite number >= 0, got ${epsilon}`);
      return new Radius('scalar', epsilon, null);
    }
    if (epsilon.data.some((v) => !(v >= 0) || !Number.isFinite(v))) throw new Error('epsilon must hold finite values >= 0');
    const eps = epsilon.dtype === X.dtype ? epsilon : epsilon.to(X.dtype);
    const [B, ...S] = X.shape as [number, ...number[]];
    if (eps.rank === 0) return new Radius('scalar', eps.item(), null);
    if (eps.rank === 1 && eps.shape[0] === B) return new Radius('perExample', 0, eps);
    if (eps.rank === X.rank && (eps.shape[0] === 1 || eps.shape[0] === B) && S.every((d, i) => eps.shape[i + 1] === d)) {
      return new Radius('perDimension', 0, eps);
    }
    throw new Error(`epsilon must be a number, a per-example tensor [${B}] or a per-dimension tensor [1 | ${B}, ${S.join(', ')}], got [${eps.shape.join(', ')}]`);
  }

  /** Starting columns `[1 | B, n, ...S_0]`: the identity, scaled row-wise by ε when per-dimension. */
  inputColumns(shape: Shape, like: Tensor): Tensor {
    const n = sizeOf(shape);
    const eye = reshape(Tensor.eye(n, like.dtype), [1, n, n]);
    if (this.kind !== 'perDimension') return reshape(eye, [1, n, ...shape]);
    const eps = this.tensor!;
    return reshape(mul(eye, reshape(eps, [eps.shape[0]!, n, 1])), [eps.shape[0]!, n, ...shape]);
  }

  /** ε · ‖columns‖ for the bounds: `norms` is `[B' , ...S_t]`; per-dimension ε is already inside. */
  scaleBound(norms: Tensor): Tensor {
    if (this.kind === 'scalar') return mul(norms, this.value);
    if (this.kind === 'perDimension') return norms;
    const eps = this.tensor!;
    return mul(norms, reshape(eps, [eps.shape[0]!, ...norms.shape.slice(1).map(() => 1)]));
  }

  /** ν `[B, K, n]` weighted by a per-dimension ε before its norm is taken (else ν itself). */
  weightNu(nu: Tensor): Tensor {
    if (this.kind !== 'perDimension') return nu;
    const eps = this.tensor!;
    return mul(nu, reshape(eps, [eps.shape[0]!, 1, -1]));
  }

  /** ε · ‖ν‖ for the objective: `norms` is `[B, K]`. */
  scaleObjective(norms: Tensor): Tensor {
    if (this.kind === 'scalar') return mul(norms, this.value);
    if (this.kind === 'perDimension') return norms;
    return mul(norms, reshape(this.tensor!, [-1, 1]));
  }

  /** ε broadcastable against X `[B, ...S_0]` (for the box l = X − ε, u = X + ε). */
  broadcastTo(X: Tensor): Tensor | number {
    if (this.kind === 'scalar') return this.value;
    const eps = this.tensor!;
    return this.kind === 'perDimension' ? eps : reshape(eps, [eps.shape[0]!, ...X.shape.slice(1).map(() => 1)]);
  }
}

/**
 * What the bound algorithms know about an operator: its declaration, never its class.
 *
 * - A {@link LinearOp} is z ↦ A z + b: `apply` (A z, no bias), `adjoint` (Aᵀ λ, so that
 *   ⟨A z, λ⟩ = ⟨z, Aᵀ λ⟩), `bias` b and `applyAbs` (|A| z, for interval arithmetic:
 *   A z ∈ A m ± |A| r on the box m ± r). Linear, Conv2d, Flatten, AvgPool2d and eval-mode
 *   BatchNorm2d are linear ops.
 * - An {@link ElementwiseOp} is y_i = σ(z_i) with a monotone σ and a relaxation: given l ≤ z ≤ u
 *   it returns two lines a_l z + b_l ≤ σ(z) ≤ a_u z + b_u on [l, u] (CROWN, Zhang et al. 2018,
 *   eq. 4; slopes may differ; with equal slopes it is the Wong–Kolter triangle). An op whose
 *   lower slope may be optimised (α-CROWN, Xu et al. 2021) declares `lowerSlopeRange`.
 * - A {@link PoolOp} (MaxPool2d) is piecewise linear over windows and relaxes itself: it maps
 *   the rows λ at its output to rows at its input plus a constant.
 * - An {@link AddOp} sums its inputs (residual connections).
 * @module
 */
import type { IntervalMap } from '../../autograd/ops/interval.js';
import { add, matmul, reshape } from '../../autograd/index.js';
import type { Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';

/** z ↦ A z + b on per-example shapes `inShape` → `outShape`. */
export interface LinearOp {
  readonly kind: 'linear';
  readonly name: string;
  readonly inShape: Shape;
  readonly outShape: Shape;
  /** A z for z `[N, ...inShape]` → `[N, ...outShape]` (no bias). */
  apply(z: Tensor): Tensor;
  /** |A| z (entry-wise absolute value of A), same shapes as `apply`. */
  applyAbs(z: Tensor): Tensor;
  /** Aᵀ λ for λ `[N, ...outShape]` → `[N, ...inShape]`. */
  adjoint(lambda: Tensor): Tensor;
  /** b broadcastable to `[1, ...outShape]`, or null. */
  readonly bias: Tensor | null;
  /**
   * Optional: ρ broadcastable to `[1, ...outShape]` with ‖A_m‖_2 ≤ ρ_m for every output unit m
   * (the l2 interval of A on a ball: A x ± ε ρ).
   */
  readonly l2RowNorms?: () => Tensor;
  /** Optional: the op is a 2-D convolution with this kernel and geometry (window fast paths). */
  readonly conv?: ConvCapability;
  /** Optional: A as a dense / conv / reshape map, for the fused interval step of IBP (`intervalAffine`, one op on the tape). */
  readonly intervalMap?: IntervalMap;
}

/** A convolution's kernel `[O, C, kh, kw]`, stride and zero padding. */
export interface ConvCapability {
  readonly weight: Tensor;
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
}

/** Two lines bounding σ on [l, u]: a_l z + b_l ≤ σ(z) ≤ a_u z + b_u; each `[B, ...S]` (a null bias is 0). */
export interface Lines {
  readonly lowerSlope: Tensor;
  readonly lowerBias: Tensor | null;
  readonly upperSlope: Tensor;
  readonly upperBias: Tensor | null;
}

/** How the lower slope of a relaxation is chosen. */
export type LowerSlope =
  | 'adaptive'     // CROWN: the better of the extreme slopes by area (ReLU: 1 where u > −l, else 0)
  | 'same'         // the upper slope (Wong–Kolter dual)
  | Tensor;        // given slopes `[B' , ...S]` (α-CROWN), clipped to lowerSlopeRange by the caller

/** y = σ(z) element-wise, σ non-decreasing. */
export interface ElementwiseOp {
  readonly kind: 'elementwise';
  readonly name: string;
  readonly shape: Shape;
  /** σ(z). */
  forward(z: Tensor): Tensor;
  /**
   * Sound lines on [l, u] for finite l ≤ u (callers replace non-finite bounds before calling and
   * mark those units unknown). At u = l no NaN arises.
   */
  relax(l: Tensor, u: Tensor, lower: LowerSlope): Lines;
  /** 1 where the relaxation on [l, u] is not exact (a kink inside), else 0 (constant). */
  unstable(l: Tensor, u: Tensor): Tensor;
  /** The interval of valid lower slopes (the lines stay sound for any slope in it), or absent if not optimisable. */
  readonly lowerSlopeRange?: (l: Tensor, u: Tensor) => { readonly min: number; readonly max: number; readonly free: Tensor };
}

/** A piecewise-linear map with its own relaxation (MaxPool2d). */
export interface PoolOp {
  readonly kind: 'pool';
  readonly name: string;
  readonly inShape: Shape;
  readonly outShape: Shape;
  forward(z: Tensor): Tensor;
  /** The exact interval of the output over the input box [l, u]. */
  interval(l: Tensor, u: Tensor): [Tensor, Tensor];
  /**
   * Lower-bound back-substitution: rows λ `[B', R, ...outShape]` at the output become rows at
   * the input `[B, R, ...inShape]` and a constant `[B, R]` with λ·y ≥ rows·z + constant.
   * `lower`: optional weights of the lower line (see `lowerWeights`), else the op's default.
   */
  backward(lambda: Tensor, l: Tensor, u: Tensor, lower?: Tensor): { rows: Tensor; constant: Tensor };
  /**
   * Optional (α-CROWN): the lower line may be any convex combination y ≥ Σ_k w_k z_k of each
   * window's entries; `init` gives the default line's weights `[B, 1, C, P, K]` (`ties`: which
   * entry of tied largest lower bounds, 'first' as CROWN or 'upper', the largest upper bound),
   * `project` puts weights back on the simplex of the window's real entries (in place).
   */
  readonly lowerWeights?: { init(l: Tensor, u: Tensor, ties?: 'first' | 'upper'): Tensor; project(w: Tensor): void };
}

/** y = Σ inputs (all of one shape). */
export interface AddOp {
  readonly kind: 'add';
  readonly name: string;
  readonly shape: Shape;
}

/** Any operator of the bound graph. */
export type BoundOp = LinearOp | ElementwiseOp | PoolOp | AddOp;

/** A node: an operator applied to earlier nodes (node 0 is the network input). */
export interface GraphNode {
  readonly op: BoundOp;
  /** Indices of the input nodes (each smaller than this node's index). */
  readonly inputs: readonly number[];
  /** Per-example output shape. */
  readonly shape: Shape;
}

/** A network as operators in topological order: node 0 is the input, the last node the output. */
export interface BoundGraph {
  readonly inputShape: Shape;
  /** nodes[0] is a placeholder for the input (no op); nodes[i], i ≥ 1, are operators. */
  readonly nodes: readonly (GraphNode | null)[];
}

/** Whether a node's output must be bounded before back-substitution: it feeds an element-wise or pooling op. */
export function needsBounds(op: BoundOp): boolean {
  return op.kind === 'elementwise' || op.kind === 'pool';
}

/** `λ · b` for rows λ `[B', R, |outShape|]` and the op's bias broadcast over its output: `[B', R, 1]` (callers check `op.bias`). */
export function biasDot(rows: Tensor, op: LinearOp): Tensor {
  const [b, R] = rows.shape as [number, number];
  const full = add(op.bias!, Tensor.zeros([1, ...op.outShape], rows.dtype));
  // one product [B'·R, n]·[n, 1], not B' batched ones against a broadcast column (the batched form cost ~15 ms of a CROWN-IBP step)
  return reshape(matmul(reshape(rows, [b * R, -1]), reshape(full, [-1, 1])), [b, R, 1]);
}

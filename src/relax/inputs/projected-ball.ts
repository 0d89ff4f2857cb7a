/**
 * The shared part of the random-projection input sets (Wong, Schmidt, Metzen & Kolter, NeurIPS
 * 2018, §3.2; the original's `InfBallProj`, `L2BallProj`). The exact sets carry n = |S_0| identity
 * columns forward to compute the dual norms ‖A_m‖ of every later unit m; these carry only k
 * random columns R `[1, k, ...S_0]` and *estimate* the norm from the k projections A_m R:
 *
 * - l1 (dual of l∞): R i.i.d. standard Cauchy, so A_m r ~ ‖A_m‖_1 · Cauchy and
 *   `median_k |A_m R| → ‖A_m‖_1` (the lower median, as PyTorch's `median`);
 * - l2: R i.i.d. standard normal, so `‖A_m R‖_2 / √k → ‖A_m‖_2`.
 *
 * The bounds `A x ∓ ε·estimate` are therefore **estimates, not sound bounds**: they may be
 * tighter than the true ones. Only the objective term stays exact (−νᵀx − ε‖ν‖, as the exact
 * ball), so J computed with projected *bounds* upstream is still a valid dual value for the
 * relaxation those bounds define, but the relaxation itself may not contain the network. Use them
 * for training; certify with the exact sets.
 * @module
 */
import { add, medianAbs, mul, sub, unsqueeze, div } from '../../autograd/index.js';
import { Rng } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Bounds, DualLayer, DualObject } from '../dual.js';
import { l2Norm, type DualNorm } from '../norms.js';
import { Radius, type EpsilonInput } from './epsilon.js';
import { ballTerm } from './input-set.js';

/** A seeded generator, or a seed for a new one. */
export type RandomSource = Rng | number;

/** Options of the projected input sets. */
export interface ProjectionOptions {
  /** Number of random projections k (a positive integer). */
  k: number;
  /** Source of the random matrix (default seed 0, so a run is reproducible). */
  rng?: RandomSource;
}

/** `source` as a generator (a number seeds a new one). */
export function toRng(source: RandomSource | undefined): Rng {
  return source instanceof Rng ? source : new Rng(source ?? 0);
}

/** @throws Error naming `k` unless it is a positive integer. */
export function checkProjectionCount(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new Error(`projection count k must be a positive integer, got ${k}`);
}

/** A norm ball whose bound terms are estimated from k random projections. */
export abstract class ProjectedNormBall implements DualObject {
  readonly inert = false;
  readonly radius: Radius;
  /** Number of projections k. */
  readonly k: number;
  /** `centre[t]` is `A x` at the t-th activation, `[B, ...S_t]`. */
  private readonly centre: Tensor[];
  /** The projections carried forward, `[1 | B, k, ...S_t]` (ε folded in when per-dimension). */
  private readonly projections: Tensor[];

  /**
   * @param X - the centre `[B, ...S_0]` (not differentiated); @param epsilon - the radius.
   * @param norm - 'l1' (Cauchy projections, median) or 'l2' (normal projections, root mean square).
   */
  constructor(private readonly X: Tensor, epsilon: EpsilonInput, private readonly norm: DualNorm, options: ProjectionOptions) {
    if (X.rank < 2) throw new Error(`X must be a batch [B, ...], got [${X.shape.join(', ')}]`);
    checkProjectionCount(options.k);
    this.k = options.k;
    this.radius = Radius.of(epsilon, X);
    this.centre = [X];
    this.projections = [this.initialProjections(toRng(options.rng))];
  }

  /** Carries the centre and the projections through `layer`'s linear part. */
  apply(layer: DualLayer): void {
    this.centre.push(layer.forward(this.centre));
    this.projections.push(layer.forward(this.projections));
  }

  /** Estimated `A x ∓ ε‖A_m‖` per unit m, `[B, ...S_t]` (an estimate, not a sound bound). */
  bounds(): Bounds {
    const centre = this.centre[this.centre.length - 1]!;
    const spread = this.radius.scaleBound(this.estimateNorms(this.projections[this.projections.length - 1]!));
    return [sub(centre, spread), add(centre, spread)];
  }

  /** The exact input term `−ν·x − ε‖ν‖_q` for ν = ν_0 `[B, K, ...S_0]` → `[B, K]` ({@link ballTerm}). */
  objective(nu: Tensor): Tensor {
    return ballTerm(nu, this.X, this.radius, this.norm);
  }


  /** The estimate of ‖A_m‖_q from the projections `[B', k, ...S_t]` → `[B', ...S_t]`. */
  private estimateNorms(projections: Tensor): Tensor {
    if (this.norm === 'l1') return medianAbs(projections, 1);
    return div(l2Norm(projections, 1), Math.sqrt(this.k));
  }

  /** R `[1, k, ...S_0]` (times a per-dimension ε, `[B', k, ...S_0]`). */
  private initialProjections(rng: Rng): Tensor {
    const shape = [1, this.k, ...this.X.shape.slice(1)];
    const R = this.norm === 'l1' ? Tensor.cauchy(shape, rng, this.X.dtype) : Tensor.randn(shape, rng, 0, 1, this.X.dtype);
    if (this.radius.kind !== 'perDimension') return R;
    return mul(R, unsqueeze(this.radius.broadcastTo(this.X) as Tensor, 1));
  }
}

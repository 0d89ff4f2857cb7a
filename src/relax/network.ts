/**
 * The dual network (Wong & Kolter, ICML 2018, Alg. 1 and eq. 9; NeurIPS 2018, §3.1): one dual
 * object for the input set and one dual operator per layer. Built layer by layer, it keeps every
 * object's columns at the newest activation, so the bounds on each ReLU's input are the sum of
 * the objects' `bounds()` there. `objective(c)` runs the backward pass ν_L = −c,
 * ν_{i−m} += W_mᵀ ν_i (over every layer and each input it reads) and sums the objects' terms:
 * J(c) ≤ cᵀ f(x') for every x' in the input set.
 * @module
 */
import { add, neg, reshape } from '../autograd/index.js';
import type { DenseSequential } from '../nn/dense-sequential.js';
import { expandResiduals } from '../nn/residual.js';
import type { Sequential } from '../nn/sequential.js';
import { sizeOf, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { dualOf } from './dual-of.js';
import type { Bounds, DualLayer, DualObject } from './dual.js';
import type { EpsilonInput } from './inputs/epsilon.js';
import { checkInputSetOptions } from './inputs/input-set.js';
import { L2Ball } from './inputs/l2-ball.js';
import { LinfBall } from './inputs/linf-ball.js';
import { LinfBox, type BoxLimit } from './inputs/linf-box.js';
import { L2BallProjection } from './inputs/l2-ball-projection.js';
import { LinfBallProjection } from './inputs/linf-ball-projection.js';
import { LinfBoxProjection } from './inputs/linf-box-projection.js';
import { toRng, type ProjectionOptions } from './inputs/projected-ball.js';
import { primalActivations } from './primal.js';
import { backwardBounds, type CutNetwork } from './rows/backward-bounds.js';
import { chooseDirection, type BoundDirection } from './rows/bound-cost.js';

/** A network the dual can be built for. */
export type DualizableNetwork = Sequential | DenseSequential;

/** The perturbation set and how to bound it. */
export interface DualNetworkOptions {
  /** The ball's norm (default `'linf'`). */
  norm?: 'linf' | 'l2';
  /** l∞ only: intersect the ball with the box [inputLower, inputUpper] (default false). */
  bounded?: boolean;
  /** Lower limit of the box (default 0); a number or a tensor `[...S_0]` / `[B, ...S_0]`. */
  inputLower?: BoxLimit;
  /** Upper limit of the box (default 1). */
  inputUpper?: BoxLimit;
  /**
   * Estimate the bounds from k random projections (NeurIPS 2018, §3.2; the original's `proj` with
   * `norm_type` 'l1_median' / 'l2_normal'): the input set when |S_0| > k, each ReLU whose batch has
   * more than k crossing units. The bounds are then estimates, not certificates (`certify` refuses
   * this option); J stays exact given those bounds. `rng`: a seeded Rng or a seed (default 0).
   */
  projection?: ProjectionOptions;
  /**
   * How each ReLU's input is bounded: forwards from every object's columns (Wong & Kolter's
   * Alg. 1), backwards from one row per unit (CROWN's order; see src/relax/rows), or `'auto'`
   * (default): whichever a cost estimate says is cheaper. The bounds are the same either way (up to
   * rounding); projected objects bound forwards only.
   */
  boundDirection?: BoundDirection;
}

/** A dual object, the position of the activation its term reads (0 = input set) and how far its columns have been advanced. */
interface PlacedObject {
  readonly object: DualObject;
  readonly position: number;
  applied: number;
}

/** The input set selected by the options (the original's `select_input`). */
export function inputSet(X: Tensor, epsilon: EpsilonInput, options: DualNetworkOptions = {}): DualObject {
  if (checkInputSetOptions(options) === 'l2') return new L2Ball(X, epsilon);
  if (options.projection && X.size / X.shape[0]! > options.projection.k) return projectedInputSet(X, epsilon, options, options.projection);
  return options.bounded ? new LinfBox(X, epsilon, options.inputLower ?? 0, options.inputUpper ?? 1) : new LinfBall(X, epsilon);
}

/** The projected variant of the input set (only for inputs larger than k, as the original). */
function projectedInputSet(X: Tensor, epsilon: EpsilonInput, options: DualNetworkOptions, projection: ProjectionOptions): DualObject {
  if (options.norm === 'l2') return new L2BallProjection(X, epsilon, projection);
  if (options.bounded) return new LinfBoxProjection(X, epsilon, projection, options.inputLower ?? 0, options.inputUpper ?? 1);
  return new LinfBallProjection(X, epsilon, projection);
}

/** The dual of `net` around the batch X `[B, ...S_0]` for radius ε. */
export class DualNetwork {
  /** The dual operator of each layer, in order. */
  readonly layers: readonly DualLayer[];
  /** Per-example shape of every activation z_0 (input) … z_L (output). */
  readonly shapes: readonly Shape[];
  /** Batch size B. */
  readonly batch: number;
  /** The direction each ReLU's input bounds were computed in, in order. */
  readonly boundDirections: ('forward' | 'backward')[] = [];
  private readonly placed: PlacedObject[];
  private readonly preActivation: Bounds[] = [];
  private readonly direction: BoundDirection;

  /**
   * Builds the dual layer by layer; the bounds on each ReLU input come from the live objects (their
   * columns advanced lazily, only when the bounds are computed forwards).
   * @param net - a Sequential or DenseSequential of the layers `dualOf` knows.
   * @param X - the batch `[B, ...S_0]` (treated as data: no gradient flows into it).
   * @param epsilon - number, `[B]` or `[1 | B, ...S_0]`.
   */
  constructor(network: DualizableNetwork, X: Tensor, epsilon: EpsilonInput, options: DualNetworkOptions = {}) {
    const net = expandResiduals(network);
    if (net.layers.length === 0) throw new Error('DualNetwork: the network has no layers');
    if (X.rank < 2) throw new Error(`DualNetwork: X must be a batch [B, ...], got [${X.shape.join(', ')}]`);
    const bad = X.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`DualNetwork: X must be finite, but element ${bad} is ${X.data[bad]}`);
    if (net.parameters().length > 0 && net.dtype !== X.dtype) {
      throw new Error(`DualNetwork: X is ${X.dtype} but the network's parameters are ${net.dtype}; convert one (net.to(dtype) or X.to(dtype))`);
    }
    this.batch = X.shape[0]!;
    this.direction = options.boundDirection ?? 'auto';
    const shapes: Shape[] = [X.shape.slice(1)];
    const layers: DualLayer[] = [];
    this.layers = layers;
    this.shapes = shapes;
    // One generator for every projection of this network, so the draws are independent.
    if (options.projection) options = { ...options, projection: { ...options.projection, rng: toRng(options.projection.rng) } };
    this.placed = [{ object: inputSet(X, epsilon, options), position: 0, applied: 0 }];
    let clean: Tensor[] | null = null;
    const primalInput = (i: number): Tensor => (clean ??= primalActivations(net.layers, X))[i]!;
    net.layers.forEach((layer, i) => {
      const context = { shapes, options, dtype: X.dtype, preActivationBounds: () => this.sumBounds(i, X), primalInput: () => primalInput(i) };
      const dual = dualOf(layer, context);
      layers.push(dual);
      shapes.push(dual.outShape);
      if (!dual.inert) this.placed.push({ object: dual, position: i + 1, applied: i + 1 });
    });
  }

  /** Bounds `{lower, upper}` (each `[B, ...S]`) on the input of every ReLU, in order. */
  reluBounds(): { lower: Tensor; upper: Tensor }[] {
    return this.preActivation.map(([lower, upper]) => ({ lower, upper }));
  }

  /**
   * J(c), a lower bound on `cᵀ f(x')` over the input set, for c `[B, K, ...S_L]` (or
   * `[B, K, |S_L|]`): returns `[B, K]`, differentiable in every parameter.
   */
  objective(c: Tensor): Tensor {
    return objectiveTerms(this.placed, this.backward(c));
  }

  /** ν at every activation by index: `nuAt[t]` is ν at z_t (`nuAt[L]` = −c), each `[B, K, ...S_t]`. */
  private backward(c: Tensor): Tensor[] {
    const L = this.layers.length;
    const outShape = this.shapes[L]!;
    if (c.rank < 2 || c.shape[0] !== this.batch || c.size !== this.batch * c.shape[1]! * sizeOf(outShape)) {
      throw new Error(`DualNetwork.objective: c must be [${this.batch}, K, ${outShape.join(', ')}], got [${c.shape.join(', ')}]`);
    }
    return backSubstitute(this.layers, this.shapes, neg(reshape(c, [this.batch, c.shape[1]!, ...outShape])));
  }

  /** The bounds on z_p (the input of layer p), forwards or backwards (see `boundDirection`); recorded. */
  private sumBounds(p: number, X: Tensor): Bounds {
    const cut: CutNetwork = { layers: this.layers, shapes: this.shapes, objects: this.placed, batch: this.batch, dtype: X.dtype };
    const direction = chooseDirection(this.direction, cut, this.placed, p);
    const bounds = direction === 'backward' ? this.rowBounds(cut, p) : this.forwardBounds(p, this.placed);
    this.boundDirections.push(direction);
    this.preActivation.push(bounds);
    return bounds;
  }

  /** Σ of the objects' bounds at z_p (input set first), after advancing their columns to z_p. */
  private forwardBounds(p: number, objects: readonly PlacedObject[]): Bounds {
    for (const placed of objects) {
      while (placed.applied < p) placed.object.apply(this.layers[placed.applied++]!);
    }
    const parts = objects.map(({ object }) => object.bounds());
    return [parts.map((q) => q[0]).reduce((a, b) => add(a, b)), parts.map((q) => q[1]).reduce((a, b) => add(a, b))];
  }

  /**
   * Bounds at z_p from backward rows for every object that declares `rowBounds`; an object that
   * does not (a projected estimate) adds its forward bounds, so one such operator never moves
   * the rest of the network to forward columns.
   */
  private rowBounds(cut: CutNetwork, p: number): Bounds {
    const withRows = this.placed.filter(({ object }) => object.rowBounds);
    const without = this.placed.filter(({ object }) => !object.rowBounds);
    if (withRows.length === 0) return this.forwardBounds(p, without);
    const [lower, upper] = backwardBounds({ ...cut, objects: withRows }, p);
    if (without.length === 0) return [lower, upper];
    const [l, u] = this.forwardBounds(p, without);
    return [add(lower, l), add(upper, u)];
  }
}

/**
 * The dual variables by activation, `nuAt[t]` = ν at z_t for t = 0 … p, from ν_p = `nuTop`
 * (`[B, K, ...S_p]`, p = `layers.length`, the activation after the last layer given),
 * back-substituted: ν_{q−m} += T_q(ν_q, m) for every activation m back that layer q reads (Dense
 * layers add to each, Wong & Kolter 2018 eq. 10 with the skip connections of Wong et al. 2018
 * §3.1). An activation no layer sends ν to gets zeros.
 * @param layers - the dual layers 1 … p; @param shapes - activation shapes S_0 … S_p (at least).
 */
export function backSubstitute(layers: readonly DualLayer[], shapes: readonly Shape[], nuTop: Tensor): Tensor[] {
  const top = layers.length;
  const [batch, K] = nuTop.shape as [number, number];
  const at: (Tensor | undefined)[] = new Array(top + 1);
  at[top] = nuTop;
  for (let q = top; q >= 1; q--) {
    const nu = at[q];
    if (!nu) { at[q] = Tensor.zeros([batch, K, ...shapes[q]!], nuTop.dtype); continue; }
    const layer = layers[q - 1]!;
    for (const m of layer.reads) {
      const part = layer.T(nu, m);
      at[q - m] = at[q - m] ? add(at[q - m]!, part) : part;
    }
  }
  at[0] ??= Tensor.zeros([batch, K, ...shapes[0]!], nuTop.dtype);
  return at.map((t) => t!);
}

/**
 * J = Σ of the objects' terms, each given ν at the activation it lives at (`nuAt[position]`:
 * the input set ν_0, a layer's term ν at its output), `[B, K]`.
 */
export function objectiveTerms(objects: readonly { readonly object: DualObject; readonly position: number }[], nuAt: readonly Tensor[]): Tensor {
  return objects.map(({ object, position }) => object.objective(nuAt[position]!)).reduce((a, b) => add(a, b));
}

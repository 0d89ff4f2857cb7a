/**
 * Adam (Kingma & Ba 2015) with PyTorch's semantics (`torch.optim.Adam`, amsgrad off), the
 * optimizer of the original's training scripts. For each parameter p with gradient g, at step t:
 *
 *   g ← g + λ p                                   (L2 weight decay λ, added to the gradient)
 *   m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
 *   p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 *
 * with m = v = 0 before the first step and t counted per parameter.
 * @module
 */
import type { AdamScalars } from '../tensor/backend.js';
import type { TypedArray } from '../tensor/dtype.js';
import { getBackend } from '../tensor/registry.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkNonNegative, Optimizer } from './optimizer.js';

/** Options of {@link Adam}; defaults are PyTorch's. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** (β₁, β₂), each in [0, 1) (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** ε added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty λ added to the gradient as λ p (default 0). */
  weightDecay?: number;
}

/** Adam's state of one parameter: its step count t and the moment estimates m, v. */
export interface AdamState {
  step: number;
  m: TypedArray;
  v: TypedArray;
}

/**
 * One Adam update of the values `x` from the gradient `g`, updating the moments `m`, `v` in place:
 * the backend's fused kernel where it has one (the same double arithmetic, bit for bit), else this loop.
 */
function adamUpdate(x: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, c: AdamScalars): void {
  const fused = getBackend().adam;
  if (fused && g.constructor === x.constructor && m.constructor === x.constructor) return fused(x, g, m, v, c);
  adamLoop(x, g, m, v, c);
}

/** The update as a JavaScript loop (the reference of the backends' `adam`). */
export function adamLoop(x: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, c: AdamScalars): void {
  const { b1, b2, stepSize, sqrtCorrection2, eps } = c;
  const a1 = 1 - b1;
  const a2 = 1 - b2;
  for (let i = 0; i < x.length; i++) {
    const gi = g[i]!;
    const mi = b1 * m[i]! + a1 * gi;
    const vi = b2 * v[i]! + a2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    x[i] = x[i]! - stepSize * m[i]! / (Math.sqrt(v[i]!) / sqrtCorrection2 + eps);
  }
}

/** Adam with bias correction; state (m, v, t) per parameter, in the parameter's dtype. */
export class Adam extends Optimizer {
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  private readonly state = new Map<Tensor, AdamState>();

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, options.lr ?? 1e-3);
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.betas.forEach((b, i) => {
      if (!(b >= 0 && b < 1)) throw new Error(`Adam: betas[${i}] must be in [0, 1), got ${b}`);
    });
    checkNonNegative('Adam', 'eps', this.eps);
    checkNonNegative('Adam', 'weightDecay', this.weightDecay);
  }

  /** One Adam update of every parameter with a gradient. */
  step(): void {
    const [b1, b2] = this.betas;
    for (const p of this.params) {
      if (!p.grad) continue;
      const g = this.decayedGradient(p, p.grad, this.weightDecay);
      const s = this.stateOf(p);
      s.step += 1;
      const stepSize = this.lr / (1 - b1 ** s.step);
      const sqrtCorrection2 = Math.sqrt(1 - b2 ** s.step);
      adamUpdate(p.data, g, s.m, s.v, { b1, b2, stepSize, sqrtCorrection2, eps: this.eps });
    }
  }

  /** Steps taken so far for `p` (0 before its first update). */
  stepCount(p: Tensor): number {
    return this.state.get(p)?.step ?? 0;
  }

  /**
   * Copies of every parameter's state, in `params` order (`null` for one never stepped), for a
   * checkpoint; {@link Adam.importState} restores them.
   */
  exportState(): (AdamState | null)[] {
    return this.params.map((p) => {
      const s = this.state.get(p);
      return s ? { step: s.step, m: s.m.slice(), v: s.v.slice() } : null;
    });
  }

  /**
   * Restores state saved by {@link Adam.exportState} (values copied into the parameters' dtype).
   * @throws Error naming the entry when the count or a length does not match the parameters.
   */
  importState(states: readonly (AdamState | null)[]): void {
    if (states.length !== this.params.length) throw new Error(`Adam.importState: ${states.length} entries for ${this.params.length} parameters`);
    this.state.clear();
    states.forEach((s, i) => {
      if (!s) return;
      const p = this.params[i]!;
      if (s.m.length !== p.size || s.v.length !== p.size) throw new Error(`Adam.importState: entry ${i} has ${s.m.length}/${s.v.length} values for a parameter of ${p.size}`);
      const fresh = this.stateOf(p);
      fresh.step = s.step;
      fresh.m.set(s.m);
      fresh.v.set(s.v);
    });
  }

  private stateOf(p: Tensor): AdamState {
    let s = this.state.get(p);
    if (!s) {
      const zeros = (): TypedArray => (p.data instanceof Float64Array ? new Float64Array(p.size) : new Float32Array(p.size));
      s = { step: 0, m: zeros(), v: zeros() };
      this.state.set(p, s);
    }
    return s;
  }
}

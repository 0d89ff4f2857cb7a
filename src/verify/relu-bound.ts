/**
 * Bounds of the property's rows on a ReLU-split subdomain (β-CROWN, Wang et al. 2021, eqs. 6-9):
 * the subdomain is the input box [l, u] with split decisions s_i z_{k,i} ≥ 0 (s = +1: unit i of
 * ReLU layer k active, z ≥ 0; s = −1: inactive, z ≤ 0). For any β ≥ 0,
 *
 *   min_{subdomain} r(x)  ≥  min_{box, relaxation} [ r(x) − Σ_{split} β_i s_i z_i(x) ],
 *
 * because the added terms are ≤ 0 on the subdomain (weak duality of the Lagrangian). The right
 * side is one CROWN backward pass (Zhang et al. 2018, Thm. 3.2) from the row with −β_i s_i added
 * to the coefficient of z_i: split units are exact (active: relu(z) = z, inactive: 0), unstable
 * units take the lower line α z (α ∈ [0, 1]) where the coefficient λ on relu(z) is ≥ 0 and the
 * chord u/(u−l)·(z − l) where λ < 0, with the intermediate ranges [l, u] of the root box
 * intersected with the splits (valid on the subdomain). Every (α, β) in range gives a sound
 * bound, so they are optimised per row by projected gradient ascent (Adam) and the best bound
 * seen is kept. The (super)gradient at the box corner x* minimising the bound is a forward pass
 * of x* through the chosen lines: ∂B/∂β_i = −s_i ẑ_i(x*), ∂B/∂α_i = λ_i ẑ_i(x*).
 * @module
 */
import { stageForward, type PlNetwork } from './network.js';
import { boundTolerance, type UnitRange } from './symbolic.js';

/** One split decision: unit `unit` of ReLU layer `layer` (0-based stage) active (+1) or inactive (−1). */
export interface Split { readonly layer: number; readonly unit: number; readonly sign: 1 | -1 }

/** The box, the root's intermediate ranges and the per-row lower slopes shared by all subdomains. */
export interface BoundContext {
  readonly net: PlNetwork;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Pre-activation ranges of every ReLU layer on the whole box. */
  readonly ranges: readonly UnitRange[];
  /** Starting α per ReLU layer, [rows, n] (all rows of the last stage). */
  readonly alpha: readonly Float64Array[];
}

/** The bound of the requested rows on one subdomain. */
export interface SubdomainBound {
  /** Sound lower bound per requested row (−∞ when non-finite). */
  readonly lower: Float64Array;
  /** Magnitude of the terms summed for each row (for the rounding margin). */
  readonly scale: Float64Array;
  /** Per requested row, the box corner minimising its best bound. */
  readonly xstar: Float64Array[];
  /** Per requested row, β of each split (same order as the splits) at the best bound. */
  readonly beta: Float64Array[];
  /** Per ReLU layer, [rows, n]: the coefficient λ on relu(z) of the best bound (branching). */
  readonly lam: Float64Array[];
  /** The subdomain's ranges (root ranges ∩ splits). */
  readonly ranges: UnitRange[];
}

/** Root ranges intersected with the split decisions. */
export function splitRanges(ranges: readonly UnitRange[], splits: readonly Split[]): UnitRange[] {
  const out = ranges.map((r) => ({ lo: Float64Array.from(r.lo), hi: Float64Array.from(r.hi) }));
  for (const s of splits) {
    const r = out[s.layer]!;
    if (s.sign > 0) r.lo[s.unit] = Math.max(r.lo[s.unit]!, 0);
    else r.hi[s.unit] = Math.min(r.hi[s.unit]!, 0);
  }
  return out;
}

/** CROWN's adaptive lower slope (1 where u > −l) of every unit, repeated for each of `rows` rows: the starting α. */
export function startingAlpha(ranges: readonly UnitRange[], rows: number): Float64Array[] {
  return ranges.map((r) => {
    const n = r.lo.length;
    const a = new Float64Array(rows * n);
    for (let q = 0; q < rows; q++) for (let i = 0; i < n; i++) a[q * n + i] = r.hi[i]! > -r.lo[i]! ? 1 : 0;
    return a;
  });
}

/** Per-layer state of one backward pass for one row. */
interface Pass { bound: number; scale: number; x: Float64Array; lam: Float64Array[]; alpha: Float64Array[] }

/**
 * One backward pass for one row with slopes `alpha` (per layer [n]) and Lagrange terms `beta`
 * (per layer [n], 0 off the splits; `sign` = the split signs, 0 = free). Returns the bound, its
 * minimising corner and the λ on each ReLU output.
 */
function backwardRow(ctx: BoundContext, ranges: readonly UnitRange[], sign: readonly Int8Array[], row: number, alpha: readonly Float64Array[], beta: readonly Float64Array[]): Pass {
  const { net, lower, upper } = ctx;
  const last = net.stages.length - 1;
  const acc: (Float64Array | undefined)[] = new Array(net.stages.length + 1);
  const lam: Float64Array[] = new Array(last);
  let constant = 0;
  let scale = 0;
  let mu: Float64Array = new Float64Array(net.stages[last]!.size);
  mu[row] = 1;
  for (let k = last; k >= 0; k--) {
    const stage = net.stages[k]!;
    if (k < last) {
      const l = acc[k + 1] ?? new Float64Array(stage.size);
      lam[k] = l;
      const r = relaxRow(l, ranges[k]!, sign[k]!, alpha[k]!, beta[k]!);
      mu = r.mu;
      constant += r.constant;
      scale += r.scale;
      if (!Number.isFinite(r.constant)) return { bound: -Infinity, scale, x: Float64Array.from(lower), lam, alpha: alpha as Float64Array[] };
    }
    const n = stage.size;
    for (let i = 0; i < n; i++) {
      constant += mu[i]! * stage.bias[i]!;
      scale += Math.abs(mu[i]! * stage.bias[i]!);
    }
    for (const term of stage.terms) {
      const m = term.weight.length / n;
      const a = (acc[term.source] ??= new Float64Array(m));
      for (let i = 0; i < n; i++) {
        const v = mu[i]!;
        if (v === 0) continue;
        const o = i * m;
        for (let j = 0; j < m; j++) a[j]! += v * term.weight[o + j]!;
      }
    }
  }
  const lam0 = acc[0] ?? new Float64Array(lower.length);
  const x = new Float64Array(lower.length);
  let bound = constant;
  for (let j = 0; j < lower.length; j++) {
    const a = lam0[j]!;
    x[j] = a > 0 ? lower[j]! : upper[j]!;
    bound += a * x[j]!;
    scale += Math.abs(a) * Math.max(Math.abs(lower[j]!), Math.abs(upper[j]!));
  }
  return { bound: Number.isFinite(bound) ? bound : -Infinity, scale: scale + Math.abs(constant), x, lam, alpha: alpha as Float64Array[] };
}

/** λ on relu(z) → coefficient μ on z, the lines' constant and its magnitude (split units exact, −β s added). */
function relaxRow(lam: Float64Array, range: UnitRange, sign: Int8Array, alpha: Float64Array, beta: Float64Array): { mu: Float64Array; constant: number; scale: number } {
  const n = lam.length;
  const mu = new Float64Array(n);
  let constant = 0;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    const v = lam[i]!;
    const l = range.lo[i]!;
    const u = range.hi[i]!;
    const s = sign[i]!;
    const b = s === 0 ? 0 : -s * beta[i]!;
    if (u <= 0 || s < 0) { mu[i] = b; continue; }
    if (l >= 0 || s > 0) { mu[i] = v + b; continue; }
    if (v === 0) continue;
    if (!Number.isFinite(l) || !Number.isFinite(u)) return { mu, constant: -Infinity, scale };
    if (v > 0) mu[i] = v * alpha[i]!;
    else {
      const slope = u / (u - l);
      mu[i] = v * slope;
      constant -= v * slope * l;
      scale += Math.abs(v * slope * l);
    }
  }
  return { mu, constant, scale };
}

/** Forward pass of x through the lines a row's backward pass chose; returns ẑ of every ReLU layer. */
function linearForward(ctx: BoundContext, ranges: readonly UnitRange[], sign: readonly Int8Array[], p: Pass): Float64Array[] {
  const { net } = ctx;
  const last = net.stages.length - 1;
  const outs: Float64Array[] = [p.x];
  const pre: Float64Array[] = [];
  for (let k = 0; k < last; k++) {
    const z = stageForward(net.stages[k]!, outs);
    pre.push(z);
    const { lo, hi } = ranges[k]!;
    outs.push(z.map((v, i) => {
      const sg = sign[k]![i]!;
      if (hi[i]! <= 0 || sg < 0) return 0;
      if (lo[i]! >= 0 || sg > 0) return v;
      return p.lam[k]![i]! >= 0 ? p.alpha[k]![i]! * v : (hi[i]! / (hi[i]! - lo[i]!)) * (v - lo[i]!);
    }));
  }
  return pre;
}

/** Adam ascent state of one parameter vector. */
class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  constructor(n: number, private readonly lr: number) {
    this.m = new Float64Array(n);
    this.v = new Float64Array(n);
  }
  /** One ascent step on `p` along `g`, then clipped into [lo, hi]. */
  step(p: Float64Array, g: Float64Array, lo: number, hi: number): void {
    this.t++;
    const c1 = 1 - 0.9 ** this.t;
    const c2 = 1 - 0.999 ** this.t;
    for (let i = 0; i < p.length; i++) {
      this.m[i] = 0.9 * this.m[i]! + 0.1 * g[i]!;
      this.v[i] = 0.999 * this.v[i]! + 0.001 * g[i]! * g[i]!;
      const next = p[i]! + (this.lr * this.m[i]! / c1) / (Math.sqrt(this.v[i]! / c2) + 1e-12);
      p[i] = Math.min(hi, Math.max(lo, next));
    }
  }
}

/** Options of {@link boundSubdomain}. */
export interface BoundOptions {
  /** Gradient steps per row (0: one pass with the starting α and β). */
  readonly iterations: number;
  readonly deadline: number;
  /** Starting β per requested row (split order); default 0. */
  readonly beta?: readonly (Float64Array | undefined)[];
  /** Learning rates (β-CROWN's defaults: α 0.1, β 0.05). */
  readonly lrAlpha?: number;
  readonly lrBeta?: number;
}

/** Bounds `rows` of the last stage on the subdomain (box ∩ splits), optimising α and β per row. */
export function boundSubdomain(ctx: BoundContext, splits: readonly Split[], rows: readonly number[], o: BoundOptions): SubdomainBound {
  const ranges = splitRanges(ctx.ranges, splits);
  const sign = ranges.map((r) => new Int8Array(r.lo.length));
  for (const s of splits) sign[s.layer]![s.unit] = s.sign;
  const lower = new Float64Array(rows.length);
  const scale = new Float64Array(rows.length);
  const xstar: Float64Array[] = [];
  const betas: Float64Array[] = [];
  const lam: Float64Array[] = ranges.map((r) => new Float64Array(rows.length * r.lo.length));
  rows.forEach((row, q) => {
    if (q > 0 && Date.now() > o.deadline) {
      // past the deadline the remaining rows are not bounded (−∞: sound, the subdomain stays open)
      lower[q] = -Infinity;
      xstar.push(Float64Array.from(ctx.lower));
      betas.push(new Float64Array(splits.length));
      return;
    }
    const best = optimiseRow(ctx, ranges, sign, splits, row, o, o.beta?.[q]);
    lower[q] = best.pass.bound;
    scale[q] = best.pass.scale;
    xstar.push(best.pass.x);
    betas.push(best.beta);
    best.pass.lam.forEach((l, k) => lam[k]!.set(l, q * l.length));
  });
  return { lower, scale, xstar, beta: betas, lam, ranges };
}

/** Projected gradient ascent of one row's bound over α ∈ [0, 1] and β ≥ 0; the best pass seen. */
function optimiseRow(ctx: BoundContext, ranges: readonly UnitRange[], sign: readonly Int8Array[], splits: readonly Split[], row: number, o: BoundOptions, beta0?: Float64Array): { pass: Pass; beta: Float64Array } {
  const alpha = ctx.alpha.map((a, k) => { const n = ranges[k]!.lo.length; return a.slice(row * n, row * n + n); });
  const beta = Float64Array.from({ length: splits.length }, (_, i) => beta0?.[i] ?? 0);
  const dense = (): Float64Array[] => {
    const out = ranges.map((r) => new Float64Array(r.lo.length));
    splits.forEach((s, i) => { out[s.layer]![s.unit] = beta[i]!; });
    return out;
  };
  let pass = backwardRow(ctx, ranges, sign, row, alpha, dense());
  let best = { pass, beta: Float64Array.from(beta) };
  const adamA = alpha.map((a) => new Adam(a.length, o.lrAlpha ?? 0.1));
  const adamB = new Adam(beta.length, o.lrBeta ?? 0.05);
  for (let it = 0; it < o.iterations && Date.now() < o.deadline; it++) {
    if (!Number.isFinite(pass.bound) || pass.bound > 2 * boundTolerance(pass.scale)) break;
    const zhat = linearForward(ctx, ranges, sign, pass);
    alpha.forEach((a, k) => {
      const g = Float64Array.from(a, (_, i) => (pass.lam[k]![i]! > 0 ? pass.lam[k]![i]! * zhat[k]![i]! : 0));
      adamA[k]!.step(a, g, 0, 1);
    });
    adamB.step(beta, Float64Array.from(splits, (s) => -s.sign * zhat[s.layer]![s.unit]!), 0, Infinity);
    pass = backwardRow(ctx, ranges, sign, row, alpha.map((a) => a.slice()), dense());
    if (pass.bound > best.pass.bound) best = { pass, beta: Float64Array.from(beta) };
  }
  return best;
}

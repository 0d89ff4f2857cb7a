/**
 * Linear bounds over an input box, in float64: forward symbolic bounds (the forward mode of
 * CROWN / DeepPoly; the symbolic intervals of ReluVal/Neurify) give every value v two affine
 * functions of the input, L_v(x) ≤ v(x) ≤ U_v(x) on [l, u], stored as [n, d+1] (last column the
 * constant). An affine stage z = Σ W x_s + b maps them exactly (W⁺ U + W⁻ L for the upper side).
 * Each ReLU layer's unstable units then get full-CROWN ranges: a backward pass from ±e_i through
 * the earlier stages with their final ranges, intersected with the forward range and with the
 * ranges inherited from an enclosing box. A ReLU with range [lo, hi] ∋ 0 is relaxed by
 *
 *   upper:  relu(z) ≤ relu(U_z) ≤ hU/(hU − lU) · (U_z − lU)   (lU = min U_z < 0 < hU = max U_z),
 *   lower:  relu(z) ≥ relu(L_z) ≥ α · L_z,  α ∈ {0, 1} (1 when max L_z > −lo),
 *
 * forward, and backward (CROWN, Zhang et al. 2018, Thm. 3.2) by α z (λ ≥ 0) and the chord
 * hi/(hi − lo)·(z − lo) (λ < 0): the triangle relaxation of Wong & Kolter eq. (5). The rows of
 * the last stage (the property, see `spec.ts`) take the best of the forward bound and backward
 * bounds with four lower slopes α (CROWN's adaptive 0/1, the chord's slope, 0, 1: each a valid
 * lower line, so each bound is sound), and report the lower function that gave it.
 * Non-finite values fail closed (a unit becomes [0, +∞), a row −∞). `boundTolerance` gives the
 * margin a bound must clear to count as proof.
 * @module
 */
import type { PlNetwork } from './network.js';

/** Concrete pre-activation bounds [lo, hi] of one layer's units. */
export interface UnitRange { readonly lo: Float64Array; readonly hi: Float64Array }

/** Narrows `range` to its intersection with `outer` (bounds computed on an enclosing box stay valid). */
function intersect(range: UnitRange, outer: UnitRange): void {
  for (let i = 0; i < range.lo.length; i++) {
    if (outer.lo[i]! > range.lo[i]!) range.lo[i] = outer.lo[i]!;
    if (outer.hi[i]! < range.hi[i]!) range.hi[i] = outer.hi[i]!;
  }
}

/** Lower/upper affine functions of the input, each [n, d+1] row-major. */
interface Sym { lo: Float64Array; up: Float64Array }

/** Result for the last stage's rows: bounds and the lower functions (for branching, candidates). */
export interface RowBounds {
  /** min over the box of the lower function of each row (a sound lower bound of the row). */
  readonly lower: Float64Array;
  /** max over the box of the upper function (a sound upper bound). */
  readonly upper: Float64Array;
  /** The forward lower functions, [rows, d+1] (their coefficients drive the split heuristic; the backward ones for large inputs). */
  readonly lowerFn: Float64Array;
  /** The pre-activation range of every ReLU unit (valid on any sub-box, see `inherited`). */
  readonly ranges: readonly UnitRange[];
  /** Each row's scale Σ|a_j|·max(|l_j|,|u_j|) + |a_0|, for the rounding margin. */
  readonly scale: Float64Array;
}

/** min (sign = -1 gives max) of the affine function row `r` of `f` over the box. */
function extreme(f: Float64Array, r: number, d: number, lower: Float64Array, upper: Float64Array, takeMax: boolean): number {
  const o = r * (d + 1);
  let s = f[o + d]!;
  for (let j = 0; j < d; j++) {
    const a = f[o + j]!;
    s += (a > 0) !== takeMax ? a * lower[j]! : a * upper[j]!;
  }
  return s;
}

/** The affine stage: Σ_t W_t ⊗ (source bounds) + b, with the input source taken exactly. */
function affine(net: PlNetwork, k: number, syms: Sym[], d: number): Sym {
  const stage = net.stages[k]!;
  const w1 = d + 1;
  const lo = new Float64Array(stage.size * w1);
  const up = new Float64Array(stage.size * w1);
  for (let i = 0; i < stage.size; i++) {
    lo[i * w1 + d] = stage.bias[i]!;
    up[i * w1 + d] = stage.bias[i]!;
  }
  for (const term of stage.terms) {
    const W = term.weight;
    if (term.source === 0 && d > 0) {
      for (let i = 0; i < stage.size; i++) for (let j = 0; j < d; j++) {
        lo[i * w1 + j]! += W[i * d + j]!;
        up[i * w1 + j]! += W[i * d + j]!;
      }
      continue;
    }
    const src = syms[term.source]!;
    const m = src.lo.length / w1;
    for (let i = 0; i < stage.size; i++) {
      const oi = i * w1;
      for (let j = 0; j < m; j++) {
        const a = W[i * m + j]!;
        if (a === 0) continue;
        const forLo = a > 0 ? src.lo : src.up;
        const forUp = a > 0 ? src.up : src.lo;
        const oj = j * w1;
        for (let c = 0; c < w1; c++) {
          lo[oi + c]! += a * forLo[oj + c]!;
          up[oi + c]! += a * forUp[oj + c]!;
        }
      }
    }
  }
  return { lo, up };
}

/** Concrete range [min L_z, max U_z] of every unit over the box (NaN fails closed to ∓∞). */
function concreteRanges(z: Sym, d: number, lower: Float64Array, upper: Float64Array): UnitRange {
  const n = z.lo.length / (d + 1);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const l = extreme(z.lo, i, d, lower, upper, false);
    const h = extreme(z.up, i, d, lower, upper, true);
    lo[i] = Number.isNaN(l) ? -Infinity : l;
    hi[i] = Number.isNaN(h) ? Infinity : h;
  }
  return { lo, hi };
}

/** Relaxes a ReLU on the pre-activation bound functions (in place), given the units' ranges. */
function relax(z: Sym, d: number, lower: Float64Array, upper: Float64Array, range: UnitRange): void {
  const w1 = d + 1;
  const n = z.lo.length / w1;
  for (let i = 0; i < n; i++) {
    const o = i * w1;
    const hi = range.hi[i]!;
    const lo = range.lo[i]!;
    if (!Number.isFinite(hi) || !Number.isFinite(lo)) {
      // non-finite bounds fail closed: only relu(z) ∈ [0, +∞) is kept
      for (let c = 0; c < w1; c++) z.lo[o + c] = 0;
      for (let c = 0; c < w1; c++) z.up[o + c] = c === d ? Infinity : 0;
      continue;
    }
    if (hi <= 0) {
      for (let c = 0; c < w1; c++) z.lo[o + c] = z.up[o + c] = 0;
      continue;
    }
    if (lo >= 0) {
      // active (possibly only by the tighter backward range): relu(z) = z between the functions,
      // but L_z may dip below 0 where the backward bound knows z ≥ 0; max(L_z, 0) ≥ L_z keeps L_z valid
      continue;
    }
    // the chord of relu over [min U_z, max U_z] (hi ≤ max U_z, so max U_z > 0 here)
    const lU = extreme(z.up, i, d, lower, upper, false);
    const hU = extreme(z.up, i, d, lower, upper, true);
    if (lU < 0) {
      const s = hU / (hU - lU);
      for (let c = 0; c < w1; c++) z.up[o + c]! *= s;
      z.up[o + d]! -= s * lU;
    }
    const hL = extreme(z.lo, i, d, lower, upper, true);
    const alpha = hL <= 0 ? 0 : hL > -lo ? 1 : 0;
    if (alpha === 0) for (let c = 0; c < w1; c++) z.lo[o + c] = 0;
  }
}

/** Bounds of the last stage's rows over the box [lower, upper]: forward symbolic, then backward (past `deadline` (ms) no more layers are tightened: looser, still sound). */
export function boundRows(net: PlNetwork, lower: Float64Array, upper: Float64Array, inherited?: readonly UnitRange[], tighten = true, deadline = Infinity): RowBounds {
  const d = net.inputSize;
  // forward functions over the d inputs when affordable, else plain intervals (fd = 0: IBP)
  const fd = weightCount(net, net.stages.length) * (d + 1) <= SYMBOLIC_BUDGET ? d : 0;
  const syms: Sym[] = [fd > 0 ? { lo: new Float64Array(0), up: new Float64Array(0) } : { lo: Float64Array.from(lower), up: Float64Array.from(upper) }];
  const ranges: UnitRange[] = [];
  const last = net.stages.length - 1;
  for (let k = 0; k <= last; k++) {
    const z = affine(net, k, syms, fd);
    if (k < last) {
      const range = concreteRanges(z, fd, lower, upper);
      if (inherited) intersect(range, inherited[k]!);
      if (k > 0 && tighten && Date.now() < deadline) tightenUnstable(net, k, range, ranges, d, lower, upper);
      relax(z, fd, lower, upper, range);
      ranges.push(range);
    }
    syms.push(z);
  }
  const out = syms[last + 1]!;
  const rowsI = identity(net.stages[last]!.size);
  const backs = LOWER_SLOPES.map((mode) => backward(net, ranges, d, last, rowsI, mode));
  const rows = out.lo.length / (fd + 1);
  const lowerFn = new Float64Array(rows * (d + 1));
  const lo = new Float64Array(rows);
  const up = new Float64Array(rows);
  const scale = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const fwd = extreme(out.lo, r, fd, lower, upper, false);
    let best = fd > 0 ? out.lo : backs[0]!;
    let bestLo = fd > 0 ? fwd : -Infinity;
    let sc = magnitude(out.lo, r * (fd + 1), fd, lower, upper);
    for (const back of backs) {
      const bwd = extreme(back, r, d, lower, upper, false);
      sc = Math.max(sc, magnitude(back, r * (d + 1), d, lower, upper));
      if (bwd > bestLo) { bestLo = bwd; best = back; }
    }
    lo[r] = Math.max(fwd, bestLo);
    lowerFn.set(best.subarray(r * (d + 1), (r + 1) * (d + 1)), r * (d + 1));
    up[r] = extreme(out.up, r, fd, lower, upper, true);
    scale[r] = sc;
    if (!Number.isFinite(lo[r]!)) lo[r] = -Infinity;
    if (!Number.isFinite(up[r]!)) up[r] = Infinity;
  }
  return { lower: lo, upper: up, lowerFn, scale, ranges };
}

/** Lower lines α·z of an unstable ReLU tried for the property's rows: CROWN's adaptive 0/1, the chord's slope u/(u−l) (DeepPoly-like), 0 and 1. */
type LowerSlope = 'adaptive' | 'chord' | 'zero' | 'one';
/** The lower slopes whose backward bounds of the rows are computed (each is sound; the best counts). */
const LOWER_SLOPES: readonly LowerSlope[] = ['adaptive', 'chord', 'zero', 'one'];

/** Multiply-adds above which the forward pass uses intervals instead of functions of the input. */
const SYMBOLIC_BUDGET = 5e8;
/** Multiply-adds above which a layer's full-CROWN tightening is skipped (its forward range stays). */
const TIGHTEN_BUDGET = 5e8;

/** Number of weights in stages [0, k). */
function weightCount(net: PlNetwork, k: number): number {
  let n = 0;
  for (let s = 0; s < k; s++) for (const t of net.stages[s]!.terms) n += t.weight.length;
  return n;
}

/** Σ_j |a_j|·max(|l_j|, |u_j|) + |a_0| of the affine function at offset o. */
function magnitude(f: Float64Array, o: number, d: number, lower: Float64Array, upper: Float64Array): number {
  let s = Math.abs(f[o + d]!);
  for (let j = 0; j < d; j++) s += Math.abs(f[o + j]!) * Math.max(Math.abs(lower[j]!), Math.abs(upper[j]!));
  return s;
}

/**
 * Backward (CROWN) lower functions of the last stage's rows, using the concrete pre-activation
 * ranges of the forward pass: Λ starts at the identity on the rows; through an affine stage
 * Λ_s += Λ W, c += Λ b; through a ReLU with range [l, u] ∋ 0 each entry λ ≥ 0 takes the lower
 * line α z (adaptive α) and λ < 0 the upper line u/(u−l)·(z − l). Returns [rows, d+1].
 */
function backward(net: PlNetwork, ranges: readonly UnitRange[], d: number, last: number, mu: Float64Array, mode: LowerSlope = 'adaptive'): Float64Array {
  const rows = mu.length / net.stages[last]!.size;
  const lambda: (Float64Array | undefined)[] = new Array(net.stages.length + 1);
  const constant = new Float64Array(rows);
  let muK: Float64Array = mu;
  for (let k = last; k >= 0; k--) {
    const stage = net.stages[k]!;
    if (k < last) {
      const lam = lambda[k + 1];
      if (!lam) continue;
      muK = relaxBack(lam, ranges[k]!, rows, constant, mode);
    }
    const n = stage.size;
    for (let r = 0; r < rows; r++) for (let i = 0; i < n; i++) constant[r]! += muK[r * n + i]! * stage.bias[i]!;
    for (const term of stage.terms) {
      const m = term.weight.length / n;
      const acc = (lambda[term.source] ??= new Float64Array(rows * m));
      for (let r = 0; r < rows; r++) for (let i = 0; i < n; i++) {
        const v = muK[r * n + i]!;
        if (v === 0) continue;
        const wo = i * m;
        const ao = r * m;
        for (let j = 0; j < m; j++) acc[ao + j]! += v * term.weight[wo + j]!;
      }
    }
  }
  const lam0 = lambda[0] ?? new Float64Array(rows * d);
  const out = new Float64Array(rows * (d + 1));
  for (let r = 0; r < rows; r++) {
    out.set(lam0.subarray(r * d, r * d + d), r * (d + 1));
    out[r * (d + 1) + d] = constant[r]!;
  }
  return out;
}

/** The identity [n, n]. */
function identity(n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

/**
 * Full-CROWN tightening of stage k's unstable units: backward bounds from Λ = ±e_i through the
 * earlier stages (with their already-final ranges), intersected with the forward range.
 */
function tightenUnstable(net: PlNetwork, k: number, range: UnitRange, ranges: readonly UnitRange[], d: number, lower: Float64Array, upper: Float64Array): void {
  const n = range.lo.length;
  const unstable: number[] = [];
  for (let i = 0; i < n; i++) if (range.lo[i]! < 0 && range.hi[i]! > 0) unstable.push(i);
  const u = unstable.length;
  if (u === 0 || 2 * u * weightCount(net, k + 1) > TIGHTEN_BUDGET) return;
  const mu = new Float64Array(2 * u * n);
  unstable.forEach((i, r) => {
    mu[r * n + i] = 1;
    mu[(u + r) * n + i] = -1;
  });
  const f = backward(net, ranges, d, k, mu);
  unstable.forEach((i, r) => {
    range.lo[i] = Math.max(range.lo[i]!, extreme(f, r, d, lower, upper, false));
    range.hi[i] = Math.min(range.hi[i]!, -extreme(f, u + r, d, lower, upper, false));
  });
}

/** Λ on relu(z) → Λ on z (and the constant), with the ReLU relaxation of the given ranges. */
function relaxBack(lam: Float64Array, range: UnitRange, rows: number, constant: Float64Array, mode: LowerSlope): Float64Array {
  const n = range.lo.length;
  const out = new Float64Array(lam.length);
  for (let i = 0; i < n; i++) {
    const l = range.lo[i]!;
    const u = range.hi[i]!;
    if (u <= 0) continue;
    const active = l >= 0;
    const finite = Number.isFinite(l) && Number.isFinite(u);
    const s = active ? 1 : u / (u - l);
    const alpha = active ? 1 : mode === 'chord' ? s : mode === 'adaptive' ? (u > -l ? 1 : 0) : mode === 'zero' ? 0 : 1;
    for (let r = 0; r < rows; r++) {
      const v = lam[r * n + i]!;
      if (v === 0) continue;
      if (!finite) { constant[r] = -Infinity; continue; }
      if (v > 0) out[r * n + i] = v * alpha;
      else {
        out[r * n + i] = v * s;
        if (!active) constant[r]! -= v * s * l;
      }
    }
  }
  return out;
}

/**
 * The margin a float64 lower bound must exceed before it is taken as proof that a row is > 0:
 * far above the accumulated rounding error (≈ n·2⁻⁵³ times the magnitudes summed), so rounding
 * can never turn a true violation into a proof.
 */
export function boundTolerance(scale: number): number {
  return 1e-9 * (1 + scale);
}

/**
 * Element-wise operators and their linear relaxations (CROWN, Zhang et al. 2018, §3.2, eq. 4–6):
 * for l ≤ z ≤ u each returns lines a_l z + b_l ≤ σ(z) ≤ a_u z + b_u, valid on [l, u].
 *
 * - ReLU: upper line the chord u/(u−l)·(z − l); lower line a·z with a ∈ [0, 1] ('adaptive':
 *   1 where u/(u−l) > 1/2, i.e. u > −l, else 0, as auto_LiRPA; 'same': the chord's slope, the
 *   Wong–Kolter triangle, 2018 eq. 5; or given α). Exact (slope 1 or 0) off the crossing set.
 * - LeakyReLU(a), 0 ≤ a ≤ 1: the same with the slopes a and 1 in place of 0 and 1; chord
 *   through (l, a·l) and (u, u).
 * - HardTanh(lo, hi): exact on a flat or linear piece; one kink: the ReLU-like chord and a tangent
 *   of the two pieces; both kinks: lower line through (u, hi) and (lo, lo), upper line through
 *   (l, lo) and (hi, hi) (both sound on [l, u] by convexity of each piece).
 * - HardSigmoid(z) = clamp(z/6 + 1/2, 0, 1) = (HardTanh(−3, 3)(z) + 3)/6: HardTanh's lines mapped
 *   through the increasing affine map y ↦ (y + 3)/6 (which keeps them sound and exact where they
 *   were); α-CROWN's slope α ∈ [0, 1/6] sets the tangent through the kink of a unit whose
 *   interval holds one kink (the lower line at −3, and as in HardTanh the upper line at 3).
 * Crossing masks are constants; slopes and biases are differentiable in l and u, and every
 * division is by a positive gap (a placeholder 1 elsewhere), so u = l gives no NaN.
 * @module
 */
import { add, clamp, compare, div, maximum, mul, relu, sub, where } from '../../autograd/index.js';
import type { Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import type { ElementwiseOp, Lines, LowerSlope } from './operators.js';
import { alphaLowerSlope, reluLines } from './relu-lines.js';

/** The ReLU (LeakyReLU with a = 0). */
export function reluOp(shape: Shape): ElementwiseOp {
  return leakyReluOp(shape, 0, 'ReLU');
}

/** LeakyReLU(a) = max(z, a z) for 0 ≤ a ≤ 1 (a convex, monotone piecewise-linear function). */
export function leakyReluOp(shape: Shape, a: number, name = `LeakyReLU(${a})`): ElementwiseOp {
  if (!(a >= 0 && a <= 1)) throw new Error(`LeakyReLU: negativeSlope must be in [0, 1] for its relaxation, got ${a}`);
  return {
    kind: 'elementwise',
    name,
    shape,
    forward: (z) => (a === 0 ? relu(z) : maximum(z, mul(z, a))),
    relax: (l, u, lower) => relaxLeaky(l, u, a, lower),
    unstable: (l, u) => mul(compare('lt', l, 0), compare('gt', u, 0)),
    lowerSlopeRange: (l, u) => ({ min: a, max: 1, free: mul(compare('lt', l, 0), compare('gt', u, 0)) }),
  };
}

/** Lines of LeakyReLU(a) on [l, u] (see the module comment). */
function relaxLeaky(l: Tensor, u: Tensor, a: number, lower: LowerSlope): Lines {
  if (typeof lower === 'string' && l.rank === u.rank && l.shape.every((d, k) => d === u.shape[k])) return reluLines(l, u, a, lower); // fused (relu-lines.ts), the same numbers
  if (typeof lower !== 'string' && l.rank === lower.rank && l.shape[1] === 1 && (lower.shape[0] === 1 || lower.shape[0] === l.shape[0]) && l.shape.every((d, k) => d === u.shape[k])) { // α-CROWN's per-row slopes
    const lines = reluLines(l, u, a, 'adaptive');
    return { ...lines, lowerSlope: alphaLowerSlope(l, u, lower, a) };
  }
  return leakyLinesComposed(l, u, a, lower);
}

/** The lines of LeakyReLU(a) as a composition of element-wise ops: any lower slope (α tensors `[B, R, ...S]` against l, u `[B, 1, ...S]`); {@link reluLines} equals it. */
export function leakyLinesComposed(l: Tensor, u: Tensor, a: number, lower: LowerSlope): Lines {
  const crossing = mul(compare('lt', l, 0), compare('gt', u, 0));
  const active = compare('ge', l, 0);
  const offSlope = a === 0 ? active : where(active, 1, a);
  const gap = where(crossing, sub(u, l), 1);
  // chord through (l, a l) and (u, u): slope (u − a l)/(u − l), bias l (a − slope)
  const chord = div(a === 0 ? u : sub(u, mul(l, a)), gap);
  const upperSlope = where(crossing, chord, offSlope);
  const upperBias = where(crossing, mul(l, a === 0 ? mul(chord, -1) : sub(a, chord)), 0);
  const chosen = lower === 'same' ? chord
    : lower === 'adaptive' ? where(compare('gt', chord, 0.5 * (1 + a)), 1, a)
      : clamp(lower, a, 1);
  return { lowerSlope: where(crossing, chosen, offSlope), lowerBias: null, upperSlope, upperBias };
}

/** HardTanh(lo, hi) = min(max(z, lo), hi). */
export function hardTanhOp(shape: Shape, lo: number, hi: number): ElementwiseOp {
  return {
    kind: 'elementwise',
    name: `HardTanh(${lo}, ${hi})`,
    shape,
    forward: (z) => clamp(z, lo, hi),
    relax: (l, u, lower) => relaxHardTanh(l, u, lo, hi, lower),
    unstable: (l, u) => hardTanhUnstable(l, u, lo, hi),
  };
}

/** 1 where (l, u) contains a kink lo or hi of HardTanh(lo, hi) (constant). */
function hardTanhUnstable(l: Tensor, u: Tensor, lo: number, hi: number): Tensor {
  return maximum(mul(compare('lt', l, lo), compare('gt', u, lo)), mul(compare('lt', l, hi), compare('gt', u, hi)));
}

/** PyTorch `nn.Hardsigmoid`, clamp(z/6 + 1/2, 0, 1): kinks at ±3, slope 1/6 between. */
export function hardSigmoidOp(shape: Shape): ElementwiseOp {
  const k = 3; // HardSigmoid = (HardTanh(−k, k) + k) / (2k)
  const scaleLine = (slope: Tensor, bias: Tensor | null): [Tensor, Tensor] =>
    [div(slope, 2 * k), div(bias ? add(bias, k) : add(mul(slope, 0), k), 2 * k)];
  return {
    kind: 'elementwise',
    name: 'HardSigmoid',
    shape,
    forward: (z) => clamp(add(div(z, 2 * k), 0.5), 0, 1),
    relax: (l, u, lower) => {
      const h = relaxHardTanh(l, u, -k, k, typeof lower === 'string' ? lower : mul(lower, 2 * k));
      const [lowerSlope, lowerBias] = scaleLine(h.lowerSlope, h.lowerBias);
      const [upperSlope, upperBias] = scaleLine(h.upperSlope, h.upperBias);
      return { lowerSlope, lowerBias, upperSlope, upperBias };
    },
    unstable: (l, u) => hardTanhUnstable(l, u, -k, k),
    // a tangent through a single kink, (−3, 0) below or (3, 1) above, stays sound for slopes in [0, 1/6]
    lowerSlopeRange: (l, u) => ({ min: 0, max: 1 / (2 * k), free: sub(hardTanhUnstable(l, u, -k, k), mul(compare('lt', l, -k), compare('gt', u, k))) }),
  };
}

/** Lines of HardTanh on [l, u] (see the module comment); `lower` picks the tangent at a single kink. */
function relaxHardTanh(l: Tensor, u: Tensor, lo: number, hi: number, lower: LowerSlope): Lines {
  const below = compare('lt', l, lo); // the lower kink lies inside (l, u) when also u > lo
  const above = compare('gt', u, hi);
  const lowKink = mul(below, compare('gt', u, lo));
  const highKink = mul(above, compare('lt', l, hi));
  const both = mul(lowKink, highKink);
  const onlyLow = sub(lowKink, both);
  const onlyHigh = sub(highKink, both);
  const flatLow = compare('le', u, lo);
  const flatHigh = compare('ge', l, hi);
  const identity = mul(compare('ge', l, lo), compare('le', u, hi));
  const gap = where(compare('gt', sub(u, l), 0), sub(u, l), 1);
  // one low kink: chord from (l, lo) to (u, u) above; below: z (slope 1) or lo (slope 0) or the chord's slope through (lo, lo)
  const sLow = div(sub(u, lo), gap);
  // one high kink: chord from (l, l) to (u, hi) below; above: z or hi or the chord's slope through (hi, hi)
  const sHigh = div(sub(hi, l), gap);
  // both kinks: lower through (u, hi), (lo, lo); upper through (l, lo), (hi, hi)
  const sBothLow = div(Tensor.scalar(hi - lo, l.dtype), where(both, sub(u, lo), 1));
  const sBothUp = div(Tensor.scalar(hi - lo, l.dtype), where(both, sub(hi, l), 1));
  const tangent = (s: Tensor): Tensor => (lower === 'same' ? s : lower === 'adaptive' ? where(compare('gt', s, 0.5), 1, 0) : clamp(lower, 0, 1));
  const tLow = tangent(sLow);
  const tHigh = tangent(sHigh);
  const lowerSlope = where(identity, 1, where(onlyLow, tLow, where(onlyHigh, sHigh, where(both, sBothLow, 0))));
  const upperSlope = where(identity, 1, where(onlyLow, sLow, where(onlyHigh, tHigh, where(both, sBothUp, 0))));
  const constant = where(identity, 0, where(flatLow, lo, where(flatHigh, hi, 0))); // u = ℓ at a kink is both flat and identity: slope 1, bias 0
  const lowerBias = where(onlyLow, mul(sub(1, tLow), lo), where(onlyHigh, sub(l, mul(sHigh, l)), where(both, sub(hi, mul(sBothLow, u)), constant)));
  const upperBias = where(onlyLow, sub(lo, mul(sLow, l)), where(onlyHigh, mul(sub(1, tHigh), hi), where(both, sub(lo, mul(sBothUp, l)), constant)));
  return { lowerSlope, lowerBias, upperSlope, upperBias };
}

/**
 * A fast path for CROWN's intermediate bounds of the first convolution after an element-wise
 * layer that follows a first convolution on the input (z₂ = W₂ ⊛ σ(z₁) + b₂, z₁ = W₁ ⊛ x + b₁):
 * the row of a unit of z₂ only touches a window of z₁ (C₁×k₂×k₂) and of x (C₀×k_in×k_in with
 * k_in = (k₂−1)s₁ + k₁), so the rows are kept as windows (auto_LiRPA's "patches") instead of
 * dense images. Per example b, position p and channel o (CROWN, Zhang et al. 2018, Thm 3.2):
 *
 *   lower(z₂) = G·z₁(c) + Σ (W₂⁺ b_l + W₂⁻ b_u) − |G M|·r + b₂,   G = W₂⁺ ⊙ a_l + W₂⁻ ⊙ a_u,
 *   upper(z₂) = G'·z₁(c) + Σ (W₂⁺ b_u + W₂⁻ b_l) + |G' M|·r + b₂, G' = W₂⁺ ⊙ a_u + W₂⁻ ⊙ a_l,
 *
 * with (a, b) the element-wise lines on the window, c ± r the input box and M the window form of
 * W₁ᵀ (the same for every position; window entries in the padding have zero lines and radius).
 * Exactly the generic back-substitution's numbers, with O(window) instead of O(image) work per row.
 * @module
 */
import { add, cat, clamp, conv2dAdjoint, indexAdd, indexSelect, matmul, mul, reshape, slice, sub, where } from '../../autograd/index.js';
import { sizeOf } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { inputBox } from '../perturbation.js';
import { failClosed, type BackwardContext } from './crown.js';
import { absDot, windowRows } from './window-rows.js';
import type { Interval } from './ibp.js';
import type { ConvCapability, LinearOp } from './operators.js';
import { placePairs, type UnitPairs } from './unit-pairs.js';

/** The three nodes of the pattern, or null when node i is not a conv after an element-wise op after a conv on the input (l∞ sets only). */
export function windowPattern(ctx: BackwardContext, i: number): { second: LinearOp & { conv: ConvCapability }; act: number; first: LinearOp & { conv: ConvCapability } } | null {
  const nodes = ctx.graph.nodes;
  const node = nodes[i]!;
  if (ctx.perturbation.norm !== 'linf' || node.op.kind !== 'linear' || !node.op.conv) return null;
  const act = node.inputs[0]!;
  const actNode = nodes[act];
  if (!actNode || actNode.op.kind !== 'elementwise') return null;
  const firstNode = nodes[actNode.inputs[0]!];
  if (!firstNode || firstNode.inputs[0] !== 0 || firstNode.op.kind !== 'linear' || !firstNode.op.conv) return null;
  return { second: node.op as LinearOp & { conv: ConvCapability }, act, first: firstNode.op as LinearOp & { conv: ConvCapability } };
}

/**
 * Bounds `[B, O₂, H₂, W₂]` of node i: the listed (example, unit) pairs (units flat in
 * `[O₂, H₂, W₂]`) by the module comment's formula, `reference` elsewhere; null when the pattern
 * does not apply.
 */
export function windowBounds(ctx: BackwardContext, i: number, pairs: UnitPairs, reference: Interval): Interval | null {
  const pattern = windowPattern(ctx, i);
  if (!pattern) return null;
  const { second, act, first } = pattern;
  const lines = ctx.lines(act, i);
  const B = ctx.X.shape[0]!;
  if (lines.lowerSlope.size !== lines.upperSlope.size) return null; // per-row slopes (α-CROWN): the generic path
  const [C1, H1, W1] = first.outShape as [number, number, number];
  const [O2, H2, W2] = second.outShape as [number, number, number];
  const g2 = second.conv;
  const [, , k2h, k2w] = g2.weight.shape as [number, number, number, number];
  const F = C1 * k2h * k2w;
  const P = H2 * W2;
  const Q = pairs.flat.length;
  const bOf = pairs.example;
  const pOf = pairs.unit.map((u) => u % P);
  const oOf = pairs.unit.map((u) => Math.floor(u / P));
  // every position's window of z₁
  const win1 = windowIndex([C1, H1, W1], g2, [H2, W2], [k2h, k2w]);
  const gather = (t: Tensor): Tensor => reshape(indexSelect(cat([reshape(expandTo(t, B), [B, -1]), Tensor.zeros([B, 1], t.dtype)], 1), 1, win1), [B, P, F]);
  const [l0, u0] = inputBox(ctx.perturbation, ctx.X);
  const centre = mul(add(l0, u0), 0.5);
  const radius = clamp(mul(sub(u0, l0), 0.5), 0);
  const z1 = first.bias ? add(first.apply(centre), first.bias) : first.apply(centre);
  const w2 = reshape(g2.weight, [O2, F]);
  const pos = clamp(w2, 0);
  const neg = clamp(w2, -Infinity, 0);
  // the constants at the box centre: h = a ⊙ z₁(c) + b on the windows, then Σ_f h·W₂± for every (example, position, channel)
  const z = gather(z1);
  const hL = lines.lowerBias ? add(mul(gather(lines.lowerSlope), z), gather(lines.lowerBias)) : mul(gather(lines.lowerSlope), z);
  const hU = lines.upperBias ? add(mul(gather(lines.upperSlope), z), gather(lines.upperBias)) : mul(gather(lines.upperSlope), z);
  const byW = (t: Tensor, w: Tensor): Tensor => reshape(matmul(t, w, { transB: true }), [B * P * O2]); // [B, P, F]·[O₂, F]ᵀ
  const atPairs = Int32Array.from(pOf, (p, q) => (bOf[q]! * P + p) * O2 + oOf[q]!);
  const lowerConst = indexSelect(add(byW(hL, pos), byW(hU, neg)), 0, atPairs); // [Q]
  const upperConst = indexSelect(add(byW(hU, pos), byW(hL, neg)), 0, atPairs);
  // the radius term |A|·r: A = W₁ᵀ G, G the pairs' rows on their z₁ windows (W₂± ⊙ a), as a transposed convolution onto the input window
  const [aL, aU] = [gather(lines.lowerSlope), gather(lines.upperSlope)];
  const rows = (q0: number, q1: number): Tensor => windowRows(aL, aU, pos, neg, bOf.subarray(q0, q1), pOf.subarray(q0, q1), oOf.subarray(q0, q1)); // [q, 2, F]
  const spread = radiusTerm(rows, first.conv, inputWindows(radius, first.conv, g2, [H2, W2], [k2h, k2w]), [k2h, k2w], bOf, pOf, 2 * F); // [Q, 2]
  const biasQ = second.bias ? indexSelect(reshape(add(second.bias, Tensor.zeros([1, O2, 1, 1], w2.dtype)), [O2]), 0, oOf) : null;
  const withBias = (t: Tensor): Tensor => (biasQ ? add(t, biasQ) : t);
  const lower = withBias(sub(lowerConst, reshape(slice(spread, 1, 0, 1), [Q])));
  const upper = withBias(add(upperConst, reshape(slice(spread, 1, 1, 2), [Q])));
  return [placePairs(failClosed(lower, -Infinity), pairs, reference[0]), placePairs(failClosed(upper, Infinity), pairs, reference[1])];
}

/**
 * Σ_e |A_e| r_e per row, A = W₁ᵀ G (`rows(q0, q1)`: G `[q, 2, C₁·k₂·k₂]` of pairs q0…q1 − 1 on
 * z₁ windows, as a transposed convolution with stride s₁ onto the input window) and r the input
 * radius `[B, P, F₀]` on the window of the pair's example and position: `[Q, 2]`. Pairs go in
 * groups whose G has at most {@link CHUNK} entries: buffers of a few MB are reused by the
 * allocator, larger ones cost a page fault per 4 KiB on every call.
 */
function radiusTerm(rows: (q0: number, q1: number) => Tensor, g1: ConvCapability, radius: Tensor, k2: readonly [number, number], bOf: Int32Array, pOf: Int32Array, perPair: number): Tensor {
  const Q = bOf.length;
  const [C1, C0, k1h, k1w] = g1.weight.shape as [number, number, number, number];
  const kin = [(k2[0] - 1) * g1.stride[0] + k1h, (k2[1] - 1) * g1.stride[1] + k1w] as const;
  const step = Math.max(1, Math.floor(CHUNK / perPair));
  const parts: Tensor[] = [];
  for (let q0 = 0; q0 < Q; q0 += step) {
    const q1 = Math.min(Q, q0 + step);
    const G = rows(q0, q1);
    const N = 2 * (q1 - q0);
    const A = conv2dAdjoint(reshape(G, [N, C1, k2[0], k2[1]]), g1.weight, [N, C0, kin[0], kin[1]], { stride: g1.stride, padding: [0, 0] });
    parts.push(absDot(reshape(A, [q1 - q0, 2, -1]), radius, bOf.subarray(q0, q1), pOf.subarray(q0, q1)));
  }
  return parts.length === 1 ? parts[0]! : cat(parts, 0);
}

/** Entries of the largest temporary a chunked step allocates (4 MB in float32). */
export const CHUNK = 1 << 20;

/** `part` `[B, m]` on the listed units (flat in `reference`'s per-example shape), `reference` elsewhere. */
export function placeUnits(part: Tensor, units: Int32Array, reference: Tensor): Tensor {
  const B = part.shape[0]!;
  const shape = reference.shape.slice(1);
  const n = sizeOf(shape);
  if (units.length === n && units.every((unit, k) => unit === k)) return reshape(part, [B, ...shape]);
  const mask = Tensor.zeros([1, n], part.dtype);
  units.forEach((unit) => { mask.data[unit] = 1; });
  const placed = indexAdd(part, 1, units, [B, n]);
  return reshape(where(mask, placed, reshape(reference, [B, n])), [B, ...shape]);
}

/** A per-unit tensor `[1 | B, ...S]` as `[B, ...S]`. */
function expandTo(t: Tensor, B: number): Tensor {
  return t.shape[0] === B ? t : add(t, Tensor.zeros([B, ...t.shape.slice(1)], t.dtype));
}

/**
 * For each output position (row-major) and window entry (channel, row, column), the flat index
 * into an image [C, H, W], or C·H·W (a zero slot) outside it. Window origin = position·stride − padding.
 */
function windowIndex(image: readonly [number, number, number], g: Pick<ConvCapability, 'stride' | 'padding'>, out: readonly [number, number], size: readonly [number, number]): Int32Array {
  const [C, H, W] = image;
  const n = C * H * W;
  const index = new Int32Array(out[0] * out[1] * C * size[0] * size[1]);
  let k = 0;
  for (let ph = 0; ph < out[0]; ph++) for (let pw = 0; pw < out[1]; pw++) {
    for (let c = 0; c < C; c++) for (let a = 0; a < size[0]; a++) for (let b = 0; b < size[1]; b++) {
      const h = ph * g.stride[0] - g.padding[0] + a;
      const w = pw * g.stride[1] - g.padding[1] + b;
      index[k++] = h >= 0 && h < H && w >= 0 && w < W ? (c * H + h) * W + w : n;
    }
  }
  return index;
}

/** The input radius on each position's input window `[B, P, C₀·k_in·k_in]` (0 outside the image). */
function inputWindows(radius: Tensor, g1: ConvCapability, g2: ConvCapability, out: readonly [number, number], k2: readonly [number, number]): Tensor {
  const B = radius.shape[0]!;
  const [C0, H0, W0] = radius.shape.slice(1) as [number, number, number];
  const [, , k1h, k1w] = g1.weight.shape as [number, number, number, number];
  const kin = [(k2[0] - 1) * g1.stride[0] + k1h, (k2[1] - 1) * g1.stride[1] + k1w] as const;
  // window origin in the input: (p·s₂ − p₂)·s₁ − p₁
  const composite: Pick<ConvCapability, 'stride' | 'padding'> = {
    stride: [g2.stride[0] * g1.stride[0], g2.stride[1] * g1.stride[1]],
    padding: [g2.padding[0] * g1.stride[0] + g1.padding[0], g2.padding[1] * g1.stride[1] + g1.padding[1]],
  };
  const index = windowIndex([C0, H0, W0], composite, out, kin);
  const flat = cat([reshape(radius, [B, -1]), Tensor.zeros([B, 1], radius.dtype)], 1);
  return reshape(indexSelect(flat, 1, index), [B, out[0] * out[1], -1]);
}


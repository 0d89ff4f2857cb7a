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
import { abs, add, cat, clamp, indexAdd, indexSelect, matmul, mul, permute, reshape, sub } from '../../autograd/index.js';
import { Tensor } from '../../tensor/tensor.js';
import { inputBox } from '../perturbation.js';
import type { BackwardContext } from './crown.js';
import type { Interval } from './ibp.js';
import type { ConvCapability, LinearOp } from './operators.js';

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

/** Lower and upper bounds `[B, O₂, H₂, W₂]` of every unit of node i (see the module comment). */
export function windowBounds(ctx: BackwardContext, i: number): Interval | null {
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
  const win1 = windowIndex([C1, H1, W1], g2, [H2, W2], [k2h, k2w]);
  const F = C1 * k2h * k2w;
  const P = H2 * W2;
  const gather = (t: Tensor): Tensor => reshape(indexSelect(cat([reshape(t, [B, -1]), Tensor.zeros([B, 1], t.dtype)], 1), 1, win1), [B, P, F]);
  const [l0, u0] = inputBox(ctx.perturbation, ctx.X);
  const centre = mul(add(l0, u0), 0.5);
  const radius = clamp(mul(sub(u0, l0), 0.5), 0);
  const z1 = first.bias ? add(first.apply(centre), first.bias) : first.apply(centre);
  const aL = gather(expandTo(lines.lowerSlope, B));
  const aU = gather(expandTo(lines.upperSlope, B));
  const z = gather(z1);
  const w2 = reshape(g2.weight, [O2, F]);
  const pos = clamp(w2, 0);
  const neg = clamp(w2, -Infinity, 0);
  const byW = (t: Tensor, w: Tensor): Tensor => matmul(t, w, { transB: true }); // [B, P, F]·[O₂, F]ᵀ → [B, P, O₂]
  let lowerConst = add(byW(mul(aL, z), pos), byW(mul(aU, z), neg));
  let upperConst = add(byW(mul(aU, z), pos), byW(mul(aL, z), neg));
  if (lines.lowerBias) { const bl = gather(expandTo(lines.lowerBias, B)); lowerConst = add(lowerConst, byW(bl, pos)); upperConst = add(upperConst, byW(bl, neg)); }
  if (lines.upperBias) { const bu = gather(expandTo(lines.upperBias, B)); lowerConst = add(lowerConst, byW(bu, neg)); upperConst = add(upperConst, byW(bu, pos)); }
  const M = adjointWindow(first.conv, [k2h, k2w]);
  const r = inputWindows(radius, first.conv, g2, [H2, W2], [k2h, k2w]);
  // G [F, B·P, O₂] = aᵀ ⊗ W₂⁺ + a'ᵀ ⊗ W₂⁻ as one batched product over f with inner size 2, then A = Gᵀ M
  const signs = cat([reshape(permute(pos, [1, 0]), [F, 1, O2]), reshape(permute(neg, [1, 0]), [F, 1, O2])], 1); // [F, 2, O₂]
  const byF = (t: Tensor): Tensor => reshape(permute(reshape(t, [B * P, F]), [1, 0]), [F, B * P, 1]);
  const rBlocks = reshape(r, [B * P, -1, 1]);
  const spread = (slopeA: Tensor, slopeB: Tensor): Tensor => {
    const G = matmul(cat([byF(slopeA), byF(slopeB)], 2), signs); // [F, B·P, O₂]
    const A = matmul(reshape(G, [F, B * P * O2]), M, { transA: true }); // [B·P·O₂, F₀]
    return reshape(matmul(reshape(abs(A), [B * P, O2, -1]), rBlocks), [B, P, O2]);
  };
  const lower = sub(lowerConst, spread(aL, aU));
  const upper = add(upperConst, spread(aU, aL));
  const bias = second.bias ? reshape(second.bias, [1, 1, O2]) : null;
  const layout = (t: Tensor): Tensor => permute(reshape(bias ? add(t, bias) : t, [B, H2, W2, O2]), [0, 3, 1, 2]);
  return [layout(lower), layout(upper)];
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

/**
 * M `[C₁·k₂·k₂, C₀·k_in·k_in]`: z₁ on a k₂×k₂ window (at unit offsets) as a linear map of the input
 * window it reads, M[(c, i, j), (c₀, i·s₁ + u, j·s₁ + v)] = W₁[c, c₀, u, v] (differentiable in W₁).
 */
function adjointWindow(g1: ConvCapability, k2: readonly [number, number]): Tensor {
  const [C1, C0, k1h, k1w] = g1.weight.shape as [number, number, number, number];
  const kin = [(k2[0] - 1) * g1.stride[0] + k1h, (k2[1] - 1) * g1.stride[1] + k1w] as const;
  const F = C1 * k2[0] * k2[1];
  const F0 = C0 * kin[0] * kin[1];
  const src: number[] = [];
  const dst: number[] = [];
  for (let c = 0; c < C1; c++) for (let i = 0; i < k2[0]; i++) for (let j = 0; j < k2[1]; j++) {
    for (let c0 = 0; c0 < C0; c0++) for (let u = 0; u < k1h; u++) for (let v = 0; v < k1w; v++) {
      src.push(((c * C0 + c0) * k1h + u) * k1w + v);
      dst.push(((c * k2[0] + i) * k2[1] + j) * F0 + (c0 * kin[0] + i * g1.stride[0] + u) * kin[1] + j * g1.stride[1] + v);
    }
  }
  const values = indexSelect(reshape(g1.weight, [-1]), 0, Int32Array.from(src));
  return reshape(indexAdd(values, 0, Int32Array.from(dst), [F * F0]), [F, F0]);
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


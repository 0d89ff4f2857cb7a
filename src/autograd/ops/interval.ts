/**
 * Interval arithmetic through an affine map as ONE differentiable op (IBP, Gowal et al. 2018,
 * eq. 6), instead of the ~11 generic ops (and ~15 backward kernels) of its composition:
 *
 *   m = (l + u)·½,  r = max((u − l)·½, 0),  c = A m,  ρ = |A| r,  l' = (c + b) − ρ,  u' = (c + b) + ρ
 *
 * for l, u `[N, ...in]` and A a dense layer (z Wᵀ, W `[out, in]`), a 2-D convolution (W
 * `[O, C, kh, kw]`) or a reshape (A = I). The backward, from the gradients g_lo, g_hi of (l', u'):
 *
 *   g_c = g_lo + g_hi,  g_ρ = g_hi − g_lo,  g_b = Σ_broadcast g_c,
 *   g_W = ∂(A m)/∂W · g_c + sign(W) ⊙ ∂(|A| r)/∂|W| · g_ρ,
 *   g_m = Aᵀ g_c,  g_r = |A|ᵀ g_ρ,  g_l = g_m·½ − e,  g_u = g_m·½ + e,  e = (g_r·[0 ≤ (u − l)·½])·½.
 *
 * Every step is the same rounded operation, on the same kernel, as the composition it replaces
 * (products and convolutions through the backend's matmul / conv2d / conv2dTranspose /
 * conv2dWeightGrad with the same specs; the element-wise steps through the backend's fused
 * `interval` kernel where it has one, else its `binary` and `clamp`), so values and gradients
 * equal the composed ops bit for bit. Its backward runs raw kernels: no second-order gradients.
 * @module
 */
import type { Conv2dSpec, IntervalKernel, MatmulSpec } from '../../tensor/backend.js';
import { getBackend } from '../../tensor/registry.js';
import { shapeText, sizeOf, type Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { recordMulti } from '../tape.js';
import { convSpec } from './conv.js';

/** The linear map A of {@link intervalAffine}. */
export type IntervalMap =
  | { readonly kind: 'dense'; readonly weight: Tensor }
  | { readonly kind: 'conv'; readonly weight: Tensor; readonly stride: readonly [number, number]; readonly padding: readonly [number, number] }
  | { readonly kind: 'reshape'; readonly outShape: Shape };

/** The raw forward and adjoint products of one map on a batch of N rows. */
interface RawMap {
  readonly outShape: Shape;
  apply(z: Tensor, w: Tensor | null): Tensor;
  adjoint(g: Tensor, w: Tensor | null): Tensor;
  weightGrad(z: Tensor, g: Tensor): Tensor;
}

const matmulSpec = (m: number, n: number, k: number, transA: boolean, transB: boolean): MatmulSpec =>
  ({ batch: 1, m, n, k, transA, transB, aBatchStride: 0, bBatchStride: 0 });

/** The products of `map` exactly as `matmul(z, W, { transB })` / `conv2d(z, W)` and their backward call them. */
function rawMap(map: IntervalMap, inShape: Shape): RawMap {
  const N = inShape[0]!;
  const b = getBackend();
  if (map.kind === 'reshape') {
    const inner = inShape.slice(1);
    return { outShape: [N, ...map.outShape], apply: (z) => new Tensor(z.data, [N, ...map.outShape]), adjoint: (g) => new Tensor(g.data, [N, ...inner]), weightGrad: () => { throw new Error('a reshape has no weight'); } };
  }
  if (map.kind === 'dense') {
    const [out, inp] = map.weight.shape as [number, number];
    if (inShape.length !== 2 || inShape[1] !== inp) throw new Error(`intervalAffine: a dense map of weight ${shapeText(map.weight.shape)} needs boxes [N, ${inp}], got ${shapeText(inShape)}`);
    return {
      outShape: [N, out],
      apply: (z, w) => new Tensor(b.matmul(z.data, w!.data, matmulSpec(N, out, inp, false, true)), [N, out]),
      adjoint: (g, w) => new Tensor(b.matmul(g.data, w!.data, matmulSpec(N, inp, out, false, false)), [N, inp]),
      weightGrad: (z, g) => new Tensor(b.matmul(g.data, z.data, matmulSpec(out, inp, N, true, false)), [out, inp]),
    };
  }
  const spec: Conv2dSpec = convSpec(inShape, map.weight.shape, { stride: map.stride, padding: map.padding });
  return {
    outShape: [N, spec.outChannels, spec.outHeight, spec.outWidth],
    apply: (z, w) => new Tensor(b.conv2d(z.data, w!.data, spec), [N, spec.outChannels, spec.outHeight, spec.outWidth]),
    adjoint: (g, w) => new Tensor(b.conv2dTranspose(g.data, w!.data, spec), [...inShape]),
    weightGrad: (z, g) => new Tensor(b.conv2dWeightGrad(z.data, g.data, spec), map.weight.shape),
  };
}

/**
 * [l', u'] = the box of A z + b over z ∈ [l, u] (module doc), one op on the tape.
 * `bias` broadcasts to `[1, ...out]` along one axis (dense `[1, out]` or `[out]`, conv `[1, O, 1, 1]` or `[O, 1, 1]`), or null.
 * @throws Error naming the shapes when l and u differ or the map does not fit them.
 */
export function intervalAffine(l: Tensor, u: Tensor, map: IntervalMap, bias: Tensor | null): [Tensor, Tensor] {
  if (l.shape.length !== u.shape.length || l.shape.some((d, i) => d !== u.shape[i]) || l.dtype !== u.dtype) {
    throw new Error(`intervalAffine: l ${shapeText(l.shape)} and u ${shapeText(u.shape)} must have one shape and dtype`);
  }
  const raw = rawMap(map, l.shape);
  const weight = map.kind === 'reshape' ? null : map.weight;
  const absWeight = weight ? new Tensor(getBackend().unary('abs', weight.data), weight.shape) : null;
  const [m, r] = fused('centre', l, u);
  const layout = bias ? biasLayout(bias, raw.outShape) : undefined;
  // A m and |A| r are fresh arrays of this op (a reshape's share m and r): the shift may overwrite them
  const [lo, hi] = fused('shift', raw.apply(m, weight), raw.apply(r, absWeight), bias, null, layout, weight !== null);
  const inputs = [l, u, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  recordMulti([lo, hi], 'intervalAffine', inputs, ([gLo, gHi]) => {
    const [gc, gr] = gLo && gHi ? fused('split', gLo, gHi) : gLo ? [gLo, new Tensor(getBackend().unary('neg', gLo.data), gLo.shape)] : [gHi!, gHi!];
    const gWeight = weight?.requiresGrad ? weightGradient(raw, weight, m, gc, r, gr) : null;
    const gBias = bias?.requiresGrad ? new Tensor(getBackend().sumToShape(gc.data, gc.shape, bias.shape), bias.shape) : null;
    const [gl, gu] = l.requiresGrad || u.requiresGrad ? fused('centreGrad', raw.adjoint(gc, weight), raw.adjoint(gr, absWeight), l, u, undefined, weight !== null) : [null, null];
    return [gl, gu, ...(weight ? [gWeight] : []), ...(bias ? [gBias] : [])];
  });
  return [lo, hi];
}

/**
 * [m, r] = [(l + u)·½, max((u − l)·½, 0)], the centre and radius of a box, as one op on the tape
 * (the same values and gradients as the composed add / mul / sub / clamp, bit for bit).
 */
export function intervalCentre(l: Tensor, u: Tensor): [Tensor, Tensor] {
  if (l.shape.length !== u.shape.length || l.shape.some((d, i) => d !== u.shape[i]) || l.dtype !== u.dtype) {
    throw new Error(`intervalCentre: l ${shapeText(l.shape)} and u ${shapeText(u.shape)} must have one shape and dtype`);
  }
  const [m, r] = fused('centre', l, u);
  recordMulti([m, r], 'intervalCentre', [l, u], ([gm, gr]) => {
    const zero = (): Tensor => Tensor.zeros(l.shape, l.dtype);
    return fused('centreGrad', gm ?? zero(), gr ?? zero(), l, u);
  });
  return [m, r];
}

/** ∂(A m)/∂W · g_c + sign(W) ⊙ ∂(|A| r)/∂|W| · g_ρ, added in that order (as the composed ops' tape). */
function weightGradient(raw: RawMap, weight: Tensor, m: Tensor, gc: Tensor, r: Tensor, gr: Tensor): Tensor {
  return fused('signFold', raw.weightGrad(m, gc), raw.weightGrad(r, gr), weight, null, undefined, true)[0];
}

/** The bias's channel axis within the output `[N, ...S]`: element i reads bias[floor(i / inner) % channels]. */
function biasLayout(bias: Tensor, outShape: Shape): { inner: number; channels: number } {
  const dims = outShape.slice(1);
  const own = bias.shape.length > dims.length ? bias.shape.slice(bias.shape.length - dims.length) : bias.shape;
  const offset = dims.length - own.length;
  const axes = own.map((d, i) => (d === 1 ? -1 : i + offset)).filter((a) => a >= 0);
  if (axes.length > 1 || own.some((d, i) => d !== 1 && d !== dims[i + offset]) || bias.shape.slice(0, bias.shape.length - own.length).some((d) => d !== 1)) {
    throw new Error(`intervalAffine: bias ${shapeText(bias.shape)} must broadcast along one axis of ${shapeText(outShape)}`);
  }
  const axis = axes[0] ?? dims.length - 1;
  return { inner: sizeOf(dims.slice(axis + 1)), channels: axes.length ? dims[axis]! : 1 };
}

/**
 * One fused interval kernel (see the Backend's `interval`) on tensors of a's shape: the backend's,
 * or the composition. `inPlace`: a and b are this op's own fresh arrays, which the kernel may overwrite.
 */
function fused(kernel: IntervalKernel, a: Tensor, b: Tensor, c: Tensor | null = null, d: Tensor | null = null, layout?: { inner: number; channels: number }, inPlace = false): [Tensor, Tensor] {
  const backend = getBackend();
  if (backend.interval && (!c || c.dtype === a.dtype)) {
    const [x, y] = backend.interval(kernel, a.data, b.data, c?.data ?? null, d?.data ?? null, layout, inPlace);
    return [new Tensor(x, a.shape), new Tensor(y, a.shape)];
  }
  return composed(kernel, a, b, c, d);
}

/** The generic kernels the fused ones replace, in the same order (the reference for them). */
function composed(kernel: IntervalKernel, a: Tensor, b: Tensor, c: Tensor | null, d: Tensor | null): [Tensor, Tensor] {
  const k = getBackend();
  const s = a.shape;
  const half = Tensor.scalar(0.5, a.dtype);
  const bin = (op: Parameters<typeof k.binary>[0], x: Tensor, y: Tensor): Tensor => new Tensor(k.binary(op, x.data, x.shape, y.data, y.shape, s), s);
  switch (kernel) {
    case 'centre':
      return [bin('mul', bin('add', a, b), half), new Tensor(k.clamp(bin('mul', bin('sub', b, a), half).data, 0, Infinity), s)];
    case 'shift': {
      const mid = c ? bin('add', a, c) : a;
      return [bin('sub', mid, b), bin('add', mid, b)];
    }
    case 'split':
      return [bin('add', a, b), bin('sub', b, a)];
    case 'signFold': {
      const sum = bin('add', a, bin('mul', b, new Tensor(k.unary('sign', c!.data), s)));
      return [sum, sum];
    }
    case 'centreGrad': {
      const h = bin('mul', bin('sub', d!, c!), half);
      const mask = bin('mul', bin('ge', h, Tensor.scalar(0, a.dtype)), bin('le', h, Tensor.scalar(Infinity, a.dtype)));
      const sHalf = bin('mul', a, half);
      const e = bin('mul', bin('mul', b, mask), half);
      return [bin('sub', sHalf, e), bin('add', sHalf, e)];
    }
  }
}

/** The fused kernel's results by composition of generic kernels (tests compare a backend's `interval` with it). */
export const composedIntervalKernel = composed;

/**
 * The linear operators z ↦ A z + b of the bound graph, each with its adjoint Aᵀ (the backward
 * step λ ↦ Aᵀ λ of CROWN and of the dual, Wong & Kolter 2018 eq. 9) and |A| (interval
 * arithmetic, Gowal et al. 2018 eq. 6: A z ∈ A m ± |A| r over the box m ± r). Inputs and outputs
 * carry one leading axis N (batch × rows): `[N, ...inShape]` → `[N, ...outShape]`.
 * @module
 */
import { abs, add, conv2d, conv2dAdjoint, convSpec, div, matmul, mul, reshape, sqrt, sub, sum } from '../../autograd/index.js';
import { avgPool2d, poolGeometry } from '../../autograd/ops/pool.js';
import type { Shape } from '../../tensor/shape.js';
import { sizeOf } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { safeSqrt } from '../norms.js';
import type { LinearOp } from './operators.js';

/** Fully connected: W `[out, in]`, b `[out]` or null. */
export function linearOp(name: string, weight: Tensor, bias: Tensor | null): LinearOp {
  const [out, inp] = weight.shape as [number, number];
  return {
    kind: 'linear', name, inShape: [inp], outShape: [out], bias: bias ? reshape(bias, [1, out]) : null,
    apply: (z) => matmul(z, weight, { transB: true }),
    applyAbs: (z) => matmul(z, abs(weight), { transB: true }),
    adjoint: (lambda) => matmul(lambda, weight),
    l2RowNorms: () => reshape(safeSqrt(sum(mul(weight, weight), 1)), [1, out]), // gradient 0, not NaN, on a zero row
    intervalMap: { kind: 'dense', weight },
  };
}

/** Stride and zero padding of a convolution. */
export interface ConvGeometry2 {
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
}

/** 2-D convolution W `[O, C, kh, kw]` on `[C, H, W]`; the transpose is the exact adjoint for any stride. */
export function conv2dOp(name: string, weight: Tensor, bias: Tensor | null, geometry: ConvGeometry2, inShape: Shape): LinearOp {
  const spec = convSpec([1, ...inShape], weight.shape, geometry);
  const outShape = [spec.outChannels, spec.outHeight, spec.outWidth];
  return {
    kind: 'linear', name, inShape: [...inShape], outShape, bias: bias ? reshape(bias, [1, spec.outChannels, 1, 1]) : null,
    apply: (z) => conv2d(z, weight, null, geometry),
    applyAbs: (z) => conv2d(z, abs(weight), null, geometry),
    adjoint: (lambda) => conv2dAdjoint(lambda, weight, [lambda.shape[0]!, ...inShape], geometry),
    conv: { weight, stride: geometry.stride, padding: geometry.padding },
    intervalMap: { kind: 'conv', weight, stride: geometry.stride, padding: geometry.padding },
    // the whole kernel's norm (auto_LiRPA's): exact inside the image, an upper bound where padding cuts the window
    l2RowNorms: () => reshape(safeSqrt(sum(reshape(mul(weight, weight), [spec.outChannels, -1]), 1)), [1, spec.outChannels, 1, 1]),
  };
}

/** Flatten `[...S]` → `[|S|]` (a reshape; A = I). */
export function flattenOp(name: string, inShape: Shape): LinearOp {
  const n = sizeOf(inShape);
  return {
    kind: 'linear', name, inShape: [...inShape], outShape: [n], bias: null,
    apply: (z) => reshape(z, [z.shape[0]!, n]),
    applyAbs: (z) => reshape(z, [z.shape[0]!, n]),
    adjoint: (lambda) => reshape(lambda, [lambda.shape[0]!, ...inShape]),
    intervalMap: { kind: 'reshape', outShape: [n] },
  };
}

/** Window geometry of a pooling layer. */
export interface PoolLayerGeometry {
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
}

/** AvgPool2d (count_include_pad): a per-channel convolution with the constant kernel 1/k² (A ≥ 0, so |A| = A). */
export function avgPoolOp(name: string, pool: PoolLayerGeometry, inShape: Shape): LinearOp {
  const g = poolGeometry(name, inShape, pool);
  const [C, H, W] = inShape as [number, number, number];
  const outShape = [C, g.out[0], g.out[1]];
  const conv = { stride: g.stride, padding: g.padding };
  const apply = (z: Tensor): Tensor => avgPool2d(z, pool);
  return {
    kind: 'linear', name, inShape: [...inShape], outShape, bias: null, apply, applyAbs: apply,
    adjoint: (lambda) => {
      const N = lambda.shape[0]!;
      const kernel = Tensor.full([1, 1, g.kernel[0], g.kernel[1]], 1 / (g.kernel[0] * g.kernel[1]), lambda.dtype);
      const back = conv2dAdjoint(reshape(lambda, [N * C, 1, g.out[0], g.out[1]]), kernel, [N * C, 1, H, W], conv);
      return reshape(back, [N, C, H, W]);
    },
  };
}

/** Evaluation-mode BatchNorm2d: z ↦ s ⊙ z + (β − μ s) per channel, s = γ / sqrt(σ² + eps). */
export function batchNormOp(name: string, weight: Tensor, bias: Tensor, mean: Tensor, variance: Tensor, eps: number, inShape: Shape): LinearOp {
  const C = inShape[0]!;
  const scale = reshape(div(weight, sqrt(add(variance, eps))), [1, C, 1, 1]);
  const shift = sub(reshape(bias, [1, C, 1, 1]), mul(reshape(mean, [1, C, 1, 1]), scale));
  return {
    kind: 'linear', name, inShape: [...inShape], outShape: [...inShape], bias: shift,
    apply: (z) => mul(z, scale),
    applyAbs: (z) => mul(z, abs(scale)),
    adjoint: (lambda) => mul(lambda, scale),
  };
}

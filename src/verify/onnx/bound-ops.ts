/**
 * The linear operators that ONNX glue between layers needs beside the engine's own (Linear,
 * Conv2d, AvgPool2d, MaxPool2d, ReLU): each is z ↦ A z + b with its adjoint Aᵀ and |A|, as the
 * {@link LinearOp} declaration asks (`src/relax/bounds/operators.ts`).
 *
 * - {@link affineOp}: A = diag(s), b = t (Add / Sub / Mul / Div by constants, BatchNormalization);
 * - {@link reshapeOp}: A = I between two shapes of one size (Flatten, Reshape, Squeeze, Unsqueeze);
 * - {@link gatherOp}: y_k = z_{σ(k)} (Transpose; A a permutation, |A| = A);
 * - {@link scatterOp}: y_{τ(k)} = z_k, the rest the constant b (constant-mode Pad; A an injection).
 * Inputs and outputs carry one leading axis N (batch × rows): `[N, ...inShape]` → `[N, ...outShape]`.
 * @module
 */
import { indexAdd, indexSelect, mul, reshape } from '../../autograd/index.js';
import type { LinearOp } from '../../relax/bounds/index.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';

/** A float64 tensor `[1, ...shape]` of per-example values. */
export function perExample(values: Float64Array, shape: Shape): Tensor {
  return new Tensor(values, [1, ...shape]);
}

/** z ↦ s ⊙ z + t on one shape; `scale` null means s = 1, `shift` null means t = 0. */
export function affineOp(name: string, shape: Shape, scale: Float64Array | null, shift: Float64Array | null): LinearOp {
  const s = scale && perExample(scale, shape);
  const absS = scale && perExample(scale.map(Math.abs), shape);
  const same = (z: Tensor): Tensor => reshape(z, z.shape);
  return {
    kind: 'linear', name, inShape: [...shape], outShape: [...shape], bias: shift && perExample(shift, shape),
    apply: (z) => (s ? mul(z, s) : same(z)),
    applyAbs: (z) => (absS ? mul(z, absS) : same(z)),
    adjoint: (lambda) => (s ? mul(lambda, s) : same(lambda)),
  };
}

/** The identity between two shapes of one size (row-major order kept). */
export function reshapeOp(name: string, inShape: Shape, outShape: Shape): LinearOp {
  if (sizeOf(inShape) !== sizeOf(outShape)) throw new Error(`${name}: cannot reshape [${inShape.join(',')}] to [${outShape.join(',')}]`);
  const to = (z: Tensor, shape: Shape): Tensor => reshape(z, [z.shape[0]!, ...shape]);
  return {
    kind: 'linear', name, inShape: [...inShape], outShape: [...outShape], bias: null,
    apply: (z) => to(z, outShape),
    applyAbs: (z) => to(z, outShape),
    adjoint: (lambda) => to(lambda, inShape),
  };
}

/** y_k = z_{source[k]} (flat indices; `source` a permutation or any selection). */
export function gatherOp(name: string, inShape: Shape, outShape: Shape, source: Int32Array): LinearOp {
  const nIn = sizeOf(inShape);
  const nOut = sizeOf(outShape);
  if (source.length !== nOut || source.some((k) => k < 0 || k >= nIn)) throw new Error(`${name}: ${nOut} source indices in [0, ${nIn}) expected`);
  const apply = (z: Tensor): Tensor => reshape(indexSelect(reshape(z, [z.shape[0]!, nIn]), 1, source), [z.shape[0]!, ...outShape]);
  return {
    kind: 'linear', name, inShape: [...inShape], outShape: [...outShape], bias: null, apply, applyAbs: apply,
    adjoint: (lambda) => {
      const N = lambda.shape[0]!;
      return reshape(indexAdd(reshape(lambda, [N, nOut]), 1, source, [N, nIn]), [N, ...inShape]);
    },
  };
}

/** y_{target[k]} = z_k, every other entry `fill` (flat indices; `target` injective). */
export function scatterOp(name: string, inShape: Shape, outShape: Shape, target: Int32Array, fill: number): LinearOp {
  const nIn = sizeOf(inShape);
  const nOut = sizeOf(outShape);
  if (target.length !== nIn || target.some((k) => k < 0 || k >= nOut)) throw new Error(`${name}: ${nIn} target indices in [0, ${nOut}) expected`);
  let bias: Tensor | null = null;
  if (fill !== 0) {
    const b = new Float64Array(nOut).fill(fill);
    target.forEach((k) => { b[k] = 0; });
    bias = perExample(b, outShape);
  }
  const apply = (z: Tensor): Tensor => reshape(indexAdd(reshape(z, [z.shape[0]!, nIn]), 1, target, [z.shape[0]!, nOut]), [z.shape[0]!, ...outShape]);
  return {
    kind: 'linear', name, inShape: [...inShape], outShape: [...outShape], bias, apply, applyAbs: apply,
    adjoint: (lambda) => {
      const N = lambda.shape[0]!;
      return reshape(indexSelect(reshape(lambda, [N, nOut]), 1, target), [N, ...inShape]);
    },
  };
}

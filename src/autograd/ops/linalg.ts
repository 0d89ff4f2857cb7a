/**
 * Matrix products: batched `matmul` with broadcasting of leading dimensions and optional
 * transposes, and `linear` (x Wᵀ + b, PyTorch layout W = [out, in]).
 * @module
 */
import type { MatmulSpec } from '../../tensor/backend.js';
import { getBackend } from '../../tensor/registry.js';
import { broadcastShapes, shapeText, sizeOf, type Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { add, expandRaw, sumTo } from './elementwise.js';
import { reshape } from './shape.js';

/** Options of {@link matmul}: use an operand's last two axes transposed. */
export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

/**
 * `op(a) · op(b)` over the last two axes, broadcasting leading (batch) axes. a: [..., m, k]
 * (or [..., k, m] with transA), b: [..., k, n] (or [..., n, k] with transB) → [..., m, n].
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  if (a.rank < 2 || b.rank < 2) throw new Error(`matmul: both operands need rank >= 2, got ${shapeText(a.shape)} and ${shapeText(b.shape)}`);
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [kb, n] = transB ? [bc, br] : [br, bc];
  if (k !== kb) throw new Error(`matmul: inner dimensions differ: ${shapeText(a.shape)}${transA ? 'ᵀ' : ''} · ${shapeText(b.shape)}${transB ? 'ᵀ' : ''}`);
  const batchShape = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = sizeOf(batchShape);
  const aFull = batchOperand(a, batchShape);
  const bFull = batchOperand(b, batchShape);
  const spec: MatmulSpec = {
    batch, m, n, k, transA, transB,
    aBatchStride: aFull.size === ar * ac ? 0 : ar * ac,
    bBatchStride: bFull.size === br * bc ? 0 : br * bc,
  };
  const out = new Tensor(getBackend().matmul(aFull.data, bFull.data, spec), [...batchShape, m, n]);
  return record(out, 'matmul', [a, b], (g) => [
    a.requiresGrad ? sumTo(transA ? matmul(b, g, { transA: transB, transB: true }) : matmul(g, b, { transB: !transB }), a.shape) : null,
    b.requiresGrad ? sumTo(transB ? matmul(g, a, { transA: true, transB: transA }) : matmul(a, g, { transA: !transA }), b.shape) : null,
  ]);
}

/** Broadcasts the batch axes of an operand, keeping a single matrix as is (stride 0). */
function batchOperand(x: Tensor, batchShape: Shape): Tensor {
  const own = x.shape.slice(0, -2);
  if (sizeOf(own) === 1) return x;
  return expandRaw(x, [...batchShape, ...x.shape.slice(-2)]);
}

/** `x Wᵀ + b` over the last axis of x: x [..., in], weight [out, in], bias [out]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (x.shape[x.rank - 1] !== weight.shape[1]) {
    throw new Error(`linear: input ${shapeText(x.shape)} does not match weight ${shapeText(weight.shape)} (expected last dimension ${weight.shape[1]})`);
  }
  const lead = x.shape.slice(0, -1);
  const flat = reshape(x, [sizeOf(lead), weight.shape[1]!]);
  const y = reshape(matmul(flat, weight, { transB: true }), [...lead, weight.shape[0]!]);
  return bias ? add(y, bias) : y;
}

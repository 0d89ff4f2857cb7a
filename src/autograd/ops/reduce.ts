/**
 * Reductions: sum / mean / max / min along an axis (or all), logsumexp, median along an axis
 * (gradient to the median element, as PyTorch) and the median of |x|, and the l2 norm along an axis.
 * @module
 */
import { getBackend } from '../../tensor/registry.js';
import { normalizeAxis, type Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { noGrad, record } from '../tape.js';
import { add, compare, div, exp, expandRaw, log, mul, sqrt, sub, where } from './elementwise.js';
import { reshape } from './shape.js';
import { scatterAlong } from './index.js';

function keptShape(shape: Shape, axis: number): number[] {
  return shape.map((d, i) => (i === axis ? 1 : d));
}

function droppedShape(shape: Shape, axis: number): number[] {
  return shape.filter((_, i) => i !== axis);
}

/** Sum over `axis` (all elements when omitted). */
export function sum(x: Tensor, axis?: number, keepDim = false): Tensor {
  if (axis === undefined) {
    const flat = reshape(x, [x.size]);
    const total = sum(flat, 0);
    return keepDim ? reshape(total, x.shape.map(() => 1)) : total;
  }
  const a = normalizeAxis(axis, x.rank);
  const shape = keepDim ? keptShape(x.shape, a) : droppedShape(x.shape, a);
  const out = new Tensor(getBackend().reduce('sum', x.data, x.shape, a), shape);
  return record(out, 'sum', [x], (g) => [expandRaw(reshape(g, keptShape(x.shape, a)), x.shape)]);
}

/** Mean over `axis` (all elements when omitted). */
export function mean(x: Tensor, axis?: number, keepDim = false): Tensor {
  const count = axis === undefined ? x.size : x.shape[normalizeAxis(axis, x.rank)]!;
  return div(sum(x, axis, keepDim), count);
}

function extreme(op: 'max' | 'min', x: Tensor, axis: number, keepDim: boolean): Tensor {
  const a = normalizeAxis(axis, x.rank);
  const shape = keepDim ? keptShape(x.shape, a) : droppedShape(x.shape, a);
  const out = new Tensor(getBackend().reduce(op, x.data, x.shape, a), shape);
  return record(out, op, [x], (g) => {
    const at = getBackend().argReduce(op, x.data, x.shape, a);
    return [scatterAlong(reshape(g, keptShape(x.shape, a)), at, a, x.shape)];
  });
}

/** Maximum over `axis`; the gradient goes to the first maximal element. */
export function max(x: Tensor, axis: number, keepDim = false): Tensor {
  return extreme('max', x, axis, keepDim);
}

/** Minimum over `axis`; the gradient goes to the first minimal element. */
export function min(x: Tensor, axis: number, keepDim = false): Tensor {
  return extreme('min', x, axis, keepDim);
}

/** Positions of the maximum along `axis`. */
export function argmax(x: Tensor, axis: number): Int32Array {
  return getBackend().argReduce('max', x.data, x.shape, normalizeAxis(axis, x.rank));
}

/** `log Σ exp(x)` over `axis`, computed stably around the maximum. */
export function logsumexp(x: Tensor, axis: number, keepDim = false): Tensor {
  const a = normalizeAxis(axis, x.rank);
  const m = new Tensor(getBackend().reduce('max', x.data, x.shape, a), keptShape(x.shape, a));
  const finite = new Tensor(m.data.map((v) => (Number.isFinite(v) ? v : 0)), m.shape);
  const out = add(log(sum(exp(sub(x, finite)), a, true)), finite);
  return keepDim ? out : reshape(out, droppedShape(x.shape, a));
}

/**
 * Lower median along `axis` (PyTorch `median(dim)`); the gradient goes to the median element.
 * Returns the values; positions are available from {@link medianWithIndex}.
 */
export function median(x: Tensor, axis: number, keepDim = false): Tensor {
  return medianWithIndex(x, axis, keepDim).values;
}

/** Median values and their positions along `axis`. */
export function medianWithIndex(x: Tensor, axis: number, keepDim = false): { values: Tensor; indices: Int32Array } {
  const a = normalizeAxis(axis, x.rank);
  const shape = keepDim ? keptShape(x.shape, a) : droppedShape(x.shape, a);
  const { values, indices } = getBackend().median(x.data, x.shape, a);
  const out = record(new Tensor(values, shape), 'median', [x], (g) => [
    scatterAlong(reshape(g, keptShape(x.shape, a)), indices, a, x.shape),
  ]);
  return { values: out, indices };
}

/**
 * Lower median of |x| along `axis`: `median_k |x_k|`, equal to `median(abs(x), axis)` in values and
 * gradient without the dense |x| and sign(x) tensors. This is the Cauchy estimate of an l1 norm,
 * `median_k |A_m R_k| → ‖A_m‖_1` (Wong, Schmidt, Metzen & Kolter 2018, eq. 13), over the k
 * projections `[B, k, ...S]` → `[B, ...S]`. The gradient `g · sign(x_p)` goes to the median
 * position p only (0 where x_p = 0, as abs's).
 */
export function medianAbs(x: Tensor, axis: number, keepDim = false): Tensor {
  const a = normalizeAxis(axis, x.rank);
  const kept = keptShape(x.shape, a);
  const { values, indices } = getBackend().median(x.data, x.shape, a, true);
  const out = new Tensor(values, keepDim ? kept : droppedShape(x.shape, a));
  return record(out, 'medianAbs', [x], (g) => {
    const atMedian = getBackend().gather(x.data, x.shape, a, indices, kept);
    const signs = new Tensor(getBackend().unary('sign', atMedian), kept);
    return [scatterAlong(mul(reshape(g, kept), signs), indices, a, x.shape)];
  });
}

/**
 * Euclidean norm over `axis`: `sqrt(Σ x²)`. Gradient `x / ‖x‖`, and 0 where ‖x‖ = 0 (PyTorch's
 * `norm` backward), so an all-zero slice (e.g. the row c = e_y − e_y of the dual objective's
 * ‖ν‖₂ term) does not turn every gradient into NaN.
 */
export function norm2(x: Tensor, axis: number, keepDim = false): Tensor {
  const a = normalizeAxis(axis, x.rank);
  const out = noGrad(() => sqrt(sum(mul(x, x), a, keepDim)));
  return record(out, 'norm2', [x], (g) => {
    const norm = reshape(out, keptShape(x.shape, a));
    const scale = where(compare('gt', norm, 0), div(reshape(g, keptShape(x.shape, a)), norm), 0);
    return [mul(x, scale)];
  });
}

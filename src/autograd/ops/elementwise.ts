/**
 * Element-wise differentiable ops: arithmetic with broadcasting, unary maps, clamp, where.
 * Each backward sits right under its forward; broadcast inputs get `sumTo` (the adjoint of
 * broadcasting) applied to their gradient.
 * @module
 */
import type { BinaryOp, UnaryOp } from '../../tensor/backend.js';
import { getBackend } from '../../tensor/registry.js';
import { broadcastShapes, shapesEqual, type Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { isGradEnabled, record } from '../tape.js';

/** A tensor or a plain number (a scalar of the other operand's dtype). */
export type TensorLike = Tensor | number;

function lift(x: TensorLike, like: TensorLike): Tensor {
  if (x instanceof Tensor) return x;
  return Tensor.scalar(x, like instanceof Tensor ? like.dtype : 'float32');
}

/**
 * Sums a gradient of a broadcast shape back down to `shape` (adjoint of broadcasting);
 * differentiable, its gradient is the broadcast back up.
 * @throws Error naming both shapes when `shape` does not broadcast to `g.shape`.
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  if (!shapesEqual(broadcastShapes(shape, g.shape), g.shape)) {
    throw new Error(`sumTo: target shape [${shape.join(', ')}] does not broadcast to [${g.shape.join(', ')}]`);
  }
  const out = new Tensor(getBackend().sumToShape(g.data, g.shape, shape), shape);
  return record(out, 'sumTo', [g], (d) => [expandRaw(d, g.shape)]);
}

function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const out = getBackend().binary(op, a.data, a.shape, b.data, b.shape, shape);
  return new Tensor(out, shape);
}

function unaryRaw(op: UnaryOp, x: Tensor): Tensor {
  return new Tensor(getBackend().unary(op, x.data), x.shape);
}

/** `a + b` with broadcasting. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [lift(a, b), lift(b, a)];
  return record(binaryRaw('add', x, y), 'add', [x, y], (g) => [sumTo(g, x.shape), sumTo(g, y.shape)]);
}

/** `a - b` with broadcasting. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [lift(a, b), lift(b, a)];
  return record(binaryRaw('sub', x, y), 'sub', [x, y], (g) => [sumTo(g, x.shape), sumTo(neg(g), y.shape)]);
}

/**
 * The gradient `sumTo(g ⊙ other, shape)` of a factor of shape `shape` in a product. When the
 * factor was broadcast and `other` has g's full shape (the ReLU weights times the Cauchy columns
 * of the projected dual, d times the carried columns), the backend sums the product without
 * writing it out (when the backend has `productSumToShape`). `backward` runs under no-grad, where the fused result needs no tape entry;
 * with recording on (a gradient of a gradient) the differentiable composite is used.
 */
function factorGradient(g: Tensor, other: Tensor, shape: Shape): Tensor {
  const backend = getBackend();
  const fusable = backend.productSumToShape && !isGradEnabled() && !shapesEqual(g.shape, shape) && shapesEqual(other.shape, g.shape);
  if (!fusable) return sumTo(mul(g, other), shape);
  return new Tensor(backend.productSumToShape!(g.data, other.data, g.shape, shape), shape);
}

/** `a * b` with broadcasting. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [lift(a, b), lift(b, a)];
  return record(binaryRaw('mul', x, y), 'mul', [x, y], (g) => [
    x.requiresGrad ? factorGradient(g, y, x.shape) : null,
    y.requiresGrad ? factorGradient(g, x, y.shape) : null,
  ]);
}

/** `a / b` with broadcasting. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [lift(a, b), lift(b, a)];
  const out = binaryRaw('div', x, y);
  return record(out, 'div', [x, y], (g) => [
    x.requiresGrad ? sumTo(div(g, y), x.shape) : null,
    y.requiresGrad ? sumTo(neg(div(mul(g, out), y)), y.shape) : null,
  ]);
}

/** Element-wise maximum; the gradient goes to `a` where `a >= b`, else to `b`. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [lift(a, b), lift(b, a)];
  return record(binaryRaw('max', x, y), 'maximum', [x, y], (g) => {
    const pick = binaryRaw('ge', x, y);
    return [sumTo(mul(g, pick), x.shape), sumTo(mul(g, sub(1, pick)), y.shape)];
  });
}

/** Element-wise minimum; the gradient goes to `a` where `a <= b`, else to `b`. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = [lift(a, b), lift(b, a)];
  return record(binaryRaw('min', x, y), 'minimum', [x, y], (g) => {
    const pick = binaryRaw('le', x, y);
    return [sumTo(mul(g, pick), x.shape), sumTo(mul(g, sub(1, pick)), y.shape)];
  });
}

/** Comparison `a op b` as 1/0 values (not differentiable). */
export function compare(op: 'gt' | 'ge' | 'lt' | 'le' | 'eq', a: TensorLike, b: TensorLike): Tensor {
  return binaryRaw(op, lift(a, b), lift(b, a));
}

/** `-x`. */
export function neg(x: Tensor): Tensor {
  return record(unaryRaw('neg', x), 'neg', [x], (g) => [neg(g)]);
}

/** `|x|`; gradient `sign(x)` (0 at 0, as PyTorch). */
export function abs(x: Tensor): Tensor {
  return record(unaryRaw('abs', x), 'abs', [x], (g) => [mul(g, unaryRaw('sign', x))]);
}

/** `max(x, 0)`; gradient 1 where x > 0. */
export function relu(x: Tensor): Tensor {
  return record(unaryRaw('relu', x), 'relu', [x], (g) => [reluGrad(g, x)]);
}

/** g·step(x): one fused kernel where the backend has it (same bits), else the product; differentiable in g. */
function reluGrad(g: Tensor, x: Tensor): Tensor {
  const fused = getBackend().reluGrad;
  if (!fused || isGradEnabled() || g.dtype !== x.dtype || !shapesEqual(g.shape, x.shape)) return mul(g, unaryRaw('step', x));
  return new Tensor(fused(g.data, x.data), x.shape);
}

/** `exp(x)`. */
export function exp(x: Tensor): Tensor {
  const out = unaryRaw('exp', x);
  return record(out, 'exp', [x], (g) => [mul(g, out)]);
}

/** Natural logarithm. */
export function log(x: Tensor): Tensor {
  return record(unaryRaw('log', x), 'log', [x], (g) => [div(g, x)]);
}

/** Square root. */
export function sqrt(x: Tensor): Tensor {
  const out = unaryRaw('sqrt', x);
  return record(out, 'sqrt', [x], (g) => [div(g, mul(out, 2))]);
}

/** `x²`. */
export function square(x: Tensor): Tensor {
  return record(unaryRaw('square', x), 'square', [x], (g) => [mul(g, mul(x, 2))]);
}

/** Sign of x as -1/0/1 (not differentiable). */
export function sign(x: Tensor): Tensor {
  return unaryRaw('sign', x);
}

/**
 * `min(max(x, lo), hi)`; pass `-Infinity` / `Infinity` (or undefined) for a one-sided clamp.
 * Gradient 1 where lo <= x <= hi (PyTorch's convention at the boundary).
 */
export function clamp(x: Tensor, lo = -Infinity, hi = Infinity): Tensor {
  const out = new Tensor(getBackend().clamp(x.data, lo, hi), x.shape);
  return record(out, 'clamp', [x], (g) => [mul(g, mul(compare('ge', x, lo), compare('le', x, hi)))]);
}

/** `cond != 0 ? a : b` with broadcasting of all three; `cond` gets no gradient. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const x = lift(a, b instanceof Tensor ? b : cond); // two numbers take the condition's dtype (0.1 stays 0.1 in float64)
  const y = lift(b, x);
  const shape = broadcastShapes(broadcastShapes(cond.shape, x.shape), y.shape);
  const c = expandRaw(cond, shape);
  const out = new Tensor(getBackend().where(c.data, expandRaw(x, shape).data, expandRaw(y, shape).data), shape);
  return record(out, 'where', [x, y], (g) => {
    const zero = Tensor.zeros([], g.dtype);
    return [sumTo(where(c, g, zero), x.shape), sumTo(where(c, zero, g), y.shape)];
  });
}

/** `value` where `mask != 0`, else x (PyTorch `masked_fill`). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  return where(mask, Tensor.scalar(value, x.dtype), x);
}

/** Materialises `x` broadcast to `shape` (no history). */
export function expandRaw(x: Tensor, shape: Shape): Tensor {
  if (shapesEqual(x.shape, shape)) return x;
  if (!shapesEqual(broadcastShapes(x.shape, shape), shape)) {
    throw new Error(`cannot expand shape [${x.shape.join(', ')}] to [${shape.join(', ')}]`);
  }
  const zero = x.dtype === 'float64' ? new Float64Array(1) : new Float32Array(1);
  return new Tensor(getBackend().binary('add', x.data, x.shape, zero, [], shape), shape);
}

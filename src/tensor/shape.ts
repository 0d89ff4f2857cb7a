/**
 * Shapes: row-major, contiguous. Helpers for sizes, strides, broadcasting and axis arguments.
 * @module
 */

/** A tensor shape, outermost dimension first. */
export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar `[]`). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a contiguous tensor of this shape. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** `[2,3]` style text for error messages. */
export function shapeText(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** True when both shapes have the same rank and dimensions. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * NumPy broadcasting: align trailing dimensions; each pair must be equal or contain a 1.
 * @throws Error naming both shapes when they do not broadcast.
 */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`shapes ${shapeText(a)} and ${shapeText(b)} do not broadcast (dimension ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Resolves a possibly negative axis against a rank.
 * @throws Error naming the argument when the axis is out of range.
 */
export function normalizeAxis(axis: number, rank: number, argName = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new Error(`${argName} ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return a;
}

/** Checks that every dimension is a non-negative integer; `argName` names the argument in errors. */
export function checkShape(shape: Shape, argName = 'shape'): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${argName} ${shapeText(shape)} must hold non-negative integers`);
  }
}

/**
 * Splits a shape around an axis into (outer, size, inner) products, the usual view of a
 * reduction or gather along one axis of a row-major tensor.
 */
export function splitAt(shape: Shape, axis: number): { outer: number; size: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, size: shape[axis]!, inner };
}

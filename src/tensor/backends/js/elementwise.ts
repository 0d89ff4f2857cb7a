/**
 * Element-wise kernels of the `js` backend: unary maps, broadcasting binary maps, clamp, where,
 * and the broadcast adjoint `sumToShape`.
 * @module
 */
import type { BinaryOp, UnaryOp } from '../../backend.js';
import { allocate, dtypeOf, type TypedArray } from '../../dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../shape.js';

const unaryFns: Record<UnaryOp, (v: number) => number> = {
  neg: (v) => -v,
  abs: Math.abs,
  relu: (v) => (v > 0 ? v : 0),
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  square: (v) => v * v,
  sign: (v) => (v > 0 ? 1 : v < 0 ? -1 : 0),
  step: (v) => (v > 0 ? 1 : 0),
  reciprocal: (v) => 1 / v,
};

const binaryFns: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: (a, b) => (a >= b || Number.isNaN(a) ? a : b),
  min: (a, b) => (a <= b || Number.isNaN(a) ? a : b),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  eq: (a, b) => (a === b ? 1 : 0),
};

/** `out[i] = op(x[i])`. */
export function unary(op: UnaryOp, x: TypedArray): TypedArray {
  const out = allocate(dtypeOf(x), x.length);
  switch (op) {
    case 'neg': for (let i = 0; i < x.length; i++) out[i] = -x[i]!; return out;
    case 'abs': for (let i = 0; i < x.length; i++) out[i] = Math.abs(x[i]!); return out;
    case 'relu': for (let i = 0; i < x.length; i++) { const v = x[i]!; out[i] = v > 0 ? v : 0; } return out;
    default: {
      const f = unaryFns[op];
      for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
      return out;
    }
  }
}

/** Strides of `shape` aligned to `outShape`, 0 on broadcast dimensions. */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, i) => (i < offset || shape[i - offset] === 1 ? 0 : own[i - offset]!));
}

/** Binary map with NumPy broadcasting; fast paths for equal shapes and scalars. */
export function binary(op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, outShape: Shape): TypedArray {
  const dtype = dtypeOf(a) === 'float64' || dtypeOf(b) === 'float64' ? 'float64' : 'float32';
  const n = sizeOf(outShape);
  const out = allocate(dtype, n);
  const f = binaryFns[op];
  if (a.length === n && b.length === n) {
    if (op === 'add') for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!;
    else if (op === 'mul') for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!;
    else if (op === 'sub') for (let i = 0; i < n; i++) out[i] = a[i]! - b[i]!;
    else for (let i = 0; i < n; i++) out[i] = f(a[i]!, b[i]!);
    return out;
  }
  if (b.length === 1 && a.length === n) {
    const s = b[0]!;
    for (let i = 0; i < n; i++) out[i] = f(a[i]!, s);
    return out;
  }
  if (a.length === 1 && b.length === n) {
    const s = a[0]!;
    for (let i = 0; i < n; i++) out[i] = f(s, b[i]!);
    return out;
  }
  const { dims, sa, sb } = collapseDims(outShape, broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape));
  const rank = dims.length;
  const last = dims[rank - 1]!;
  const la = sa[rank - 1]!;
  const lb = sb[rank - 1]!;
  const counter = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < n; o += last) {
    binaryRow(op, f, out, o, a, ia, la, b, ib, lb, last);
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]!++;
      ia += sa[d]!;
      ib += sb[d]!;
      if (counter[d]! < dims[d]!) break;
      ia -= sa[d]! * dims[d]!;
      ib -= sb[d]! * dims[d]!;
      counter[d] = 0;
    }
  }
  return out;
}

/** One output row of a strided binary map; the common arithmetic ops avoid a call per element. */
function binaryRow(
  op: BinaryOp, f: (x: number, y: number) => number, out: TypedArray, o: number,
  a: TypedArray, ia: number, la: number, b: TypedArray, ib: number, lb: number, len: number,
): void {
  switch (op) {
    case 'add': for (let j = 0; j < len; j++) out[o + j] = a[ia + j * la]! + b[ib + j * lb]!; return;
    case 'sub': for (let j = 0; j < len; j++) out[o + j] = a[ia + j * la]! - b[ib + j * lb]!; return;
    case 'mul': for (let j = 0; j < len; j++) out[o + j] = a[ia + j * la]! * b[ib + j * lb]!; return;
    case 'div': for (let j = 0; j < len; j++) out[o + j] = a[ia + j * la]! / b[ib + j * lb]!; return;
    default: for (let j = 0; j < len; j++) out[o + j] = f(a[ia + j * la]!, b[ib + j * lb]!);
  }
}

/**
 * Merges adjacent output dimensions that both operands traverse contiguously (or both skip), so
 * that the inner loop of a broadcast runs over as many elements as possible.
 */
export function collapseDims(shape: Shape, sa: number[], sb: number[]): { dims: number[]; sa: number[]; sb: number[] } {
  const dims: number[] = [];
  const outA: number[] = [];
  const outB: number[] = [];
  shape.forEach((size, i) => {
    if (size === 1 && shape.length > 1) return;
    const k = dims.length - 1;
    if (k >= 0 && outA[k] === sa[i]! * size && outB[k] === sb[i]! * size) {
      dims[k]! *= size;
      outA[k] = sa[i]!;
      outB[k] = sb[i]!;
      return;
    }
    dims.push(size);
    outA.push(sa[i]!);
    outB.push(sb[i]!);
  });
  if (dims.length === 0) return { dims: [1], sa: [0], sb: [0] };
  return { dims, sa: outA, sb: outB };
}

/** `min(max(x, lo), hi)` element-wise. */
export function clamp(x: TypedArray, lo: number, hi: number): TypedArray {
  const out = allocate(dtypeOf(x), x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return out;
}

/** `cond != 0 ? a : b` element-wise. */
export function where(cond: TypedArray, a: TypedArray, b: TypedArray): TypedArray {
  const out = allocate(dtypeOf(a) === 'float64' || dtypeOf(b) === 'float64' ? 'float64' : 'float32', cond.length);
  for (let i = 0; i < cond.length; i++) out[i] = cond[i] !== 0 ? a[i]! : b[i]!;
  return out;
}

/** `sumToShape(a ⊙ b)` for a, b of `shape` (the composite; see `Backend.productSumToShape`). */
export function productSumToShape(a: TypedArray, b: TypedArray, shape: Shape, target: Shape): TypedArray {
  return sumToShape(binary('mul', a, shape, b, shape, shape), shape, target);
}

/** Sums `x` (of `shape`) over the dimensions that `target` broadcasts. */
export function sumToShape(x: TypedArray, shape: Shape, target: Shape): TypedArray {
  const out = allocate(dtypeOf(x), sizeOf(target));
  const rank = shape.length;
  const st = broadcastStrides(target, shape);
  const last = shape[rank - 1] ?? 1;
  if (rank === 0) { out[0] = x[0]!; return out; }
  const lt = st[rank - 1]!;
  const counter = new Array<number>(rank).fill(0);
  let it = 0;
  for (let o = 0; o < x.length; o += last) {
    for (let j = 0; j < last; j++) out[it + j * lt]! += x[o + j]!;
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]!++;
      it += st[d]!;
      if (counter[d]! < shape[d]!) break;
      it -= st[d]! * shape[d]!;
      counter[d] = 0;
    }
  }
  return out;
}

// Element-wise float32 kernels with f32x4 lanes. Every op reproduces the js backend bit for bit
// (float32 +, −, ×, ÷ and sqrt are correctly rounded, so computing them in double and rounding, as
// js does, gives the same value): max/min keep the first operand on ties and propagate NaN, relu
// maps NaN and −0 to +0, comparisons give 1 or 0. A tail shorter than 4 runs through lane 0.

/** Unary op codes (host and module agree on these numbers). */
export const enum Unary { Neg = 0, Abs = 1, Relu = 2, Square = 3, Sqrt = 4, Sign = 5, Step = 6, Reciprocal = 7 }

/** Binary op codes. */
export const enum Binary { Add = 0, Sub = 1, Mul = 2, Div = 3, Max = 4, Min = 5, Gt = 6, Ge = 7, Lt = 8, Le = 9, Eq = 10 }

/** Broadcast modes of `binary` (and of each row of `binaryBroadcast`): both full, b a scalar, a a scalar. */
export const enum Mode { Full = 0, ScalarB = 1, ScalarA = 2 }

@inline function ones(mask: v128): v128 {
  return v128.and(mask, f32x4.splat(1));
}

@inline function applyUnary(op: i32, x: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case Unary.Neg: return f32x4.neg(x);
    case Unary.Abs: return f32x4.abs(x);
    case Unary.Relu: return v128.bitselect(x, zero, f32x4.gt(x, zero));
    case Unary.Square: return f32x4.mul(x, x);
    case Unary.Sqrt: return f32x4.sqrt(x);
    case Unary.Sign: return f32x4.sub(ones(f32x4.gt(x, zero)), ones(f32x4.lt(x, zero)));
    case Unary.Step: return ones(f32x4.gt(x, zero));
    default: return f32x4.div(f32x4.splat(1), x);
  }
}

@inline function applyBinary(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case Binary.Add: return f32x4.add(a, b);
    case Binary.Sub: return f32x4.sub(a, b);
    case Binary.Mul: return f32x4.mul(a, b);
    case Binary.Div: return f32x4.div(a, b);
    case Binary.Max: return v128.bitselect(a, b, v128.or(f32x4.ge(a, b), f32x4.ne(a, a)));
    case Binary.Min: return v128.bitselect(a, b, v128.or(f32x4.le(a, b), f32x4.ne(a, a)));
    case Binary.Gt: return ones(f32x4.gt(a, b));
    case Binary.Ge: return ones(f32x4.ge(a, b));
    case Binary.Lt: return ones(f32x4.lt(a, b));
    case Binary.Le: return ones(f32x4.le(a, b));
    default: return ones(f32x4.eq(a, b));
  }
}

@inline function unaryLoop(op: i32, x: usize, out: usize, n: i32): void {
  const bytes = <usize>n << 2, body = bytes & ~(<usize>15);
  for (let i: usize = 0; i < body; i += 16) v128.store(out + i, applyUnary(op, v128.load(x + i)));
  for (let i = body; i < bytes; i += 4) v128.store32_lane(out + i, applyUnary(op, v128.load32_splat(x + i)), 0);
}

/** out[i] = op(x[i]) for i < n. */
export function unary(op: i32, x: usize, out: usize, n: i32): void {
  switch (op) {
    case Unary.Neg: unaryLoop(Unary.Neg, x, out, n); break;
    case Unary.Abs: unaryLoop(Unary.Abs, x, out, n); break;
    case Unary.Relu: unaryLoop(Unary.Relu, x, out, n); break;
    case Unary.Square: unaryLoop(Unary.Square, x, out, n); break;
    case Unary.Sqrt: unaryLoop(Unary.Sqrt, x, out, n); break;
    case Unary.Sign: unaryLoop(Unary.Sign, x, out, n); break;
    case Unary.Step: unaryLoop(Unary.Step, x, out, n); break;
    default: unaryLoop(Unary.Reciprocal, x, out, n);
  }
}

@inline function binaryLoop(op: i32, a: usize, b: usize, out: usize, n: i32, mode: i32): void {
  const bytes = <usize>n << 2, body = bytes & ~(<usize>15);
  if (mode == Mode.Full) {
    for (let i: usize = 0; i < body; i += 16) v128.store(out + i, applyBinary(op, v128.load(a + i), v128.load(b + i)));
    for (let i = body; i < bytes; i += 4) v128.store32_lane(out + i, applyBinary(op, v128.load32_splat(a + i), v128.load32_splat(b + i)), 0);
  } else if (mode == Mode.ScalarB) {
    const s = v128.load32_splat(b);
    for (let i: usize = 0; i < body; i += 16) v128.store(out + i, applyBinary(op, v128.load(a + i), s));
    for (let i = body; i < bytes; i += 4) v128.store32_lane(out + i, applyBinary(op, v128.load32_splat(a + i), s), 0);
  } else {
    const s = v128.load32_splat(a);
    for (let i: usize = 0; i < body; i += 16) v128.store(out + i, applyBinary(op, s, v128.load(b + i)));
    for (let i = body; i < bytes; i += 4) v128.store32_lane(out + i, applyBinary(op, s, v128.load32_splat(b + i)), 0);
  }
}

/** out = op(a, b) over n elements; `mode` says which operand, if any, is one broadcast scalar. */
export function binary(op: i32, a: usize, b: usize, out: usize, n: i32, mode: i32): void {
  switch (op) {
    case Binary.Add: binaryLoop(Binary.Add, a, b, out, n, mode); break;
    case Binary.Sub: binaryLoop(Binary.Sub, a, b, out, n, mode); break;
    case Binary.Mul: binaryLoop(Binary.Mul, a, b, out, n, mode); break;
    case Binary.Div: binaryLoop(Binary.Div, a, b, out, n, mode); break;
    case Binary.Max: binaryLoop(Binary.Max, a, b, out, n, mode); break;
    case Binary.Min: binaryLoop(Binary.Min, a, b, out, n, mode); break;
    case Binary.Gt: binaryLoop(Binary.Gt, a, b, out, n, mode); break;
    case Binary.Ge: binaryLoop(Binary.Ge, a, b, out, n, mode); break;
    case Binary.Lt: binaryLoop(Binary.Lt, a, b, out, n, mode); break;
    case Binary.Le: binaryLoop(Binary.Le, a, b, out, n, mode); break;
    default: binaryLoop(Binary.Eq, a, b, out, n, mode);
  }
}

@inline function broadcastLoop(
  op: i32, a: usize, b: usize, out: usize, d0: i32, d1: i32, d2: i32, mode: i32, a0: i32, a1: i32, b0: i32, b1: i32,
): void {
  let dst = out;
  const rowBytes = <usize>d2 << 2;
  for (let i0 = 0; i0 < d0; i0++) {
    let pa = a + (<usize>(i0 * a0) << 2), pb = b + (<usize>(i0 * b0) << 2);
    for (let i1 = 0; i1 < d1; i1++) {
      binaryLoop(op, pa, pb, dst, d2, mode);
      pa += <usize>a1 << 2;
      pb += <usize>b1 << 2;
      dst += rowBytes;
    }
  }
}

/**
 * out[i0, i1, i2] = op(a[i0·a0 + i1·a1 + i2·sa], b[i0·b0 + i1·b1 + i2·sb]) over [d0, d1, d2] (element
 * strides, 0 along broadcast dimensions): a broadcast collapsed to at most 3 dimensions. The inner
 * strides (sa, sb) are given by `mode`: (1, 1) full rows, (1, 0) b splat, (0, 1) a splat.
 */
export function binaryBroadcast(
  op: i32, a: usize, b: usize, out: usize, d0: i32, d1: i32, d2: i32, mode: i32, a0: i32, a1: i32, b0: i32, b1: i32,
): void {
  switch (op) {
    case Binary.Add: broadcastLoop(Binary.Add, a, b, out, d0, d1, d2, mode, a0, a1, b0, b1); break;
    case Binary.Sub: broadcastLoop(Binary.Sub, a, b, out, d0, d1, d2, mode, a0, a1, b0, b1); break;
    case Binary.Mul: broadcastLoop(Binary.Mul, a, b, out, d0, d1, d2, mode, a0, a1, b0, b1); break;
    case Binary.Div: broadcastLoop(Binary.Div, a, b, out, d0, d1, d2, mode, a0, a1, b0, b1); break;
    case Binary.Max: broadcastLoop(Binary.Max, a, b, out, d0, d1, d2, mode, a0, a1, b0, b1); break;
    case Binary.Min: broadcastLoop(Binary.Min, a, b, out, d0, d1, d2, mode, a0, a1, b0, b1); break;
    case Binary.Gt: broadcastLoop(Binary.Gt, a, b, out, d0, d1, d2, mode, a0, a1, b0, b1); break;
    case Binary.Ge: broadcastLoop(Binary.Ge, a, b, out, d0, d1, d2, mode, a0, a1, b0, b1); break;
    case Binary.Lt: broadcastLoop(Binary.Lt, a, b, out, d0, d1, d2, mode, a0, a1, b0, b1); break;
    case Binary.Le: broadcastLoop(Binary.Le, a, b, out, d0, d1, d2, mode, a0, a1, b0, b1); break;
    default: broadcastLoop(Binary.Eq, a, b, out, d0, d1, d2, mode, a0, a1, b0, b1);
  }
}

/** out[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i] (NaN stays NaN). */
export function clamp(x: usize, out: usize, n: i32, lo: f32, hi: f32): void {
  const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
  const bytes = <usize>n << 2, body = bytes & ~(<usize>15);
  for (let i: usize = 0; i < body; i += 16) {
    const v = v128.load(x + i);
    v128.store(out + i, v128.bitselect(vlo, v128.bitselect(vhi, v, f32x4.gt(v, vhi)), f32x4.lt(v, vlo)));
  }
  for (let i = body; i < bytes; i += 4) {
    const v = load<f32>(x + i);
    store<f32>(out + i, v < lo ? lo : v > hi ? hi : v);
  }
}

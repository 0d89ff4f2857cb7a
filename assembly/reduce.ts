// Sum along one axis of a tensor seen as [outer, size, inner]. With inner = 1 (the last axis) each
// row is summed in 8 lanes (two f32x4 accumulators) and the lanes are added at the end, an order
// that differs from the sequential js loop, so results agree to float32 rounding, not bit for
// bit; otherwise rows of `inner` are added lane-wise in the js order. Also the sum over the outer
// and inner blocks, [outer, size, inner] → [size] (sumOuterInner), accumulated in float64.

/** Horizontal sum of the 4 lanes. */
@inline function lanes(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Sum of `size` consecutive floats at `x`. */
function rowSum(x: usize, size: i32): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  const bytes = <usize>size << 2, body = bytes & ~(<usize>31);
  for (let i: usize = 0; i < body; i += 32) {
    s0 = f32x4.add(s0, v128.load(x + i));
    s1 = f32x4.add(s1, v128.load(x + i, 16));
  }
  let total = lanes(f32x4.add(s0, s1));
  for (let i = body; i < bytes; i += 4) total += load<f32>(x + i);
  return total;
}

/** out[o, i] = Σₖ x[o, k, i]; `out` has outer·inner floats. */
export function sumAxis(x: usize, out: usize, outer: i32, size: i32, inner: i32): void {
  if (inner == 1) {
    for (let o = 0; o < outer; o++) store<f32>(out + (<usize>o << 2), rowSum(x + (<usize>o * <usize>size << 2), size));
    return;
  }
  const rowBytes = <usize>inner << 2, body = rowBytes & ~(<usize>15);
  for (let o = 0; o < outer; o++) {
    const dst = out + <usize>o * rowBytes;
    memory.fill(dst, 0, rowBytes);
    for (let k = 0; k < size; k++) {
      const src = x + (<usize>o * <usize>size + <usize>k) * rowBytes;
      for (let i: usize = 0; i < body; i += 16) v128.store(dst + i, f32x4.add(v128.load(dst + i), v128.load(src + i)));
      for (let i = body; i < rowBytes; i += 4) store<f32>(dst + i, load<f32>(dst + i) + load<f32>(src + i));
    }
  }
}

/** Sum of the 4 float32 lanes of `v` added into two float64x2 accumulators (exact: every float32 is a float64). */
@inline function promoteBoth(v: v128): v128 {
  return f64x2.add(f64x2.promote_low_f32x4(v), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
}

/**
 * out[m] = Σₐ Σᵢ x[a, m, i] for x [outer, size, inner] (the gradient of a bias broadcast over the
 * batch and the pixels, e.g. [N, C, H·W] → [C]). Accumulated in float64 and rounded once, so the
 * result is within about one float32 rounding of the exact sum, cancellation included (the
 * sequential float32 js loop errs by up to (outer·inner − 1)·2⁻²⁴·Σ|x|).
 */
export function sumOuterInner(x: usize, out: usize, outer: i32, size: i32, inner: i32): void {
  const rowBytes = <usize>inner << 2, body = rowBytes & ~(<usize>31);
  for (let m = 0; m < size; m++) {
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0);
    let tail: f64 = 0;
    for (let a = 0; a < outer; a++) {
      const src = x + (<usize>a * <usize>size + <usize>m) * rowBytes;
      for (let i: usize = 0; i < body; i += 32) {
        s0 = f64x2.add(s0, promoteBoth(v128.load(src + i)));
        s1 = f64x2.add(s1, promoteBoth(v128.load(src + i, 16)));
      }
      for (let i = body; i < rowBytes; i += 4) tail += <f64>load<f32>(src + i);
    }
    const s = f64x2.add(s0, s1);
    store<f32>(out + (<usize>m << 2), <f32>(f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1) + tail));
  }
}

/**
 * out[o, i] = Σₖ a[o, k, i]·b[o, k, i] for inner > 1: each product rounded to float32, then added
 * lane-wise in k order — exactly `sumAxis` of the product `a ⊙ b`, without writing the product
 * out (the gradient of a factor broadcast along k, e.g. the ReLU weights of the projected dual).
 */
export function productSumAxis(a: usize, b: usize, out: usize, outer: i32, size: i32, inner: i32): void {
  const rowBytes = <usize>inner << 2, body = rowBytes & ~(<usize>15);
  for (let o = 0; o < outer; o++) {
    const dst = out + <usize>o * rowBytes;
    memory.fill(dst, 0, rowBytes);
    for (let k = 0; k < size; k++) {
      const offset = (<usize>o * <usize>size + <usize>k) * rowBytes;
      const pa = a + offset, pb = b + offset;
      for (let i: usize = 0; i < body; i += 16) {
        v128.store(dst + i, f32x4.add(v128.load(dst + i), f32x4.mul(v128.load(pa + i), v128.load(pb + i))));
      }
      for (let i = body; i < rowBytes; i += 4) store<f32>(dst + i, load<f32>(dst + i) + load<f32>(pa + i) * load<f32>(pb + i));
    }
  }
}

// Sum along one axis of a tensor seen as [outer, size, inner]. With inner = 1 (the last axis) each
// row is summed in 8 lanes (two f32x4 accumulators) and the lanes are added at the end; otherwise
// rows of `inner` are added lane-wise. Either way the order of additions differs from the
// sequential js loop, so results agree to float32 rounding, not bit for bit.

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

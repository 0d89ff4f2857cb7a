// The fused row reduction out[b, p, q] = Σ_f map(x[b, p, q, f]) · w[b, p, f] (w = 1 when absent),
// map ∈ {identity, relu, abs, square}, with 8 lanes per row (two f32x4 accumulators). As in the js
// kernel, entries with map(x) = 0 add nothing even when w is ±∞ or NaN. The order of additions
// differs from js's sequential one, so sums agree to float32 rounding, not bit for bit.

/** Map codes (host and module agree on these numbers). */
export const enum RowMap { Identity = 0, Relu = 1, Abs = 2, Square = 3 }

@inline function mapped(map: i32, v: v128): v128 {
  switch (map) {
    case RowMap.Relu: return v128.bitselect(v, f32x4.splat(0), f32x4.gt(v, f32x4.splat(0)));
    case RowMap.Abs: return f32x4.abs(v);
    case RowMap.Square: return f32x4.mul(v, v);
    default: return v;
  }
}

/** map(x) · w, zero wherever map(x) = 0. */
@inline function term(map: i32, v: v128, w: v128): v128 {
  const m = mapped(map, v);
  return v128.and(f32x4.mul(m, w), f32x4.ne(m, f32x4.splat(0)));
}

@inline function lanes(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** Σ_f map(x[f]) (w = 0) or Σ_f map(x[f]) · w[f] over `n` floats. */
@inline function rowSum(map: i32, x: usize, w: usize, n: i32): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  const bytes = <usize>n << 2, body = bytes & ~(<usize>31);
  if (w == 0) {
    for (let i: usize = 0; i < body; i += 32) {
      s0 = f32x4.add(s0, mapped(map, v128.load(x + i)));
      s1 = f32x4.add(s1, mapped(map, v128.load(x + i, 16)));
    }
    for (let i = body; i < bytes; i += 4) s0 = f32x4.add(s0, mapped(map, v128.load32_zero(x + i)));
  } else {
    for (let i: usize = 0; i < body; i += 32) {
      s0 = f32x4.add(s0, term(map, v128.load(x + i), v128.load(w + i)));
      s1 = f32x4.add(s1, term(map, v128.load(x + i, 16), v128.load(w + i, 16)));
    }
    for (let i = body; i < bytes; i += 4) s0 = f32x4.add(s0, term(map, v128.load32_zero(x + i), v128.load32_zero(w + i)));
  }
  return lanes(f32x4.add(s0, s1));
}

@inline function rowDotLoop(map: i32, x: usize, w: usize, out: usize, batch: i32, groups: i32, rows: i32, length: i32, xShared: bool, wShared: bool): void {
  const rowBytes = <usize>length << 2;
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < groups; p++) {
      const xBlock = x + <usize>((xShared ? 0 : b) * groups + p) * <usize>rows * rowBytes;
      const wRow: usize = w == 0 ? 0 : w + <usize>((wShared ? 0 : b) * groups + p) * rowBytes;
      const o = out + (<usize>((b * groups + p) * rows) << 2);
      for (let q = 0; q < rows; q++) store<f32>(o + (<usize>q << 2), rowSum(map, xBlock + <usize>q * rowBytes, wRow, length));
    }
  }
}

/** out [batch, groups, rows] = Σ_f map(x) · w; x [batch | 1, groups, rows, length], w [batch | 1, groups, length] or 0 for none. */
export function rowDot(map: i32, x: usize, w: usize, out: usize, batch: i32, groups: i32, rows: i32, length: i32, xShared: bool, wShared: bool): void {
  switch (map) {
    case RowMap.Relu: rowDotLoop(RowMap.Relu, x, w, out, batch, groups, rows, length, xShared, wShared); break;
    case RowMap.Abs: rowDotLoop(RowMap.Abs, x, w, out, batch, groups, rows, length, xShared, wShared); break;
    case RowMap.Square: rowDotLoop(RowMap.Square, x, w, out, batch, groups, rows, length, xShared, wShared); break;
    default: rowDotLoop(RowMap.Identity, x, w, out, batch, groups, rows, length, xShared, wShared);
  }
}

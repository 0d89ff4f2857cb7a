// Packing of the matrix product's operands into the panels of gemm.ts (AssemblyScript, WASM SIMD128).
//
// A (m×k) goes into strips of MR = 4 rows ([⌈m/4⌉][k][4]), B (k×n) into strips of NR = 8 columns
// ([⌈n/8⌉][k][8]); lanes past m or n are zero. Both read their source through two offset tables
// (element (r, c) is at base + 4·(rowOff[r] + colOff[c])), so transposes, batch layouts, im2col and
// its transpose share one packer. Each strip takes the cheapest read its offsets allow:
//   - the strip's lanes adjacent in memory: one vector load per depth step;
//   - the depth in runs of four adjacent elements (a 4-wide kernel row in im2col): one vector load
//     per lane and depth quad, turned into lanes by a 4×4 transpose in registers;
//   - otherwise one scalar load per element.

export const MR: i32 = 4;
export const NR: i32 = 8;

/** Bytes of a packed A of m×k (strips of 4 rows). */
export function packedABytes(m: i32, k: i32): usize {
  return (<usize>((m + MR - 1) >> 2) * <usize>k) << 4;
}

/** Bytes of a packed B of k×n (strips of 8 columns). */
export function packedBBytes(k: i32, n: i32): usize {
  return (<usize>((n + NR - 1) >> 3) * <usize>k) << 5;
}

/** table[i] = i · stride for i < count (element offsets for packA / packB). */
export function fillArithmetic(table: usize, count: i32, stride: i32): void {
  for (let i = 0; i < count; i++) store<i32>(table + (<usize>i << 2), i * stride);
}

/** Whether the `count` offsets at `offs` are c, c+1, ..., c+count−1. */
function isConsecutive(offs: usize, count: i32): bool {
  const first = load<i32>(offs);
  for (let j = 1; j < count; j++) if (load<i32>(offs + (<usize>j << 2)) != first + j) return false;
  return true;
}

/** Whether the `count` offsets at `offs` come in runs of four adjacent elements (count a multiple of 4). */
function inQuads(offs: usize, count: i32): bool {
  if ((count & 3) != 0) return false;
  for (let p = 0; p < count; p += 4) if (!isConsecutive(offs + (<usize>p << 2), 4)) return false;
  return true;
}

/** The address of element `index` of an offset table, as a byte address from `base`. */
@inline function at(base: usize, offs: usize, index: i32): usize {
  return base + (<usize>load<i32>(offs + (<usize>index << 2)) << 2);
}

/** Packs A (m×k, element (i, p) at base + 4·(rowOff[i] + colOff[p])) into strips [⌈m/4⌉][k][4]. */
export function packA(base: usize, rowOff: usize, colOff: usize, m: i32, k: i32, out: usize): void {
  const depthQuads = inQuads(colOff, k);
  for (let i0 = 0; i0 < m; i0 += MR) {
    const dst = out + ((<usize>(i0 >> 2) * <usize>k) << 4);
    const rows = rowOff + (<usize>i0 << 2);
    if (m - i0 < MR) packPartialStrip(base, rows, colOff, m - i0, MR, k, dst);
    else if (isConsecutive(rows, MR)) packAdjacentLanes4(at(base, rows, 0), colOff, k, dst);
    else if (depthQuads) packStrip4Transposed(at(base, rows, 0), at(base, rows, 1), at(base, rows, 2), at(base, rows, 3), colOff, k, dst);
    else packStrip4(at(base, rows, 0), at(base, rows, 1), at(base, rows, 2), at(base, rows, 3), colOff, k, dst);
  }
}

/** Packs B (k×n, element (p, j) at base + 4·(rowOff[p] + colOff[j])) into strips [⌈n/8⌉][k][8]. */
export function packB(base: usize, rowOff: usize, colOff: usize, k: i32, n: i32, out: usize): void {
  const depthQuads = inQuads(rowOff, k);
  for (let j0 = 0; j0 < n; j0 += NR) {
    const dst = out + ((<usize>(j0 >> 3) * <usize>k) << 5);
    const cols = colOff + (<usize>j0 << 2);
    if (n - j0 < NR) packPartialStrip(base, cols, rowOff, n - j0, NR, k, dst);
    else if (isConsecutive(cols, NR)) packAdjacentLanes8(at(base, cols, 0), rowOff, k, dst);
    else if (isConsecutive(cols, 4) && isConsecutive(cols + 16, 4)) packAdjacentQuads8(at(base, cols, 0), at(base, cols, 4), rowOff, k, dst);
    else if (depthQuads) packStrip8Transposed(base, cols, rowOff, k, dst);
    else packStrip8(base, cols, rowOff, k, dst);
  }
}

/** A strip of `lines` < `width` lines (rows of A or columns of B) at offsets `lineOff`; the other lanes are zero. */
function packPartialStrip(base: usize, lineOff: usize, stepOff: usize, lines: i32, width: i32, k: i32, dst: usize): void {
  const pitch = <usize>width << 2;
  memory.fill(dst, 0, <usize>k * pitch);
  for (let r = 0; r < lines; r++) {
    const src = at(base, lineOff, r);
    let d = dst + (<usize>r << 2);
    for (let p = 0; p < k; p++) {
      store<f32>(d, load<f32>(at(src, stepOff, p)));
      d += pitch;
    }
  }
}

/** An A strip whose 4 rows are adjacent in memory (starting at `src`): one vector load per depth step. */
function packAdjacentLanes4(src: usize, colOff: usize, k: i32, dst: usize): void {
  for (let p = 0; p < k; p++) {
    v128.store(dst, v128.load(at(src, colOff, p)));
    dst += 16;
  }
}

/** A B strip whose 8 columns are adjacent in memory (starting at `src`): two vector loads per depth step. */
function packAdjacentLanes8(src: usize, rowOff: usize, k: i32, dst: usize): void {
  for (let p = 0; p < k; p++) {
    const from = at(src, rowOff, p);
    v128.store(dst, v128.load(from));
    v128.store(dst, v128.load(from, 16), 16);
    dst += 32;
  }
}

/** A B strip of two runs of 4 adjacent columns (at `lo` and `hi`): two vector loads per depth step. */
function packAdjacentQuads8(lo: usize, hi: usize, rowOff: usize, k: i32, dst: usize): void {
  for (let p = 0; p < k; p++) {
    const step = <usize>load<i32>(rowOff + (<usize>p << 2)) << 2;
    v128.store(dst, v128.load(lo + step));
    v128.store(dst, v128.load(hi + step), 16);
    dst += 32;
  }
}

/** One A strip of 4 rows starting at r0..r3: dst[p] = (r0[colOff[p]], ..., r3[colOff[p]]), one scalar load each. */
function packStrip4(r0: usize, r1: usize, r2: usize, r3: usize, colOff: usize, k: i32, dst: usize): void {
  for (let p = 0; p < k; p++) {
    const step = <usize>load<i32>(colOff + (<usize>p << 2)) << 2;
    let v = f32x4.splat(load<f32>(r0 + step));
    v = f32x4.replace_lane(v, 1, load<f32>(r1 + step));
    v = f32x4.replace_lane(v, 2, load<f32>(r2 + step));
    v = f32x4.replace_lane(v, 3, load<f32>(r3 + step));
    v128.store(dst, v);
    dst += 16;
  }
}

/** Stores the transpose of the 4×4 block whose rows are v0..v3 as 4 vectors `pitch` bytes apart at `dst` (column c at dst + c·pitch). */
@inline function storeTransposed4(v0: v128, v1: v128, v2: v128, v3: v128, dst: usize, pitch: usize): void {
  const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + pitch, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * pitch, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * pitch, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/** An A strip of rows r0..r3 whose depth comes in runs of 4 adjacent elements: 4 vector loads and a 4×4 transpose per run. */
function packStrip4Transposed(r0: usize, r1: usize, r2: usize, r3: usize, colOff: usize, k: i32, dst: usize): void {
  for (let p = 0; p < k; p += 4) {
    const step = <usize>load<i32>(colOff + (<usize>p << 2)) << 2;
    storeTransposed4(v128.load(r0 + step), v128.load(r1 + step), v128.load(r2 + step), v128.load(r3 + step), dst, 16);
    dst += 64;
  }
}

/** A B strip of 8 arbitrary columns (offsets at `cols`) whose depth comes in runs of 4: 8 vector loads and two 4×4 transposes per run. */
function packStrip8Transposed(base: usize, cols: usize, rowOff: usize, k: i32, dst: usize): void {
  const o0 = at(base, cols, 0), o1 = at(base, cols, 1), o2 = at(base, cols, 2), o3 = at(base, cols, 3);
  const o4 = at(base, cols, 4), o5 = at(base, cols, 5), o6 = at(base, cols, 6), o7 = at(base, cols, 7);
  for (let p = 0; p < k; p += 4) {
    const step = <usize>load<i32>(rowOff + (<usize>p << 2)) << 2;
    storeTransposed4(v128.load(o0 + step), v128.load(o1 + step), v128.load(o2 + step), v128.load(o3 + step), dst, 32);
    storeTransposed4(v128.load(o4 + step), v128.load(o5 + step), v128.load(o6 + step), v128.load(o7 + step), dst + 16, 32);
    dst += 128;
  }
}

/** One B strip of 8 arbitrary columns (offsets at `cols`): per depth step, 8 scalar gathers. */
function packStrip8(base: usize, cols: usize, rowOff: usize, k: i32, dst: usize): void {
  const o0 = at(base, cols, 0), o1 = at(base, cols, 1), o2 = at(base, cols, 2), o3 = at(base, cols, 3);
  const o4 = at(base, cols, 4), o5 = at(base, cols, 5), o6 = at(base, cols, 6), o7 = at(base, cols, 7);
  for (let p = 0; p < k; p++) {
    const step = <usize>load<i32>(rowOff + (<usize>p << 2)) << 2;
    let lo = f32x4.splat(load<f32>(o0 + step));
    lo = f32x4.replace_lane(lo, 1, load<f32>(o1 + step));
    lo = f32x4.replace_lane(lo, 2, load<f32>(o2 + step));
    lo = f32x4.replace_lane(lo, 3, load<f32>(o3 + step));
    let hi = f32x4.splat(load<f32>(o4 + step));
    hi = f32x4.replace_lane(hi, 1, load<f32>(o5 + step));
    hi = f32x4.replace_lane(hi, 2, load<f32>(o6 + step));
    hi = f32x4.replace_lane(hi, 3, load<f32>(o7 + step));
    v128.store(dst, lo);
    v128.store(dst, hi, 16);
    dst += 32;
  }
}

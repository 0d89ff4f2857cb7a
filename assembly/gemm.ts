// Single-precision matrix product on packed panels (AssemblyScript, WASM SIMD128).
//
// C[m×n] += A[m×k] · B[k×n] in the GotoBLAS arrangement: A is packed into strips of MR=4 rows
// ([⌈m/4⌉][k][4], zero rows past m), B into strips of NR=8 columns ([⌈n/8⌉][k][8], zero columns
// past n), and a 4×8 register tile (8 f32x4 accumulators) walks one A strip against one B strip.
// The loops over (NC columns, KC depth, MC rows) keep a B strip slice (KC·8 floats = 8 KiB) in
// L1 and an A block (MC·KC floats = 128 KiB) in L2. Packing reads its source through two offset
// tables (element (r, c) is at base + rowOff[r] + colOff[c]), so transposes, batch layouts and
// im2col all share it.

export const MR: i32 = 4;
export const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 1024;

/**
 * C tile (4×8 at `c`, row pitch `ldc` bytes) = A strip (kc×4 at `a`) · B strip (kc×8 at `b`),
 * added to the tile's previous contents when `accumulate`, else stored over them.
 */
function microKernel(kc: i32, a: usize, b: usize, c: usize, ldc: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const a0 = v128.load32_splat(a);
    const a1 = v128.load32_splat(a, 4);
    const a2 = v128.load32_splat(a, 8);
    const a3 = v128.load32_splat(a, 12);
    const b0 = v128.load(b);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0));
    c10 = f32x4.add(c10, f32x4.mul(a1, b0));
    c20 = f32x4.add(c20, f32x4.mul(a2, b0));
    c30 = f32x4.add(c30, f32x4.mul(a3, b0));
    const b1 = v128.load(b, 16);
    c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    a += 16;
    b += 32;
  }
  if (accumulate) {
    c00 = f32x4.add(v128.load(c), c00);
    c01 = f32x4.add(v128.load(c, 16), c01);
    c10 = f32x4.add(v128.load(c + ldc), c10);
    c11 = f32x4.add(v128.load(c + ldc, 16), c11);
    c20 = f32x4.add(v128.load(c + 2 * ldc), c20);
    c21 = f32x4.add(v128.load(c + 2 * ldc, 16), c21);
    c30 = f32x4.add(v128.load(c + 3 * ldc), c30);
    c31 = f32x4.add(v128.load(c + 3 * ldc, 16), c31);
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  c += ldc;
  v128.store(c, c10);
  v128.store(c, c11, 16);
  c += ldc;
  v128.store(c, c20);
  v128.store(c, c21, 16);
  c += ldc;
  v128.store(c, c30);
  v128.store(c, c31, 16);
}

/** A partial tile (`rows`×`cols` of C): the full tile goes to `tmp` (32 floats), then its valid part is added or stored. */
function edgeTile(kc: i32, a: usize, b: usize, c: usize, ldc: usize, rows: i32, cols: i32, tmp: usize, accumulate: bool): void {
  microKernel(kc, a, b, tmp, 32, false);
  for (let r = 0; r < rows; r++) {
    const dst = c + <usize>r * ldc;
    const src = tmp + <usize>(r << 5);
    for (let j = 0; j < cols; j++) {
      const at = <usize>(j << 2);
      store<f32>(dst + at, accumulate ? load<f32>(dst + at) + load<f32>(src + at) : load<f32>(src + at));
    }
  }
}

/**
 * C (row pitch `ldc` elements) = Ap · Bp for packed Ap [⌈m/4⌉][k][4] and Bp [⌈n/8⌉][k][8], added
 * to C's contents when `accumulate`, else written over them (C need not be initialised; k ≥ 1).
 * `tmp` holds 32 floats.
 */
export function gemmPacked(ap: usize, bp: usize, m: i32, n: i32, k: i32, c: usize, ldc: i32, tmp: usize, accumulate: bool): void {
  const ldcBytes = <usize>ldc << 2;
  for (let jc = 0; jc < n; jc += NC) {
    const jEnd = min(n, jc + NC);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const add = accumulate || pc > 0;
      for (let ic = 0; ic < m; ic += MC) {
        const iEnd = min(m, ic + MC);
        for (let j = jc; j < jEnd; j += NR) {
          const bStrip = bp + ((<usize>(j >> 3) * <usize>k + <usize>pc) << 5);
          const cols = min(NR, n - j);
          for (let i = ic; i < iEnd; i += MR) {
            const aStrip = ap + ((<usize>(i >> 2) * <usize>k + <usize>pc) << 4);
            const cTile = c + ((<usize>i * <usize>ldc + <usize>j) << 2);
            const rows = min(MR, m - i);
            if (rows == MR && cols == NR) microKernel(kc, aStrip, bStrip, cTile, ldcBytes, add);
            else edgeTile(kc, aStrip, bStrip, cTile, ldcBytes, rows, cols, tmp, add);
          }
        }
      }
    }
  }
}

/** Packs A (m×k, element (i, p) at base + 4·(rowOff[i] + colOff[p])) into strips [⌈m/4⌉][k][4]. */
export function packA(base: usize, rowOff: usize, colOff: usize, m: i32, k: i32, out: usize): void {
  for (let i0 = 0; i0 < m; i0 += MR) {
    const dst = out + ((<usize>(i0 >> 2) * <usize>k) << 4);
    const rows = min(MR, m - i0);
    const row = rowOff + (<usize>i0 << 2);
    if (rows == MR) packStrip4(base + (<usize>load<i32>(row) << 2), base + (<usize>load<i32>(row, 4) << 2),
      base + (<usize>load<i32>(row, 8) << 2), base + (<usize>load<i32>(row, 12) << 2), colOff, k, dst);
    else packPartialStrip(base, row, colOff, rows, MR, k, dst);
  }
}

/** One A strip of 4 full rows starting at r0..r3: dst[p] = (r0[colOff[p]], ..., r3[colOff[p]]). */
function packStrip4(r0: usize, r1: usize, r2: usize, r3: usize, colOff: usize, k: i32, dst: usize): void {
  for (let p = 0; p < k; p++) {
    const at = <usize>load<i32>(colOff + (<usize>p << 2)) << 2;
    let v = f32x4.splat(load<f32>(r0 + at));
    v = f32x4.replace_lane(v, 1, load<f32>(r1 + at));
    v = f32x4.replace_lane(v, 2, load<f32>(r2 + at));
    v = f32x4.replace_lane(v, 3, load<f32>(r3 + at));
    v128.store(dst, v);
    dst += 16;
  }
}

/** A strip of `lines` < `width` lines (rows of A or columns of B) at offsets `lineOff`; the other lanes are zero. */
function packPartialStrip(base: usize, lineOff: usize, stepOff: usize, lines: i32, width: i32, k: i32, dst: usize): void {
  const pitch = <usize>width << 2;
  memory.fill(dst, 0, <usize>k * pitch);
  for (let r = 0; r < lines; r++) {
    const src = base + (<usize>load<i32>(lineOff + (<usize>r << 2)) << 2);
    let d = dst + (<usize>r << 2);
    for (let p = 0; p < k; p++) {
      store<f32>(d, load<f32>(src + (<usize>load<i32>(stepOff + (<usize>p << 2)) << 2)));
      d += pitch;
    }
  }
}

/** Packs B (k×n, element (p, j) at base + 4·(rowOff[p] + colOff[j])) into strips [⌈n/8⌉][k][8]. */
export function packB(base: usize, rowOff: usize, colOff: usize, k: i32, n: i32, out: usize): void {
  for (let j0 = 0; j0 < n; j0 += NR) {
    const dst = out + ((<usize>(j0 >> 3) * <usize>k) << 5);
    const cols = min(NR, n - j0);
    const first = load<i32>(colOff + (<usize>j0 << 2));
    const offs = colOff + (<usize>j0 << 2);
    if (cols < NR) packPartialStrip(base, offs, rowOff, cols, NR, k, dst);
    else if (isConsecutive(offs)) packRowsContiguous(base + (<usize>first << 2), rowOff, k, dst);
    else packRowsGathered(base, rowOff, offs, k, dst);
  }
}

/** Whether the 8 offsets at `offs` are c, c+1, ..., c+7. */
function isConsecutive(offs: usize): bool {
  const first = load<i32>(offs);
  for (let j = 1; j < NR; j++) if (load<i32>(offs + (<usize>j << 2)) != first + j) return false;
  return true;
}

/** One B strip whose 8 columns are adjacent in memory: two vector copies per row. */
function packRowsContiguous(base: usize, rowOff: usize, k: i32, dst: usize): void {
  for (let p = 0; p < k; p++) {
    const src = base + (<usize>load<i32>(rowOff + (<usize>p << 2)) << 2);
    v128.store(dst, v128.load(src));
    v128.store(dst, v128.load(src, 16), 16);
    dst += 32;
  }
}

/** One B strip of 8 arbitrary columns (offsets at `offs`): per row, 8 scalar gathers. */
function packRowsGathered(base: usize, rowOff: usize, offs: usize, k: i32, dst: usize): void {
  const o0 = base + (<usize>load<i32>(offs) << 2), o1 = base + (<usize>load<i32>(offs, 4) << 2);
  const o2 = base + (<usize>load<i32>(offs, 8) << 2), o3 = base + (<usize>load<i32>(offs, 12) << 2);
  const o4 = base + (<usize>load<i32>(offs, 16) << 2), o5 = base + (<usize>load<i32>(offs, 20) << 2);
  const o6 = base + (<usize>load<i32>(offs, 24) << 2), o7 = base + (<usize>load<i32>(offs, 28) << 2);
  for (let p = 0; p < k; p++) {
    const at = <usize>load<i32>(rowOff + (<usize>p << 2)) << 2;
    let lo = f32x4.splat(load<f32>(o0 + at));
    lo = f32x4.replace_lane(lo, 1, load<f32>(o1 + at));
    lo = f32x4.replace_lane(lo, 2, load<f32>(o2 + at));
    lo = f32x4.replace_lane(lo, 3, load<f32>(o3 + at));
    let hi = f32x4.splat(load<f32>(o4 + at));
    hi = f32x4.replace_lane(hi, 1, load<f32>(o5 + at));
    hi = f32x4.replace_lane(hi, 2, load<f32>(o6 + at));
    hi = f32x4.replace_lane(hi, 3, load<f32>(o7 + at));
    v128.store(dst, lo);
    v128.store(dst, hi, 16);
    dst += 32;
  }
}

/** table[i] = i · stride for i < count (element offsets for packA / packB). */
export function fillArithmetic(table: usize, count: i32, stride: i32): void {
  for (let i = 0; i < count; i++) store<i32>(table + (<usize>i << 2), i * stride);
}

/** Bytes of a packed A of m×k (strips of 4 rows). */
export function packedABytes(m: i32, k: i32): usize {
  return (<usize>((m + MR - 1) >> 2) * <usize>k) << 4;
}

/** Bytes of a packed B of k×n (strips of 8 columns). */
export function packedBBytes(k: i32, n: i32): usize {
  return (<usize>((n + NR - 1) >> 3) * <usize>k) << 5;
}

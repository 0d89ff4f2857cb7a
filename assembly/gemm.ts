// Single-precision matrix product on packed panels (AssemblyScript, WASM SIMD128).
//
// C[m×n] += A[m×k] · B[k×n] in the GotoBLAS arrangement: A is packed into strips of MR=4 rows
// ([⌈m/4⌉][k][4], zero rows past m), B into strips of NR=8 columns ([⌈n/8⌉][k][8], zero columns
// past n), and a 4×8 register tile (8 f32x4 accumulators) walks one A strip against one B strip.
// The loops over (NC columns, KC depth, MC rows) keep a B strip slice (KC·8 floats = 8 KiB) in
// L1 and an A block (MC·KC floats = 128 KiB) in L2. Packing (pack.ts) reads its source through two
// offset tables (element (r, c) is at base + rowOff[r] + colOff[c]), so transposes, batch layouts
// and im2col all share it. A larger tile (6×8, or the depth loop unrolled twice) ran slower: V8
// then spills accumulators out of the 16 vector registers.

import { MR, NR } from './pack';

const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 1024;

/**
 * a·b + c lane-wise. In the module built with relaxed SIMD (runtime.ts builds both builds) it is
 * f32x4.relaxed_madd: one fused multiply-add with a single rounding where the CPU has FMA (x86
 * FMA3, ARM NEON), 8 instead of 16 arithmetic instructions per depth step of the tile (the 1024³
 * product: about 40 → 31 ms on two threads here); otherwise a multiply and an add. Either way a
 * dot product of depth k errs by at most γₖ·Σ|aᵢbᵢ|, the bound the tests check.
 */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

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
    c00 = madd(a0, b0, c00);
    c10 = madd(a1, b0, c10);
    c20 = madd(a2, b0, c20);
    c30 = madd(a3, b0, c30);
    const b1 = v128.load(b, 16);
    c01 = madd(a0, b1, c01);
    c11 = madd(a1, b1, c11);
    c21 = madd(a2, b1, c21);
    c31 = madd(a3, b1, c31);
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

/**
 * The fused row reduction of the `js` backend: `out[b, p, q] = Σ_f map(x[b, p, q, f]) · w[b, p, f]`
 * in one pass over x (no temporary for map(x)), one accumulator per row. Rounding follows the
 * kernels it replaces, so float32 results equal `unary` + `matmul` / `reduce` bit for bit: every
 * float32 partial sum is rounded to float32, in order (as the js GEMM and sum store them).
 * @module
 */
import type { RowDotSpec, RowMap } from '../../backend.js';
import { allocate, dtypeOf, type TypedArray } from '../../dtype.js';

const fround = Math.fround;

/** map(v) for one element. */
function apply(v: number, map: RowMap): number {
  if (map === 'relu') return v > 0 ? v : 0;
  if (map === 'abs') return Math.abs(v);
  if (map === 'square') return v * v;
  return v;
}

/** Σ_f map(x[xo + f]); `single` rounds every partial sum to float32. */
function plainSum(x: TypedArray, xo: number, n: number, map: RowMap, single: boolean): number {
  let s = 0;
  if (single && map === 'abs') for (let f = 0; f < n; f++) s = fround(s + Math.abs(x[xo + f]!));
  else if (single) for (let f = 0; f < n; f++) s = fround(s + apply(x[xo + f]!, map));
  else for (let f = 0; f < n; f++) s += apply(x[xo + f]!, map);
  return s;
}

/**
 * Σ_f map(x[xo + f]) · w[wo + f]; `single` rounds every partial sum to float32. Entries with
 * map(x) = 0 are skipped (as the GEMM skips zeros of its left operand: 0 · ∞ adds nothing).
 */
function weightedSum(x: TypedArray, xo: number, w: TypedArray, wo: number, n: number, map: RowMap, single: boolean): number {
  let s = 0;
  if (map === 'relu') {
    if (single) for (let f = 0; f < n; f++) { const v = x[xo + f]!; if (v > 0) s = fround(s + v * w[wo + f]!); }
    else for (let f = 0; f < n; f++) { const v = x[xo + f]!; if (v > 0) s += v * w[wo + f]!; }
    return s;
  }
  if (map === 'identity') {
    if (single) for (let f = 0; f < n; f++) { const v = x[xo + f]!; if (v !== 0) s = fround(s + v * w[wo + f]!); }
    else for (let f = 0; f < n; f++) { const v = x[xo + f]!; if (v !== 0) s += v * w[wo + f]!; }
    return s;
  }
  for (let f = 0; f < n; f++) {
    const v = apply(x[xo + f]!, map);
    if (v !== 0) s = single ? fround(s + v * w[wo + f]!) : s + v * w[wo + f]!;
  }
  return s;
}

/** Batched map-then-dot of rows against one vector per (example, group); output `[batch, groups, rows]`. */
export function rowDot(x: TypedArray, w: TypedArray | null, spec: RowDotSpec, map: RowMap): TypedArray {
  const { batch, groups, rows, length, xShared, wShared } = spec;
  const dtype = dtypeOf(x) === 'float64' || (w !== null && dtypeOf(w) === 'float64') ? 'float64' : 'float32';
  const single = dtype === 'float32';
  const out = allocate(dtype, batch * groups * rows);
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < groups; p++) {
      const xBlock = ((xShared ? 0 : b) * groups + p) * rows * length;
      const wo = ((wShared ? 0 : b) * groups + p) * length;
      const o = (b * groups + p) * rows;
      for (let q = 0; q < rows; q++) {
        const xo = xBlock + q * length;
        out[o + q] = w === null ? plainSum(x, xo, length, map, single) : weightedSum(x, xo, w, wo, length, map, single);
      }
    }
  }
  return out;
}

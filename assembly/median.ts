// The lower median along the middle axis of x [outer, size, inner] (PyTorch `median(dim)`: the
// element of rank ⌊(size−1)/2⌋) with its position, optionally of |x|. Values and positions equal
// the js backend's (src/tensor/backends/js/reduce.ts) bit for bit, ties, ±0 and NaN included.
// Work is cut into chunks of one outer index o and a tile of `tile` consecutive columns; threads
// claim chunks from a shared counter and every chunk writes its own outputs, so the result does
// not depend on the number of threads. A chunk takes two routes:
// - counting (axes up to the host's threshold): 4 adjacent columns per SIMD lane group, rows read
//   contiguously, each element's count of smaller ones computed branch-free (countColumns). A
//   column whose median value is unique and which holds no NaN has one correct answer, so it
//   is the js one; the other columns take the second route.
// - select: the columns' [size, cols] block is written transposed into scratch [cols, size]
//   (contiguous rows instead of reads `inner` floats apart), and each row is quickselected with
//   exactly the js Hoare select (same pivot (lo+hi)>>1, same scans, same swaps, on the same
//   float32 values: comparing float32 values in float32 or in float64 gives the same answers).
import { claim, field, scratchFrom, take } from './job';

/** Record fields of a median job. */
const enum F { Counter = 1, Outer, Size, Inner, Tile, X, Values, Indices, Absolute, Counting, Scratch }

/** Scratch bytes of the median job at `job`: the transposed tile and one row of positions. */
export function medianScratchBytes(job: usize): usize {
  const size = <usize>field(job, F.Size);
  return 64 * 4 + (<usize>field(job, F.Tile) * size << 2) + (size << 2);
}

/** Hoare quickselect on `n` floats at `vals`: moves the element of rank `k` to position k; `pos` (i32) follows. */
function select(vals: usize, pos: usize, n: i32, k: i32): void {
  let lo = 0, hi = n - 1;
  while (hi > lo) {
    const pivot = load<f32>(vals + (<usize>((lo + hi) >> 1) << 2));
    let i = lo, j = hi;
    while (i <= j) {
      while (load<f32>(vals + (<usize>i << 2)) < pivot) i++;
      while (load<f32>(vals + (<usize>j << 2)) > pivot) j--;
      if (i <= j) {
        const vi = vals + (<usize>i << 2), vj = vals + (<usize>j << 2);
        const tv = load<f32>(vi); store<f32>(vi, load<f32>(vj)); store<f32>(vj, tv);
        const pi = pos + (<usize>i << 2), pj = pos + (<usize>j << 2);
        const tp = load<i32>(pi); store<i32>(pi, load<i32>(pj)); store<i32>(pj, tp);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/** scratch[t, k] = x[k, t] (or |x[k, t]|) for t < cols, k < size; x rows are `inner` floats apart. */
function transposeTile(x: usize, inner: i32, size: i32, cols: i32, absolute: bool, scratch: usize): void {
  const rowBytes = <usize>inner << 2, step = <usize>size << 2;
  for (let k = 0; k < size; k++) {
    const src = x + <usize>k * rowBytes;
    let dst = scratch + (<usize>k << 2);
    if (absolute) {
      for (let t = 0; t < cols; t++, dst += step) store<f32>(dst, abs<f32>(load<f32>(src + (<usize>t << 2))));
    } else {
      for (let t = 0; t < cols; t++, dst += step) store<f32>(dst, load<f32>(src + (<usize>t << 2)));
    }
  }
}

/** Loads 4 floats at `p` and clears their sign bits when `absMask` is 0x7fffffff (|x|, as f32.abs). */
@inline function ld(p: usize, absMask: v128): v128 {
  return v128.and(v128.load(p), absMask);
}

/**
 * The median of 4 adjacent columns at once (lane = column) by counting: for each row k,
 * c_k = #{j : x_j < x_k}; the median is the element with c_k = rank, provided exactly one row has
 * it and the column has no NaN — that element is then the only one of its value (a tied copy would
 * have the same count), so it is what any correct selection, the Hoare select included, returns,
 * at the only position it can have. Writes all 4 lanes' value and position; returns the bit mask of
 * the lanes where the condition fails (ties at the median, NaN), which must be selected instead.
 */
function countColumns(col: usize, rowBytes: usize, size: i32, rank: i32, absMask: v128, values: usize, indices: usize): i32 {
  let found = i32x4.splat(0), nan = i32x4.splat(0), val = f32x4.splat(0), pos = i32x4.splat(0);
  const target = i32x4.splat(rank);
  let k = 0;
  for (; k + 4 <= size; k += 4) {
    const row = col + <usize>k * rowBytes;
    const a0 = ld(row, absMask), a1 = ld(row + rowBytes, absMask), a2 = ld(row + 2 * rowBytes, absMask), a3 = ld(row + 3 * rowBytes, absMask);
    let c0 = i32x4.splat(0), c1 = i32x4.splat(0), c2 = i32x4.splat(0), c3 = i32x4.splat(0);
    let p = col;
    for (let j = 0; j < size; j++, p += rowBytes) {
      const xj = ld(p, absMask);
      c0 = i32x4.sub(c0, f32x4.lt(xj, a0));
      c1 = i32x4.sub(c1, f32x4.lt(xj, a1));
      c2 = i32x4.sub(c2, f32x4.lt(xj, a2));
      c3 = i32x4.sub(c3, f32x4.lt(xj, a3));
    }
    const m0 = i32x4.eq(c0, target), m1 = i32x4.eq(c1, target), m2 = i32x4.eq(c2, target), m3 = i32x4.eq(c3, target);
    found = i32x4.sub(i32x4.sub(found, m0), i32x4.add(m1, i32x4.add(m2, m3)));
    val = v128.bitselect(a0, v128.bitselect(a1, v128.bitselect(a2, v128.bitselect(a3, val, m3), m2), m1), m0);
    pos = v128.bitselect(i32x4.splat(k), v128.bitselect(i32x4.splat(k + 1),
      v128.bitselect(i32x4.splat(k + 2), v128.bitselect(i32x4.splat(k + 3), pos, m3), m2), m1), m0);
    nan = v128.or(nan, v128.or(v128.or(f32x4.ne(a0, a0), f32x4.ne(a1, a1)), v128.or(f32x4.ne(a2, a2), f32x4.ne(a3, a3))));
  }
  for (; k < size; k++) {
    const a = ld(col + <usize>k * rowBytes, absMask);
    let c = i32x4.splat(0);
    let p = col;
    for (let j = 0; j < size; j++, p += rowBytes) c = i32x4.sub(c, f32x4.lt(ld(p, absMask), a));
    const m = i32x4.eq(c, target);
    found = i32x4.sub(found, m);
    val = v128.bitselect(a, val, m);
    pos = v128.bitselect(i32x4.splat(k), pos, m);
    nan = v128.or(nan, f32x4.ne(a, a));
  }
  v128.store(values, val);
  v128.store(indices, pos);
  return i32x4.bitmask(v128.or(nan, i32x4.ne(found, i32x4.splat(1))));
}

/** Quickselects column `t` of the chunk from its transposed row and writes its value and position. */
function selectColumn(row: usize, pos: usize, size: i32, rank: i32, value: usize, index: usize): void {
  for (let k = 0; k < size; k++) store<i32>(pos + (<usize>k << 2), k);
  select(row, pos, size, rank);
  store<f32>(value, load<f32>(row + (<usize>rank << 2)));
  store<i32>(index, load<i32>(pos + (<usize>rank << 2)));
}

/** Runs the median job at `job` until its chunks (outer index, column tile) run out. */
export function medianJob(job: usize): void {
  const outer = field(job, F.Outer), size = field(job, F.Size), inner = field(job, F.Inner), tile = field(job, F.Tile);
  const x = <usize>field(job, F.X), values = <usize>field(job, F.Values), indices = <usize>field(job, F.Indices);
  const absolute = field(job, F.Absolute) != 0, counting = field(job, F.Counting) != 0;
  const absMask = i32x4.splat(absolute ? 0x7fffffff : -1);
  scratchFrom(<usize>field(job, F.Scratch));
  const rows = take(<usize>tile * <usize>size << 2), pos = take(<usize>size << 2);
  const tiles = (inner + tile - 1) / tile, chunks = outer * tiles, rank = (size - 1) >> 1;
  const counter = <usize>field(job, F.Counter), rowBytes = <usize>inner << 2;
  for (let chunk = claim(counter); chunk < chunks; chunk = claim(counter)) {
    const o = chunk / tiles, i0 = (chunk % tiles) * tile, cols = min(tile, inner - i0);
    const block = x + ((<usize>o * <usize>size * <usize>inner + <usize>i0) << 2);
    const out = (<usize>o * <usize>inner + <usize>i0) << 2;
    let t = 0;
    if (counting) {
      for (; t + 4 <= cols; t += 4) {
        const at = out + (<usize>t << 2);
        const redo = countColumns(block + (<usize>t << 2), rowBytes, size, rank, absMask, values + at, indices + at);
        for (let lane = 0; lane < 4; lane++) {
          if ((redo >> lane) & 1) {
            transposeTile(block + (<usize>(t + lane) << 2), inner, size, 1, absolute, rows);
            selectColumn(rows, pos, size, rank, values + at + (<usize>lane << 2), indices + at + (<usize>lane << 2));
          }
        }
      }
    }
    if (t == cols) continue;
    transposeTile(block + (<usize>t << 2), inner, size, cols - t, absolute, rows);
    for (let c = t; c < cols; c++) {
      const at = out + (<usize>c << 2);
      selectColumn(rows + (<usize>(c - t) * <usize>size << 2), pos, size, rank, values + at, indices + at);
    }
  }
}

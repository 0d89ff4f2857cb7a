/**
 * Host side of the `wasm` median: the lower median along the middle axis of x seen as
 * `[outer, size, inner]` (PyTorch `median(dim)`, rank ⌊(size−1)/2⌋) with its position, of x or of
 * |x|. For axes up to {@link COUNTING_MAX_SIZE} the module ranks 4 adjacent columns at once by
 * counting and keeps a column's answer when its median value is unique (and no NaN); every other
 * column (ties at the median, NaN, the last inner % 4 columns, longer axes) is transposed into a
 * contiguous row and quickselected with the js backend's own Hoare select. Either way values and
 * positions equal the js backend's bit for bit. Chunks (outer index × column tile) are claimed by
 * the threads from one counter.
 * This is the median of the projected bounds, `median_k |A_m R|` `[B, k, ...S]` → `[B, ...S]`
 * (Wong, Schmidt, Metzen & Kolter, NeurIPS 2018, eq. 13).
 * @module
 */
import type { MedianResult } from '../../backend.js';
import type { WasmRuntime } from './runtime.js';

/** Job kind of the median in the module's `run`. */
const MEDIAN_JOB = 5;
/** Index of the scratch field in the record. */
const SCRATCH_FIELD = 11;
/**
 * Longest axis whose columns are ranked by counting (O(size²) but branch-free, 4 columns per
 * SIMD op) before falling back to the quickselect: measured 2.3-5.8 ns per element up to size 64
 * against 16-20 for the select, and even at about 180.
 */
const COUNTING_MAX_SIZE = 160;
/** Floats of one transposed tile: 8192 (32 KiB) keeps a tile in L1/L2 while it is selected. */
const TILE_FLOATS = 8192;

/** Columns per chunk: as many as fit `TILE_FLOATS`, a multiple of 16 (whole cache lines) when there are that many. */
export function medianTile(size: number, inner: number): number {
  const fit = Math.max(1, Math.floor(TILE_FLOATS / Math.max(1, size)));
  const lines = fit >= 16 ? fit - (fit % 16) : fit;
  return Math.max(1, Math.min(inner, lines));
}

/**
 * Lower median of x `[outer, size, inner]` along the middle axis (of |x| when `absolute`), values
 * `[outer·inner]` float32 and positions in `[0, size)`; `size` must be at least 1. Runs on all
 * threads when `8·x.length` (an estimate of the work) reaches `parallelMinWork`.
 */
export function wasmMedian(
  rt: WasmRuntime, x: Float32Array, outer: number, size: number, inner: number, absolute: boolean, parallelMinWork: number,
): MedianResult {
  const n = outer * inner;
  rt.reset();
  const xPtr = rt.put(x), valuesPtr = rt.alloc(4 * n), indicesPtr = rt.alloc(4 * n);
  const tile = medianTile(size, inner);
  const chunks = outer * Math.ceil(inner / tile);
  const threads = 8 * x.length >= parallelMinWork ? Math.max(1, Math.min(rt.threads, chunks)) : 1;
  const fields = [MEDIAN_JOB, rt.counter(), outer, size, inner, tile, xPtr, valuesPtr, indicesPtr, absolute ? 1 : 0, size <= COUNTING_MAX_SIZE ? 1 : 0, 0];
  rt.runJobs(Array.from({ length: threads }, () => rt.job(fields, SCRATCH_FIELD)));
  const indices = rt.i32.slice(indicesPtr >>> 2, (indicesPtr >>> 2) + n);
  return { values: rt.read(valuesPtr, n), indices };
}

/**
 * Host side of the `wasm` matrix product: copies A and B into the shared heap, splits the output
 * between threads (by batch, by rows or by columns) and runs one job record per thread. The module
 * packs op(A) into 4-row strips and op(B) into 8-column strips, so `transA` / `transB` only change
 * the strides written into the record: element (i, p) of op(A) is at i·aRow + p·aCol.
 * @module
 */
import type { MatmulSpec } from '../../backend.js';
import type { WasmRuntime } from './runtime.js';

/** One thread's share: batches [t0, t1), rows [i0, i1), columns [j0, j1). */
interface MatmulShare { t0: number; t1: number; i0: number; i1: number; j0: number; j1: number }

/** Splits `[0, size)` into `parts` contiguous ranges whose bounds are multiples of `unit` (the last one excepted). */
export function splitRange(size: number, parts: number, unit: number): Array<[number, number]> {
  const step = Math.ceil(size / parts / unit) * unit;
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < size; start += step) ranges.push([start, Math.min(size, start + step)]);
  return ranges;
}

/**
 * The threads' shares of a product: one share when the work (batch·m·n·k multiply-adds) is under
 * `parallelMinWork`; else whole batch items when there are at least two per thread, else rows in
 * multiples of the 4-row tile, else columns in multiples of the 8-column tile.
 */
export function matmulShares(spec: MatmulSpec, threads: number, parallelMinWork: number): MatmulShare[] {
  const { batch, m, n, k } = spec;
  const whole = { t0: 0, t1: batch, i0: 0, i1: m, j0: 0, j1: n };
  if (threads < 2 || batch * m * n * k < parallelMinWork) return [whole];
  if (batch >= 2 * threads) return splitRange(batch, threads, 1).map(([t0, t1]) => ({ ...whole, t0, t1 }));
  if (m >= 8 * threads) return splitRange(m, threads, 4).map(([i0, i1]) => ({ ...whole, i0, i1 }));
  if (n >= 16 * threads) return splitRange(n, threads, 8).map(([j0, j1]) => ({ ...whole, j0, j1 }));
  if (batch >= threads) return splitRange(batch, threads, 1).map(([t0, t1]) => ({ ...whole, t0, t1 }));
  return [whole];
}

/** `out[t] = op(A[t]) · op(B[t])` in float32 per {@link MatmulSpec}; output `[batch, m, n]`. */
export function wasmMatmul(rt: WasmRuntime, a: Float32Array, b: Float32Array, spec: MatmulSpec, parallelMinWork: number): Float32Array {
  const { batch, m, n, k, transA, transB, aBatchStride, bBatchStride } = spec;
  rt.reset();
  const aPtr = rt.put(a);
  const bPtr = rt.put(b);
  const size = batch * m * n;
  const cPtr = rt.alloc(4 * size);
  const aRow = transA ? 1 : k, aCol = transA ? m : 1;
  const bRow = transB ? 1 : n, bCol = transB ? k : 1;
  const jobs = matmulShares(spec, rt.threads, parallelMinWork).map((s) =>
    rt.job([1, s.t0, s.t1, s.i0, s.i1, s.j0, s.j1, m, n, k, aPtr, aRow, aCol, aBatchStride, bPtr, bRow, bCol, bBatchStride, cPtr, 0], 19),
  );
  rt.runJobs(jobs);
  return rt.read(cPtr, size);
}

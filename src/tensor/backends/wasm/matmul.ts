/**
 * Host side of the `wasm` matrix product: copies A and B into the shared heap, picks how the
 * output is cut into chunks (by batch item, by rows or by columns) and runs one job record per
 * thread; the threads claim chunks from a shared counter. The module packs op(A) into 4-row strips
 * and op(B) into 8-column strips, so `transA` / `transB` only change the strides written into the
 * record: element (i, p) of op(A) is at i·aRow + p·aCol.
 * @module
 */
import type { MatmulSpec } from '../../backend.js';
import type { WasmRuntime } from './runtime.js';

/** How the output is cut into chunks that threads claim: blocks of `rowsPer` rows × `colsPer` columns of each batch item. */
export interface MatmulChunking { rowsPer: number; colsPer: number; threads: number }

const roundUp = (value: number, unit: number): number => Math.ceil(value / unit) * unit;

/**
 * The chunking of a product: whole matrices on one thread when the work (batch·m·n·k
 * multiply-adds) is under `parallelMinWork`; else whole batch items when there are at least two
 * per thread; else blocks along the longer of m and n, about four per thread so that a late thread
 * leaves less idle time: blocks of rows (multiples of the 4-row tile) when m ≥ n, else blocks of
 * columns (multiples of the 8-column tile). Each thread packs the whole of the operand that is not
 * cut (B for row blocks, A for column blocks), so cutting the longer side packs the smaller
 * operand twice instead of the larger one: op(A)ᵀ·B with m = 100, n = 1568, k = 2500 (a weight
 * gradient) packs its 100×2500 A on both threads, not its 2500×1568 B.
 */
export function matmulChunking(spec: MatmulSpec, threads: number, parallelMinWork: number): MatmulChunking {
  const { batch, m, n, k } = spec;
  const whole = { rowsPer: m, colsPer: n };
  if (threads < 2 || batch * m * n * k < parallelMinWork) return { ...whole, threads: 1 };
  if (batch >= 2 * threads) return { ...whole, threads };
  const byRows = { ...whole, rowsPer: roundUp(Math.ceil(m / (4 * threads)), 4), threads };
  const byColumns = { ...whole, colsPer: roundUp(Math.ceil(n / (4 * threads)), 8), threads };
  if (m >= n && m >= 8 * threads) return byRows;
  if (n >= 16 * threads) return byColumns;
  if (m >= 8 * threads) return byRows;
  return { ...whole, threads: batch >= threads ? threads : 1 };
}

/** `out[t] = op(A[t]) · op(B[t])` in float32 per {@link MatmulSpec}; output `[batch, m, n]`. */
export function wasmMatmul(rt: WasmRuntime, a: Float32Array, b: Float32Array, spec: MatmulSpec, parallelMinWork: number): Float32Array {
  const { batch, m, n, k, transA, transB, aBatchStride, bBatchStride } = spec;
  rt.reset();
  const aPtr = rt.put(a);
  const bPtr = rt.put(b);
  const size = batch * m * n;
  const cPtr = rt.alloc(4 * size);
  const counter = rt.counter();
  const aRow = transA ? 1 : k, aCol = transA ? m : 1;
  const bRow = transB ? 1 : n, bCol = transB ? k : 1;
  const { rowsPer, colsPer, threads } = matmulChunking(spec, rt.threads, parallelMinWork);
  const fields = [1, counter, batch, rowsPer, colsPer, m, n, k, aPtr, aRow, aCol, aBatchStride, bPtr, bRow, bCol, bBatchStride, cPtr, 0];
  return rt.runJobsAndRead(Array.from({ length: threads }, () => rt.job(fields, 17)), cPtr, size);
}

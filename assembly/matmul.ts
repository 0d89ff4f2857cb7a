// The batched matrix product job: out[t] = op(A[t]) · op(B[t]) for batches [t0, t1), output rows
// [i0, i1) and columns [j0, j1) — the share of one thread. A transposed or untransposed operand is
// just a different pair of strides, which the packing absorbs.
import { field, scratchFrom, take } from './job';
import { fillArithmetic, gemmPacked, packA, packB, packedABytes, packedBBytes } from './gemm';

/** Record fields of a matmul job. */
const enum F { T0 = 1, T1, I0, I1, J0, J1, M, N, K, A, ARow, ACol, ABatch, B, BRow, BCol, BBatch, C, Scratch }

/** Scratch bytes the matmul job at `job` needs. */
export function matmulScratchBytes(job: usize): usize {
  const rows = field(job, F.I1) - field(job, F.I0);
  const cols = field(job, F.J1) - field(job, F.J0);
  const k = field(job, F.K);
  return 64 * 8 + (<usize>(rows + k + k + cols) << 2) + packedABytes(rows, k) + packedBBytes(k, cols);
}

/** Runs the matmul job at `job` (k ≥ 1; C is written, not accumulated into). */
export function matmulJob(job: usize): void {
  const i0 = field(job, F.I0), rows = field(job, F.I1) - i0;
  const j0 = field(job, F.J0), cols = field(job, F.J1) - j0;
  const m = field(job, F.M), n = field(job, F.N), k = field(job, F.K);
  const aBatch = field(job, F.ABatch), bBatch = field(job, F.BBatch);
  if (rows <= 0 || cols <= 0) return;
  scratchFrom(<usize>field(job, F.Scratch));
  const tmp = take(128);
  const rowOffA = take(<usize>rows << 2), colOffA = take(<usize>k << 2);
  const rowOffB = take(<usize>k << 2), colOffB = take(<usize>cols << 2);
  const ap = take(packedABytes(rows, k)), bp = take(packedBBytes(k, cols));
  fillArithmetic(rowOffA, rows, field(job, F.ARow));
  fillArithmetic(colOffA, k, field(job, F.ACol));
  fillArithmetic(rowOffB, k, field(job, F.BRow));
  fillArithmetic(colOffB, cols, field(job, F.BCol));
  const aBase = <usize>field(job, F.A) + (<usize>(i0 * field(job, F.ARow)) << 2);
  const bBase = <usize>field(job, F.B) + (<usize>(j0 * field(job, F.BCol)) << 2);
  const t0 = field(job, F.T0), t1 = field(job, F.T1);
  for (let t = t0; t < t1; t++) {
    if (t == t0 || aBatch != 0) packA(aBase + (<usize>t * <usize>aBatch << 2), rowOffA, colOffA, rows, k, ap);
    if (t == t0 || bBatch != 0) packB(bBase + (<usize>t * <usize>bBatch << 2), rowOffB, colOffB, k, cols, bp);
    const c = <usize>field(job, F.C) + ((<usize>t * <usize>m * <usize>n + <usize>i0 * <usize>n + <usize>j0) << 2);
    gemmPacked(ap, bp, rows, cols, k, c, n, tmp, false);
  }
}

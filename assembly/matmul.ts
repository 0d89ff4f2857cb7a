// The batched matrix product job: out[t] = op(A[t]) · op(B[t]). The output is cut into chunks of
// (batch item t, block of `rowsPer` rows, block of `colsPer` columns), and every thread running
// the job claims chunks from one shared atomic counter until none is left, so a thread that starts
// late or is descheduled simply takes fewer chunks. A transposed or untransposed operand is just a
// different pair of strides, which the packing absorbs: element (i, p) of op(A) is at
// i·aRow + p·aCol. Chunks are numbered with the row block fastest, so a thread keeps its packed B
// block while it walks down the rows.
import { claim, field, scratchFrom, take } from './job';
import { gemmPacked } from './gemm';
import { fillArithmetic, packA, packB, packedABytes, packedBBytes } from './pack';

/** Record fields of a matmul job. */
const enum F { Counter = 1, Batch, RowsPer, ColsPer, M, N, K, A, ARow, ACol, ABatch, B, BRow, BCol, BBatch, C, Scratch }

/** Scratch bytes the matmul job at `job` needs. */
export function matmulScratchBytes(job: usize): usize {
  const rows = field(job, F.RowsPer), cols = field(job, F.ColsPer), k = field(job, F.K);
  return 64 * 8 + (<usize>(rows + k + k + cols) << 2) + packedABytes(rows, k) + packedBBytes(k, cols);
}

/** Runs the matmul job at `job` (k ≥ 1; C is written, not accumulated into) until its chunks run out. */
export function matmulJob(job: usize): void {
  const m = field(job, F.M), n = field(job, F.N), k = field(job, F.K);
  const rowsPer = field(job, F.RowsPer), colsPer = field(job, F.ColsPer);
  const aBatch = field(job, F.ABatch), bBatch = field(job, F.BBatch);
  const rowBlocks = (m + rowsPer - 1) / rowsPer, colBlocks = (n + colsPer - 1) / colsPer;
  const chunks = field(job, F.Batch) * rowBlocks * colBlocks;
  scratchFrom(<usize>field(job, F.Scratch));
  const tmp = take(128);
  const rowOffA = take(<usize>rowsPer << 2), colOffA = take(<usize>k << 2);
  const rowOffB = take(<usize>k << 2), colOffB = take(<usize>colsPer << 2);
  const ap = take(packedABytes(rowsPer, k)), bp = take(packedBBytes(k, colsPer));
  fillArithmetic(rowOffA, rowsPer, field(job, F.ARow));
  fillArithmetic(colOffA, k, field(job, F.ACol));
  fillArithmetic(rowOffB, k, field(job, F.BRow));
  fillArithmetic(colOffB, colsPer, field(job, F.BCol));
  const counter = <usize>field(job, F.Counter);
  let packedA = -1, packedB = -1;
  for (let chunk = claim(counter); chunk < chunks; chunk = claim(counter)) {
    const bi = chunk % rowBlocks, rest = chunk / rowBlocks, bj = rest % colBlocks, t = rest / colBlocks;
    const i0 = bi * rowsPer, rows = min(rowsPer, m - i0), j0 = bj * colsPer, cols = min(colsPer, n - j0);
    const aKey = (aBatch == 0 ? 0 : t) * rowBlocks + bi, bKey = (bBatch == 0 ? 0 : t) * colBlocks + bj;
    if (aKey != packedA) {
      packA(<usize>field(job, F.A) + (<usize>(t * aBatch + i0 * field(job, F.ARow)) << 2), rowOffA, colOffA, rows, k, ap);
      packedA = aKey;
    }
    if (bKey != packedB) {
      packB(<usize>field(job, F.B) + (<usize>(t * bBatch + j0 * field(job, F.BCol)) << 2), rowOffB, colOffB, k, cols, bp);
      packedB = bKey;
    }
    const c = <usize>field(job, F.C) + ((<usize>t * <usize>m * <usize>n + <usize>i0 * <usize>n + <usize>j0) << 2);
    gemmPacked(ap, bp, rows, cols, k, c, n, tmp, false);
  }
}

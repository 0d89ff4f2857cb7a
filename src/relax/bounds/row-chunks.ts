/**
 * Back-substitution in groups of rows. Rows are independent (each λ_r is pushed back on its own,
 * CROWN, Zhang et al. 2018, Thm 3.2), so the bound `[B, R]` of R rows is the concatenation of the
 * bounds of any split of the rows. The widest temporary of a pass is B × rows × (largest node),
 * e.g. 50 × 200 × 3136 entries (125 MB) for the first fully connected layer of mnist_model; groups
 * of at most {@link CHUNK} entries keep every buffer a few MB, which the allocator reuses, where
 * one large buffer costs a page fault per 4 KiB on every call. While the tape records (training,
 * α-CROWN), it holds every group's temporaries until the backward pass, so groups do not lower
 * the peak; there the groups are {@link RECORDED_CHUNK} entries: fewer, larger calls, and each
 * line's gradient comes once instead of once per group (CROWN-IBP's 9 rows of mnist_model at
 * batch 50, 1.4 M entries, go in one pass instead of 6 + 3 rows).
 * @module
 */
import { cat, isGradEnabled, slice } from '../../autograd/index.js';
import { sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { CHUNK } from './conv-window.js';
import { backSubstitute, type BackwardContext } from './crown.js';
import type { Lines } from './operators.js';

/** {@link backSubstitute} of rows `[B', R, ...S_target]` in groups of rows (of at most `limit` entries per temporary); the same `[B, R]` result. */
export function backSubstituteInChunks(ctx: BackwardContext, target: number, rows: Tensor, limit = isGradEnabled() ? RECORDED_CHUNK : CHUNK): Tensor {
  const R = rows.shape[1]!;
  const B = ctx.X.shape[0]!;
  let width = sizeOf(ctx.graph.inputShape);
  for (let i = 1; i <= target; i++) width = Math.max(width, sizeOf(ctx.graph.nodes[i]!.shape));
  const step = Math.max(1, Math.floor(limit / (B * width)));
  if (step >= R) return backSubstitute(ctx, target, rows);
  const parts: Tensor[] = [];
  for (let r0 = 0; r0 < R; r0 += step) {
    const r1 = Math.min(R, r0 + step);
    parts.push(backSubstitute(rowsOf(ctx, r0, r1, R), target, slice(rows, 1, r0, r1)));
  }
  return cat(parts, 1);
}

/** Entries of the widest temporary of a row group while the tape records (16 MB in float32, 32 MB in float64: freed blocks up to 32 MB are reused, native/addon.cc). */
export const RECORDED_CHUNK = 4 * CHUNK;

/** `ctx` for rows r0 … r1 − 1 of R: per-row lines (`[B, R, ...S]`, α-CROWN's) and pooling weights are sliced to them. */
function rowsOf(ctx: BackwardContext, r0: number, r1: number, R: number): BackwardContext {
  const part = (t: Tensor | null, rank: number): Tensor | null => (t && t.rank === rank && t.shape[1] === R && R > 1 ? slice(t, 1, r0, r1) : t);
  const base = ctx.poolWeights?.bind(ctx);
  return {
    ...ctx,
    lines(i, target): Lines {
      const lines = ctx.lines(i, target);
      const rank = 2 + ctx.graph.nodes[i]!.shape.length;
      const perRow = [lines.lowerSlope, lines.lowerBias, lines.upperSlope, lines.upperBias].some((t) => t && t.rank === rank);
      if (!perRow) return lines; // the same object for every group: what is built from it (bias-fold.ts) is built once
      return { lowerSlope: part(lines.lowerSlope, rank)!, lowerBias: part(lines.lowerBias, rank), upperSlope: part(lines.upperSlope, rank)!, upperBias: part(lines.upperBias, rank) };
    },
    ...(base ? { poolWeights: (i: number, target: number) => { const w = base(i, target); return w && w.shape[1] === R && R > 1 ? slice(w, 1, r0, r1) : w; } } : {}),
  };
}

/**
 * Branch and bound by input splitting (for low-dimensional inputs such as ACAS Xu's 5): a box is
 * safe when, for every unsafe conjunction still open on it, some row has a proven lower bound
 * above the rounding margin; otherwise it is halved along the input dimension with the largest
 * smear |a_j|·(u_j − l_j) of the open rows' lower functions (ReluVal's heuristic, with the
 * symbolic coefficients a_j standing in for the gradient), and both halves are queued. Boxes are
 * explored most-violated first, and each visited box tries two candidate points (its centre and
 * the minimiser of its weakest lower function), and every 8th a short PGD inside it, so
 * counterexamples surface early.
 * @module
 */
import { pgdSearch } from './attack.js';
import { forwardPl, type PlNetwork } from './network.js';
import { satisfiedConjunction, type StackedRows } from './spec.js';
import { boundRows, boundTolerance, type RowBounds, type UnitRange } from './symbolic.js';

/** One queued box with the conjunctions not yet excluded on it. */
interface Box { lower: Float64Array; upper: Float64Array; open: number[]; score: number; ranges?: readonly UnitRange[] }

/** What the search ended with. */
export type BabOutcome =
  | { readonly kind: 'unsat'; readonly boxes: number }
  | { readonly kind: 'candidate'; readonly x: Float64Array; readonly boxes: number }
  | { readonly kind: 'timeout' | 'unknown'; readonly boxes: number; readonly open: number };

/** A short PGD runs inside every this many visited boxes. */
const PGD_EVERY = 8;

/** Queue length above which children no longer keep their parent's unit ranges (memory). */
const MAX_BOXES_WITH_RANGES = 50_000;

/** Min-heap on score. */
class Heap {
  private readonly items: Box[] = [];
  get size(): number { return this.items.length; }
  push(b: Box): void {
    const a = this.items;
    a.push(b);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (a[p]!.score <= a[i]!.score) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): Box {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.score < a[m]!.score) m = l;
        if (r < a.length && a[r]!.score < a[m]!.score) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

/** The conjunctions of `open` that the bounds do not exclude, and each one's best row. */
function stillOpen(b: RowBounds, stacked: StackedRows, open: readonly number[]): { open: number[]; best: number[]; score: number } {
  const keep: number[] = [];
  const best: number[] = [];
  let score = Infinity;
  for (const k of open) {
    const rows = stacked.rowsOf[k]!;
    let top = -1;
    let proven = false;
    for (const r of rows) {
      if (b.lower[r]! > boundTolerance(b.scale[r]!)) proven = true;
      if (top < 0 || b.lower[r]! > b.lower[top]!) top = r;
    }
    if (proven) continue;
    keep.push(k);
    best.push(top);
    score = Math.min(score, top < 0 ? -Infinity : b.lower[top]!);
  }
  return { open: keep, best, score };
}

/** The dimension with the largest smear over the open conjunctions' best rows. */
function splitDimension(b: RowBounds, best: readonly number[], lower: Float64Array, upper: Float64Array): number {
  const d = lower.length;
  let dim = 0;
  let top = -1;
  for (let j = 0; j < d; j++) {
    const w = upper[j]! - lower[j]!;
    let s = 0;
    for (const r of best) if (r >= 0) s += Math.abs(b.lowerFn[r * (d + 1) + j]!) * w;
    if (best.every((r) => r < 0)) s = w;
    if (s > top) { top = s; dim = j; }
  }
  return dim;
}

/** Candidate points of a box: its centre and the minimiser of a row's lower function. */
function candidates(b: RowBounds, row: number, lower: Float64Array, upper: Float64Array): Float64Array[] {
  const d = lower.length;
  const centre = Float64Array.from(lower, (l, j) => (l + upper[j]!) / 2);
  if (row < 0) return [centre];
  const corner = Float64Array.from(lower, (l, j) => (b.lowerFn[row * (d + 1) + j]! > 0 ? l : upper[j]!));
  return [centre, corner];
}

/** Runs input-splitting branch and bound on one box until proof, a candidate, the deadline or `maxBoxes` bound passes. */
export function inputSplitBab(net: PlNetwork, stacked: StackedRows, lower: Float64Array, upper: Float64Array, deadline: number, maxBoxes = Infinity): BabOutcome {
  const heap = new Heap();
  heap.push({ lower, upper, open: stacked.rowsOf.map((_, k) => k), score: -Infinity });
  let boxes = 0;
  let stuck = 0;
  while (heap.size > 0) {
    if ((boxes & 63) === 0 && Date.now() > deadline) return { kind: 'timeout', boxes, open: heap.size };
    if (boxes >= maxBoxes) return { kind: 'unknown', boxes, open: heap.size };
    const box = heap.pop();
    boxes++;
    const bounds = boundRows(net, box.lower, box.upper, box.ranges);
    const { open, best, score } = stillOpen(bounds, stacked, box.open);
    if (open.length === 0) continue;
    let worst = best[0]!;
    for (const r of best) if (r >= 0 && (worst < 0 || bounds.lower[r]! < bounds.lower[worst]!)) worst = r;
    for (const x of candidates(bounds, worst, box.lower, box.upper)) {
      if (satisfiedConjunction(forwardPl(net, x).output, stacked) >= 0) return { kind: 'candidate', x, boxes };
    }
    // every PGD_EVERY-th box (most violated first) also gets a short local PGD
    const local = boxes % PGD_EVERY === 1 ? pgdSearch(net, stacked, box.lower, box.upper, { restarts: 2, steps: 15, seed: boxes, deadline }) : undefined;
    if (local) return { kind: 'candidate', x: local, boxes };
    const dim = splitDimension(bounds, best, box.lower, box.upper);
    const mid = (box.lower[dim]! + box.upper[dim]!) / 2;
    if (!(mid > box.lower[dim]! && mid < box.upper[dim]!)) {
      stuck++;
      continue;
    }
    // children inherit this box's unit ranges (sound on sub-boxes) unless the queue is very long
    const ranges = heap.size < MAX_BOXES_WITH_RANGES ? bounds.ranges : undefined;
    const left = { lower: box.lower, upper: Float64Array.from(box.upper), open, score, ranges };
    const right = { lower: Float64Array.from(box.lower), upper: box.upper, open, score, ranges };
    left.upper[dim] = mid;
    right.lower[dim] = mid;
    heap.push(left);
    heap.push(right);
  }
  return stuck > 0 ? { kind: 'unknown', boxes, open: stuck } : { kind: 'unsat', boxes };
}

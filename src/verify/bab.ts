/**
 * Branch and bound by input splitting (for low-dimensional inputs such as ACAS Xu's 5): a box is
 * safe when, for every unsafe conjunction still open on it, some row has a proven lower bound
 * above the rounding margin. An open box is halved by strong branching: the {@link LOOKAHEAD}
 * (all free) input dimensions, ranked by the smear |a_j|·(u_j − l_j) of the open rows' tightest lower
 * functions (ReluVal's heuristic, the coefficients a_j standing in for the gradient) are each
 * tried, both halves bounded, and the split whose worse half has the best bound is kept (the
 * input-split "sb" branching of α,β-CROWN). Boxes carry their bounds and are explored most
 * violated first; each visited box tries two candidate points (its centre and the minimiser of
 * its weakest lower function), and every 8th a short PGD inside it, so counterexamples surface
 * early. Children inherit their parent's unit ranges (sound on sub-boxes).
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

/**
 * Dimensions tried per split (strong branching; 1 = the smear heuristic alone). All free ones:
 * on ACAS Xu, 3 was best on some instances (2_7 prop_1: 1247 bound passes against 1795) but
 * lost badly on others (3_9 prop_1: over 5277 against 1939, 5_4 prop_1 timed out against 271).
 */
const LOOKAHEAD = Infinity;

/** A short PGD runs inside every this many visited boxes. */
const PGD_EVERY = 8;

/** Queue length above which children no longer keep their parent's unit ranges (memory). */
const MAX_BOXES_WITH_RANGES = 50_000;

/** Binary min-heap on a score (the search queues: most violated box / worst subdomain first). */
export class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly score: (item: T) => number) {}
  get size(): number { return this.items.length; }
  push(b: T): void {
    const a = this.items;
    a.push(b);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (this.score(a[p]!) <= this.score(a[i]!)) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): T {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.score(a[l]!) < this.score(a[m]!)) m = l;
        if (r < a.length && this.score(a[r]!) < this.score(a[m]!)) m = r;
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

/** Input dimensions of positive width, largest smear Σ|a_j|·(u_j − l_j) over the open conjunctions' best rows first. */
function rankDimensions(b: RowBounds, best: readonly number[], lower: Float64Array, upper: Float64Array): number[] {
  const d = lower.length;
  const smear = new Float64Array(d);
  const noRow = best.every((r) => r < 0);
  for (let j = 0; j < d; j++) {
    const w = upper[j]! - lower[j]!;
    for (const r of best) if (r >= 0) smear[j]! += Math.abs(b.lowerFn[r * (d + 1) + j]!) * w;
    if (noRow) smear[j] = w;
  }
  return Array.from({ length: d }, (_, j) => j).filter((j) => upper[j]! > lower[j]!).sort((p, q) => smear[q]! - smear[p]!);
}

/** Candidate points of a box: its centre and the minimiser of a row's lower function. */
function candidates(b: RowBounds, row: number, lower: Float64Array, upper: Float64Array): Float64Array[] {
  const d = lower.length;
  const centre = Float64Array.from(lower, (l, j) => (l + upper[j]!) / 2);
  if (row < 0) return [centre];
  const corner = Float64Array.from(lower, (l, j) => (b.lowerFn[row * (d + 1) + j]! > 0 ? l : upper[j]!));
  return [centre, corner];
}

/** A box with its bounds and the conjunctions still open on it. */
interface Bounded { box: Box; bounds: RowBounds; best: number[] }

/** Bounds `box`, narrows its open conjunctions; undefined when the bounds exclude them all. */
function boundBox(net: PlNetwork, stacked: StackedRows, lower: Float64Array, upper: Float64Array, open: readonly number[], ranges?: readonly UnitRange[], deadline = Infinity): Bounded | undefined {
  const bounds = boundRows(net, lower, upper, ranges, true, deadline);
  const o = stillOpen(bounds, stacked, open);
  if (o.open.length === 0) return undefined;
  return { box: { lower, upper, open: o.open, score: o.score, ranges: bounds.ranges }, bounds, best: o.best };
}

/** Halves of `b` along `dim` (bounded; undefined = excluded), or undefined when the box cannot be halved there. */
function halves(net: PlNetwork, stacked: StackedRows, b: Bounded, dim: number, keepRanges: boolean): (Bounded | undefined)[] | undefined {
  const { lower, upper, open } = b.box;
  const mid = (lower[dim]! + upper[dim]!) / 2;
  if (!(mid > lower[dim]! && mid < upper[dim]!)) return undefined;
  const ranges = keepRanges ? b.bounds.ranges : undefined;
  const leftUpper = Float64Array.from(upper);
  const rightLower = Float64Array.from(lower);
  leftUpper[dim] = mid;
  rightLower[dim] = mid;
  return [boundBox(net, stacked, lower, leftUpper, open, ranges), boundBox(net, stacked, rightLower, upper, open, ranges)];
}

/** How good a split is: the worse child's score (an excluded child counts as +∞). */
function splitQuality(children: readonly (Bounded | undefined)[]): number {
  return Math.min(...children.map((c) => (c ? c.box.score : Infinity)));
}

/**
 * The split of `b`: the {@link LOOKAHEAD} dimensions of largest smear are each tried (both halves
 * bounded) and the one whose worse half has the best bound is kept (strong branching on the
 * input, as α,β-CROWN's input-split "sb"); returns the halves still open and the bound passes spent.
 */
function bestSplit(net: PlNetwork, stacked: StackedRows, b: Bounded, keepRanges: boolean): { children: Bounded[]; passes: number } | undefined {
  let best: (Bounded | undefined)[] | undefined;
  let bestQ = -Infinity;
  let passes = 0;
  for (const dim of rankDimensions(b.bounds, b.best, b.box.lower, b.box.upper).slice(0, LOOKAHEAD)) {
    const c = halves(net, stacked, b, dim, keepRanges);
    if (!c) continue;
    passes += 2;
    const q = splitQuality(c);
    if (q > bestQ || !best) { best = c; bestQ = q; }
    if (q === Infinity) break;
  }
  return best && { children: best.filter((c): c is Bounded => c !== undefined), passes };
}

/** Runs input-splitting branch and bound on one box until proof, a candidate, the deadline or `maxBoxes` bound passes. */
export function inputSplitBab(net: PlNetwork, stacked: StackedRows, lower: Float64Array, upper: Float64Array, deadline: number, maxBoxes = Infinity): BabOutcome {
  const queue = new MinHeap<Bounded>((b) => b.box.score);
  const root = boundBox(net, stacked, lower, upper, stacked.rowsOf.map((_, k) => k), undefined, deadline);
  if (!root) return { kind: 'unsat', boxes: 1 };
  queue.push(root);
  let boxes = 1;
  let visited = 0;
  let stuck = 0;
  while (queue.size > 0) {
    if (Date.now() > deadline) return { kind: 'timeout', boxes, open: queue.size };
    if (boxes >= maxBoxes) return { kind: 'unknown', boxes, open: queue.size };
    const b = queue.pop();
    visited++;
    const x = tryCandidates(net, stacked, b, root.box, visited, deadline);
    if (x) return { kind: 'candidate', x, boxes };
    const split = bestSplit(net, stacked, b, queue.size < MAX_BOXES_WITH_RANGES);
    if (!split) {
      stuck++;
      continue;
    }
    boxes += split.passes;
    for (const c of split.children) queue.push(c);
  }
  return stuck > 0 ? { kind: 'unknown', boxes, open: stuck } : { kind: 'unsat', boxes };
}

/** The box's centre and the minimiser of its weakest lower function, and every {@link PGD_EVERY}-th box a short PGD in it and two random restarts of PGD over the root box. */
function tryCandidates(net: PlNetwork, stacked: StackedRows, b: Bounded, root: Box, visited: number, deadline: number): Float64Array | undefined {
  const { bounds, best, box } = b;
  let worst = best[0]!;
  for (const r of best) if (r >= 0 && (worst < 0 || bounds.lower[r]! < bounds.lower[worst]!)) worst = r;
  for (const x of candidates(bounds, worst, box.lower, box.upper)) {
    if (satisfiedConjunction(forwardPl(net, x).output, stacked) >= 0) return x;
  }
  if (visited % PGD_EVERY !== 1) return undefined;
  // a short PGD inside the box, and fresh random restarts over the whole region (they add up over a long search)
  return pgdSearch(net, stacked, box.lower, box.upper, { restarts: 2, steps: 15, seed: visited, deadline })
    ?? pgdSearch(net, stacked, root.lower, root.upper, { restarts: 2, steps: 30, seed: 1_000_003 + visited, deadline, centreFirst: false });
}

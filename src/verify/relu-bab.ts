/**
 * Branch and bound by ReLU splitting, for image-sized inputs (β-CROWN's search, Wang et al. 2021):
 * a subdomain is the input box with split decisions (unit i of ReLU layer k active or inactive),
 * bounded by {@link boundSubdomain} (CROWN with the splits in the bound as Lagrangian terms,
 * α and β optimised). Subdomains are explored worst lower bound first; an open one is split on
 * the unstable unit of largest BaBSR-style score |λ_i|·u_i(−l_i)/(u_i − l_i) (the triangle
 * relaxation's height weighted by the worst row's coefficient on that ReLU's output, Bunel et al.
 * 2020; halved for λ > 0, whose lower line can be tilted by α), and its children inherit its β.
 * Each subdomain's minimisers x* are tried on the network (candidates for `sat`, re-checked on
 * the ONNX graph by the caller), and every {@link PGD_EVERY}-th subdomain a random-start PGD runs
 * over the box. The deadline is checked between subdomains and inside the bound's optimisation.
 * The union of the two children of a split is the parent, so `unsat` once no subdomain is open
 * is sound; a subdomain with no unstable unit left that is still open ends the search `unknown`.
 * @module
 */
import { pgdSearch } from './attack.js';
import { forwardPl, type PlNetwork } from './network.js';
import { boundSubdomain, startingAlpha, type BoundContext, type Split, type SubdomainBound } from './relu-bound.js';
import { optimiseRanges } from './relu-ranges.js';
import { satisfiedConjunction, type StackedRows } from './spec.js';
import { boundRows, boundTolerance, type UnitRange } from './symbolic.js';
import { MinHeap, type BabOutcome } from './bab.js';

/** Options of {@link reluSplitBab}. */
export interface ReluBabOptions {
  /** Open subdomains above which the search stops `unknown` (memory cap). */
  readonly maxDomains?: number;
  /** Gradient steps of α, β per row on the root / on each subdomain. */
  readonly rootIterations?: number;
  readonly iterations?: number;
  /** Stop after this many subdomains bounded (`unknown`); default no limit. */
  readonly maxPasses?: number;
  /** PGD seed. */
  readonly seed?: number;
  /** α steps per unit row when the root's intermediate ranges are optimised (0: CROWN ranges only). */
  readonly rangeIterations?: number;
}

/** Share of the remaining time the root's α-optimised intermediate ranges may take. */
const RANGE_SHARE = 0.15;

/** One open subdomain. */
interface Domain {
  readonly splits: readonly Split[];
  /** Open conjunctions and the rows bounded for them. */
  readonly open: readonly number[];
  readonly rows: readonly number[];
  /** β per row of `rows` (split order). */
  readonly beta: readonly Float64Array[];
  /** min over open conjunctions of their best row's lower bound. */
  readonly score: number;
  /** The unit to split next, if any unit is still unstable. */
  readonly branch?: { readonly layer: number; readonly unit: number };
}

/** A random-start PGD over the whole box runs every this many subdomains. */
const PGD_EVERY = 16;

/** The unstable, unsplit unit of largest BaBSR-style score for row slot q of the bound. */
function chooseBranch(b: SubdomainBound, q: number): { layer: number; unit: number } | undefined {
  let best: { layer: number; unit: number } | undefined;
  let bestScore = -1;
  b.ranges.forEach((r: UnitRange, k) => {
    const n = r.lo.length;
    for (let i = 0; i < n; i++) {
      const l = r.lo[i]!;
      const u = r.hi[i]!;
      if (!(l < 0 && u > 0)) continue;
      const height = Number.isFinite(l) && Number.isFinite(u) ? (u * -l) / (u - l) : Number.MAX_VALUE;
      const lam = b.lam[k]![q * n + i]!;
      const score = (lam < 0 ? -lam : 0.5 * lam) * height + 1e-12 * height;
      if (score > bestScore) { bestScore = score; best = { layer: k, unit: i }; }
    }
  });
  return best;
}

/** Bounds a subdomain; undefined when every conjunction is excluded on it. */
function evaluate(ctx: BoundContext, stacked: StackedRows, splits: readonly Split[], open: readonly number[], parent: Domain | undefined, iterations: number, deadline: number): { domain?: Domain; bound: SubdomainBound; rows: number[] } {
  const rows = open.flatMap((k) => stacked.rowsOf[k]!);
  const beta = rows.map((r) => {
    const q = parent ? parent.rows.indexOf(r) : -1;
    return q >= 0 ? parent!.beta[q] : undefined;
  });
  const bound = boundSubdomain(ctx, splits, rows, { iterations, deadline, beta });
  const keep: number[] = [];
  let score = Infinity;
  let worstSlot = -1;
  for (const k of open) {
    let top = -1;
    let proven = false;
    for (const r of stacked.rowsOf[k]!) {
      const q = rows.indexOf(r);
      if (bound.lower[q]! > boundTolerance(bound.scale[q]!)) proven = true;
      if (top < 0 || bound.lower[q]! > bound.lower[top]!) top = q;
    }
    if (proven) continue;
    keep.push(k);
    const s = top < 0 ? -Infinity : bound.lower[top]!;
    if (s < score || worstSlot < 0) { score = s; worstSlot = top; }
  }
  if (keep.length === 0) return { bound, rows };
  const branch = worstSlot >= 0 ? chooseBranch(bound, worstSlot) : undefined;
  return { domain: { splits, open: keep, rows, beta: bound.beta, score, branch }, bound, rows };
}

/** The minimisers of the bound's rows, tried on the network: a point where a conjunction holds, or undefined. */
function tryMinimisers(net: PlNetwork, stacked: StackedRows, bound: SubdomainBound): Float64Array | undefined {
  for (const x of bound.xstar) if (satisfiedConjunction(forwardPl(net, x).output, stacked) >= 0) return x;
  return undefined;
}

/**
 * ReLU-splitting branch and bound on the box [lower, upper] until proof, a candidate point (for
 * the caller to re-check), the deadline, the memory cap or `maxPasses` bounded subdomains.
 */
export function reluSplitBab(net: PlNetwork, stacked: StackedRows, lower: Float64Array, upper: Float64Array, deadline: number, o: ReluBabOptions = {}): BabOutcome {
  const all = stacked.rowsOf.map((_, k) => k);
  const root = boundRows(net, lower, upper, undefined, true, deadline);
  const open = all.filter((k) => !stacked.rowsOf[k]!.some((r) => root.lower[r]! > boundTolerance(root.scale[r]!)));
  if (open.length === 0) return { kind: 'unsat', boxes: 1 };
  const ranges = root.ranges.map((r) => ({ lo: Float64Array.from(r.lo), hi: Float64Array.from(r.hi) }));
  if ((o.rangeIterations ?? 20) > 0) optimiseRanges(net, lower, upper, ranges, o.rangeIterations ?? 20, Date.now() + RANGE_SHARE * Math.max(0, deadline - Date.now()));
  const ctx: BoundContext = { net, lower, upper, ranges, alpha: startingAlpha(ranges, net.stages[net.stages.length - 1]!.size) };
  const first = evaluate(ctx, stacked, [], open, undefined, o.rootIterations ?? 50, deadline);
  let passes = 2;
  if (!first.domain) return { kind: 'unsat', boxes: passes };
  const x0 = tryMinimisers(net, stacked, first.bound);
  if (x0) return { kind: 'candidate', x: x0, boxes: passes };
  const queue = new MinHeap<Domain>((d) => d.score);
  queue.push(first.domain);
  let stuck = 0;
  const maxDomains = o.maxDomains ?? 20_000;
  while (queue.size > 0) {
    if (Date.now() > deadline) return { kind: 'timeout', boxes: passes, open: queue.size + stuck };
    if (queue.size > maxDomains || passes >= (o.maxPasses ?? Infinity)) return { kind: 'unknown', boxes: passes, open: queue.size + stuck };
    const d = queue.pop();
    if (!d.branch) { stuck++; continue; }
    for (const sign of [1, -1] as const) {
      const child = evaluate(ctx, stacked, [...d.splits, { ...d.branch, sign }], d.open, d, o.iterations ?? 10, deadline);
      passes++;
      const x = tryMinimisers(net, stacked, child.bound);
      if (x) return { kind: 'candidate', x, boxes: passes };
      if (child.domain) queue.push(child.domain);
    }
    if (passes % PGD_EVERY < 2) {
      const x = pgdSearch(net, stacked, lower, upper, { restarts: 1, steps: 30, seed: (o.seed ?? 0) + passes, deadline, centreFirst: false });
      if (x) return { kind: 'candidate', x, boxes: passes };
    }
  }
  return stuck > 0 ? { kind: 'unknown', boxes: passes, open: stuck } : { kind: 'unsat', boxes: passes };
}

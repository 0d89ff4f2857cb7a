/**
 * α-CROWN (Xu et al. 2021, §3.1, eq. 7): the lower slopes of crossing units are parameters
 * α ∈ [min, max] (ReLU: [0, 1]), one set per bounded node (each intermediate layer's bounds
 * and the specification, as auto_LiRPA's per-start-node α), optimised by projected gradient
 * ascent on the sum of the bounds with Adam. Any α gives a sound bound, so the intermediate
 * bounds move with the α of their own node and the final bound is differentiable through them.
 *
 * α starts at CROWN's adaptive slopes, so the first evaluation is CROWN; the returned bound is
 * the best seen per entry over the iterations (never looser than CROWN), with the gradient of the
 * last iterate (for training). The bound is not concave in α and the MaxPool weights jointly:
 * where a MaxPool window's CROWN line sits on a tie of lower bounds that the largest upper bound
 * breaks otherwise (max-pool.ts; after a ReLU whole windows tie at 0 and the first entry may be a
 * dead unit), half as many steps again start from those lines, and the best of both starts is
 * kept (never looser than the first start, which is the one-start run bit for bit). On example
 * 0, margin 1 of the lirpa case conv_maxpool_linf_0_a (100 steps): one start −0.151059,
 * auto_LiRPA's one start −0.151355, two starts −0.152901; the exact LP of the same relaxations
 * with CROWN's intermediate bounds is −0.152148, and in both tied windows where its weights leave
 * CROWN's entry they sit on the upper-tie entry. Networks without such ties run as before.
 * Deterministic: no random draw is made (the seed is accepted for a later random start). α is
 * per row of the bounded node (`[B, R, ...S]`: the K specification rows, or the 2m rows of an
 * intermediate node's m unstable units, fixed at the first evaluation) when that tensor is small
 * and `shared` is not set, else shared by the node's rows (`[B, 1, ...S]`).
 * @module
 */
import { add, backward, clamp, compare, enableGrad, isGradEnabled, mul, neg, noGrad, sum, unsqueeze, where } from '../../autograd/index.js';
import { Adam } from '../../optim/adam.js';
import { sizeOf } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { crownBoxes, safeLines, type BackwardContext } from './crown.js';
import { backSubstituteInChunks } from './row-chunks.js';
import type { Interval } from './ibp.js';
import type { ElementwiseOp, Lines } from './operators.js';

/** Options of α-CROWN. */
export interface AlphaOptions {
  /** Adam steps (default 20); half as many again from a second start on MaxPool nets with tied windows (see the module note). */
  readonly iterations?: number;
  /** Adam learning rate (default 0.1). */
  readonly lr?: number;
  /** Learning-rate factor per step (default 0.98, auto_LiRPA's). */
  readonly lrDecay?: number;
  /** Seed (default 0); the optimisation is deterministic and draws nothing. */
  readonly seed?: number;
  /** One α per node shared by all specification rows (default: per row when small). */
  readonly shared?: boolean;
}

/** Where a MaxPool lower line starts (max-pool.ts): CROWN's ('first' of tied lower bounds) or the largest upper bound among them. */
type PoolStart = 'first' | 'upper';

/** Per-row α tensors larger than this many entries are shared instead. */
const PER_ROW_LIMIT = 1 << 22;

/** One optimisable set: α of an element-wise node (slopes in [min, max]) or a pooling node (simplex weights) when bounding a target. */
interface Slopes {
  readonly alpha: Tensor;
  /** Puts α back into its feasible set (in place). */
  readonly project: () => void;
}

/**
 * The optimised lower bound `[B, K]` of c·f, c `[B, K, ...S_out]`. `base` supplies the graph,
 * input set and a `params` list whose gradients are kept untouched while α is optimised.
 */
export function alphaCrown(base: BackwardContext, c: Tensor, options: AlphaOptions, params: readonly Tensor[] = []): Tensor {
  const outer = isGradEnabled();
  // under no-grad (certification) only α needs gradients: the parameters are constants meanwhile (no weight gradients, no tape kept for them)
  const frozen = outer ? [] : params.filter((p) => p.requiresGrad);
  frozen.forEach((p) => { p.requiresGrad = false; });
  try {
    const result = enableGrad(() => optimise(base, c, options, params));
    return outer ? result : result.detach();
  } finally {
    frozen.forEach((p) => { p.requiresGrad = true; });
  }
}

function optimise(base: BackwardContext, c: Tensor, options: AlphaOptions, params: readonly Tensor[]): Tensor {
  const iterations = options.iterations ?? 20;
  const lr = options.lr ?? 0.1;
  if (!Number.isInteger(iterations) || iterations < 0) throw new Error(`options.alpha.iterations must be an integer >= 0, got ${iterations}`);
  if (!(lr > 0)) throw new Error(`options.alpha.lr must be > 0, got ${lr}`);
  const run: Run = { options, params, saved: params.map((p) => p.grad), best: new Float64Array(0) };
  const crown = descent(base, c, options, 'first');
  const first = crown.evaluate();
  run.best = Float64Array.from(first.data);
  if (iterations === 0 || crown.slopes.size === 0) return first;
  // the first start is the one-start run bit for bit, so the second can only tighten entries
  const second = crown.ties ? Math.floor(iterations / 2) : 0;
  let current = descend(run, crown, first, iterations);
  if (second > 0) {
    const other = descent(base, c, options, 'upper');
    current = descend(run, other, keepBest(run, other.evaluate()), second);
  }
  return bestWithGradient(current, run.best);
}

/** What the descents share: the options, the parameters whose gradients are kept, and the best bound per entry so far. */
interface Run {
  readonly options: AlphaOptions;
  readonly params: readonly Tensor[];
  readonly saved: readonly (Tensor | null)[];
  best: Float64Array;
}

/** One start of the optimisation: its α per (target, node), created on first use, and its evaluation. */
interface Descent {
  readonly slopes: Map<string, Slopes>;
  /** The bound `[B, K]` at the current α (intermediate bounds recomputed with their own α). */
  evaluate(): Tensor;
  /** Whether a MaxPool line began on a tie that the 'upper' start breaks otherwise. */
  ties: boolean;
}

/** A start whose MaxPool lower lines begin at `start` (max-pool.ts) and element-wise slopes at CROWN's. */
function descent(base: BackwardContext, c: Tensor, options: AlphaOptions, start: PoolStart): Descent {
  const last = base.graph.nodes.length - 1;
  const shared = options.shared ?? false;
  // one α per row of every bounded node: the rows of intermediate nodes are fixed at the first evaluation
  const fixedUnits = new Map<number, Int32Array>();
  const rowsOf = (t: number): number => (t === last ? c.shape[1]! : 2 * fixedUnits.get(t)!.length);
  const d: Descent = {
    slopes: new Map(),
    ties: false,
    evaluate: () => {
      const boxes: (Interval | undefined)[] = [];
      const cache = new Map<string, Lines>(); // one evaluation's lines (row groups and the window path ask again)
      const ctx: BackwardContext = {
        ...base, boxes, fixedUnits,
        lines: (i, t) => {
          const key = `${t}:${i}`;
          let lines = cache.get(key);
          if (!lines) cache.set(key, (lines = linesOf(ctx, i, t, d.slopes, rowsOf(t), shared)));
          return lines;
        },
        poolWeights: (i, t) => poolWeightsOf(ctx, i, t, d, rowsOf(t), shared, start),
      };
      crownBoxes(ctx);
      return backSubstituteInChunks(ctx, last, c);
    },
  };
  return d;
}

/** `steps` Adam steps of `d` from its evaluation `current` (lr decayed per step), keeping the best per entry; the last iterate. */
function descend(run: Run, d: Descent, current: Tensor, steps: number): Tensor {
  const optimiser = new Adam([...d.slopes.values()].map((s) => s.alpha), { lr: run.options.lr ?? 0.1 });
  const decay = run.options.lrDecay ?? 0.98;
  for (let it = 0; it < steps; it++) {
    const objective = neg(sum(where(compare('gt', current, -Infinity), current, 0)));
    if (!objective.requiresGrad) break;
    backward(objective);
    run.params.forEach((p, i) => { p.grad = run.saved[i] ?? null; });
    optimiser.step();
    optimiser.lr *= decay;
    for (const s of d.slopes.values()) { s.project(); s.alpha.grad = null; }
    current = keepBest(run, d.evaluate());
  }
  return current;
}

/** Folds `bound` into the best per entry; returns it. */
function keepBest(run: Run, bound: Tensor): Tensor {
  bound.data.forEach((v, k) => { if (v > run.best[k]!) run.best[k] = v; });
  return bound;
}

/**
 * The best bound seen per entry, carrying the gradient of the last iterate (itself a sound bound):
 * `current + (best − current)` with the difference a constant; entries where the last iterate is
 * not finite are the constant best.
 */
function bestWithGradient(current: Tensor, bestData: Float64Array): Tensor {
  const finite = compare('gt', current, -Infinity);
  const gap = Tensor.from(bestData.map((v, k) => (Number.isFinite(current.data[k]!) ? v - current.data[k]! : 0)), current.shape, current.dtype);
  return where(finite, add(current, gap), Tensor.from(bestData, current.shape, current.dtype));
}

/** The lines of node i for target t: CROWN's outside the optimisable ops, α's lower slopes inside. */
function linesOf(ctx: BackwardContext, i: number, t: number, slopes: Map<string, Slopes>, rows: number, shared: boolean): Lines {
  const node = ctx.graph.nodes[i]!;
  const op = node.op as ElementwiseOp;
  const [l, u] = ctx.boxes[node.inputs[0]!]!;
  if (!op.lowerSlopeRange) return safeLines(op, l, u, 'adaptive');
  const key = `${t}:${i}`;
  let s = slopes.get(key);
  const { min, max } = op.lowerSlopeRange(l, u);
  if (!s) {
    const start = noGrad(() => safeLines(op, l, u, 'adaptive').lowerSlope);
    const B = start.shape[0]!;
    const perRow = !shared && B * rows * sizeOf(node.shape) <= PER_ROW_LIMIT ? rows : 1;
    const alpha = noGrad(() => mul(unsqueeze(start, 1), Tensor.ones([1, perRow, ...node.shape], start.dtype))).detach().requireGrad();
    const d = alpha.data;
    slopes.set(key, (s = { alpha, project: () => { for (let k = 0; k < d.length; k++) d[k] = Math.min(max, Math.max(min, d[k]!)); } }));
  }
  return safeLines(op, unsqueeze(l, 1), unsqueeze(u, 1), clamp(s.alpha, min, max));
}

/**
 * The lower-line weights of pooling node i for target t (`[B, R | 1, C, P, K]`, on the simplex),
 * created at the line `start`; notes in `d.ties` when the 'upper' start would begin elsewhere.
 */
function poolWeightsOf(ctx: BackwardContext, i: number, t: number, d: Descent, rows: number, shared: boolean, start: PoolStart): Tensor | undefined {
  const node = ctx.graph.nodes[i]!;
  if (node.op.kind !== 'pool' || !node.op.lowerWeights) return undefined;
  const weights = node.op.lowerWeights;
  const key = `${t}:${i}`;
  let s = d.slopes.get(key);
  if (!s) {
    const [l, u] = ctx.boxes[node.inputs[0]!]!;
    const line = weights.init(l, u, start);
    if (start === 'first' && weights.init(l, u, 'upper').data.some((v, k) => v !== line.data[k])) d.ties = true;
    const perRow = !shared && line.size * rows <= PER_ROW_LIMIT ? rows : 1;
    const alpha = noGrad(() => mul(line, Tensor.ones([1, perRow, ...line.shape.slice(2)], line.dtype))).detach().requireGrad();
    d.slopes.set(key, (s = { alpha, project: () => weights.project(alpha) }));
  }
  return s.alpha;
}

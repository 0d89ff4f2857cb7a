/**
 * α-CROWN (Xu et al. 2021, §3.1, eq. 7): the lower slopes of crossing units are parameters
 * α ∈ [min, max] (ReLU: [0, 1]), one set per bounded node (each intermediate layer's bounds
 * and the specification, as auto_LiRPA's per-start-node α), optimised by projected gradient
 * ascent on the sum of the bounds with Adam. Any α gives a sound bound, so the intermediate
 * bounds move with the α of their own node and the final bound is differentiable through them.
 *
 * α starts at CROWN's adaptive slopes, so the first evaluation is CROWN; the returned bound is
 * the best seen per entry over the iterations (never looser than CROWN), with the gradient of the
 * last iterate (for training). Deterministic: no
 * random draw is made (the seed is accepted for a later random start). α is per row of the
 * bounded node (`[B, R, ...S]`: the K specification rows, or the 2m rows of an intermediate node's
 * m unstable units, fixed at the first evaluation) when that tensor is small and `shared` is not
 * set, else shared by the node's rows (`[B, 1, ...S]`).
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
  /** Adam steps (default 20). */
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
  const decay = options.lrDecay ?? 0.98;
  if (!Number.isInteger(iterations) || iterations < 0) throw new Error(`options.alpha.iterations must be an integer >= 0, got ${iterations}`);
  if (!(lr > 0)) throw new Error(`options.alpha.lr must be > 0, got ${lr}`);
  const slopes = new Map<string, Slopes>();
  const last = base.graph.nodes.length - 1;
  // one α per row of every bounded node: the rows of intermediate nodes are fixed at the first evaluation
  const fixedUnits = new Map<number, Int32Array>();
  const rowsOf = (t: number): number => (t === last ? c.shape[1]! : 2 * fixedUnits.get(t)!.length);
  const evaluate = (): Tensor => {
    const boxes: (Interval | undefined)[] = [];
    const cache = new Map<string, Lines>(); // one evaluation's lines (row groups and the window path ask again)
    const ctx: BackwardContext = {
      ...base, boxes, fixedUnits,
      lines: (i, t) => {
        const key = `${t}:${i}`;
        let lines = cache.get(key);
        if (!lines) cache.set(key, (lines = linesOf(ctx, i, t, slopes, rowsOf(t), options.shared ?? false)));
        return lines;
      },
      poolWeights: (i, t) => poolWeightsOf(ctx, i, t, slopes, rowsOf(t), options.shared ?? false),
    };
    crownBoxes(ctx);
    return backSubstituteInChunks(ctx, last, c);
  };
  const saved = params.map((p) => p.grad);
  const best = evaluate();
  const bestData = Float64Array.from(best.data);
  if (iterations === 0 || slopes.size === 0) return best;
  const optimiser = new Adam([...slopes.values()].map((s) => s.alpha), { lr });
  let current = best;
  for (let it = 0; it < iterations; it++) {
    const objective = neg(sum(where(compare('gt', current, -Infinity), current, 0)));
    if (!objective.requiresGrad) break;
    backward(objective);
    params.forEach((p, i) => { p.grad = saved[i] ?? null; });
    optimiser.step();
    optimiser.lr *= decay;
    for (const s of slopes.values()) { s.project(); s.alpha.grad = null; }
    current = evaluate();
    current.data.forEach((v, k) => { if (v > bestData[k]!) bestData[k] = v; });
  }
  return bestWithGradient(current, bestData);
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

/** The lower-line weights of pooling node i for target t (`[B, R | 1, C, P, K]`, on the simplex), created at the default line. */
function poolWeightsOf(ctx: BackwardContext, i: number, t: number, slopes: Map<string, Slopes>, rows: number, shared: boolean): Tensor | undefined {
  const node = ctx.graph.nodes[i]!;
  if (node.op.kind !== 'pool' || !node.op.lowerWeights) return undefined;
  const weights = node.op.lowerWeights;
  const key = `${t}:${i}`;
  let s = slopes.get(key);
  if (!s) {
    const [l, u] = ctx.boxes[node.inputs[0]!]!;
    const start = weights.init(l, u);
    const perRow = !shared && start.size * rows <= PER_ROW_LIMIT ? rows : 1;
    const alpha = noGrad(() => mul(start, Tensor.ones([1, perRow, ...start.shape.slice(2)], start.dtype))).detach().requireGrad();
    slopes.set(key, (s = { alpha, project: () => weights.project(alpha) }));
  }
  return s.alpha;
}

/**
 * Which units of a node CROWN bounds by back-substitution, as (example, unit) pairs.
 *
 * auto_LiRPA 0.4 bounds the union over the batch of the units some consumer's relaxation is not
 * exact on (`'batch'`): the cost of every example is then that of the union, which for a trained
 * network is 15–25× an example's own unstable units (mnist_model, 100 MNIST digits: 27 unstable
 * units of the second convolution per example, 675 in the union). With `'example'` each example
 * bounds its own units (the union of a batch of one), so an example's bounds do not depend on the
 * batch it is certified in. Both are sound: a unit that is not selected keeps the reference box,
 * on which its relaxation is exact.
 *
 * {@link pairBounds} back-substitutes the pairs' one-hot rows as a batch of pairs: example b's
 * input set, boxes and element-wise lines are gathered for each of its pairs (CROWN, Zhang et al.
 * 2018, Thm 3.2, row by row), in groups that keep every temporary at most {@link CHUNK} entries.
 * @module
 */
import { cat, indexAdd, indexSelect, neg, reshape, slice, where } from '../../autograd/index.js';
import { sizeOf } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Perturbation } from '../perturbation.js';
import { CHUNK } from './conv-window.js';
import { backSubstitute, failClosed, type BackwardContext } from './crown.js';
import type { Interval } from './ibp.js';
import type { BoundGraph, Lines } from './operators.js';

/** How the units bounded by back-substitution are chosen (see the module comment). */
export type UnitSelection = 'batch' | 'example';

/** Q (example, unit) pairs, example-major; `flat` = example · n + unit. */
export interface UnitPairs {
  readonly example: Int32Array;
  readonly unit: Int32Array;
  readonly flat: Int32Array;
}

/** Above this fraction of unstable units, every unit is bounded (auto_LiRPA 0.4's `minimum_sparsity`), per selection set. */
export const MINIMUM_SPARSITY = 0.9;

/**
 * Flags `[B, n]` (1 = bound this unit of this example): where a consumer's relaxation is not exact
 * on the reference box or the box is not finite; every unit when a consumer is a pooling op.
 */
export function unstableFlags(graph: BoundGraph, i: number, [l, u]: Interval): Uint8Array {
  const flags = new Uint8Array(l.size);
  for (const node of graph.nodes) {
    if (!node || node.inputs[0] !== i) continue;
    if (node.op.kind === 'pool') return flags.fill(1);
    if (node.op.kind !== 'elementwise') continue;
    const mask = node.op.unstable(l, u).data;
    for (let k = 0; k < flags.length; k++) if (mask[k] !== 0 || !Number.isFinite(l.data[k]!) || !Number.isFinite(u.data[k]!)) flags[k] = 1;
  }
  return flags;
}

/** Each example's own flagged units (all of them when more than {@link MINIMUM_SPARSITY} of n are flagged). */
export function examplePairs(flags: Uint8Array, B: number, n: number): UnitPairs {
  const flat: number[] = [];
  for (let b = 0; b < B; b++) {
    let count = 0;
    for (let k = 0; k < n; k++) count += flags[b * n + k]!;
    const all = count > MINIMUM_SPARSITY * n;
    for (let k = 0; k < n; k++) if (all || flags[b * n + k]) flat.push(b * n + k);
  }
  return pairsOf(Int32Array.from(flat), n);
}

/** The pairs of the same units in every example (the `'batch'` selection). */
export function unionPairs(units: Int32Array, B: number, n: number): UnitPairs {
  const flat = new Int32Array(B * units.length);
  for (let b = 0; b < B; b++) units.forEach((unit, k) => { flat[b * units.length + k] = b * n + unit; });
  return pairsOf(flat, n);
}

function pairsOf(flat: Int32Array, n: number): UnitPairs {
  return { flat, example: flat.map((f) => Math.floor(f / n)), unit: flat.map((f) => f % n) };
}

/** `values` `[Q]` at the pairs, `reference` `[B, ...S]` elsewhere. */
export function placePairs(values: Tensor, pairs: UnitPairs, reference: Tensor): Tensor {
  const total = reference.size;
  const flat = reshape(reference, [total]);
  if (pairs.flat.length === total) return reshape(values, reference.shape); // every unit, in order
  const mask = Tensor.zeros([total], values.dtype);
  pairs.flat.forEach((f) => { mask.data[f] = 1; });
  return reshape(where(mask, indexAdd(values, 0, pairs.flat, [total]), flat), reference.shape);
}

/**
 * Bounds of node i: each pair's rows [e_unit; −e_unit] back-substituted with its example's set,
 * boxes and lines (lower = first row, upper = −second), `reference` elsewhere.
 */
export function pairBounds(ctx: BackwardContext, i: number, pairs: UnitPairs, reference: Interval): Interval {
  const shape = ctx.graph.nodes[i]!.shape;
  const n = sizeOf(shape);
  const Q = pairs.flat.length;
  let width = sizeOf(ctx.graph.inputShape);
  for (let j = 1; j <= i; j++) width = Math.max(width, sizeOf(ctx.graph.nodes[j]!.shape));
  const group = Math.max(1, Math.floor(CHUNK / (2 * width)));
  const parts: Tensor[] = [];
  for (let q0 = 0; q0 < Q; q0 += group) {
    const q1 = Math.min(Q, q0 + group);
    const rows = new Tensor(new (ctx.X.dtype === 'float64' ? Float64Array : Float32Array)((q1 - q0) * 2 * n), [q1 - q0, 2, ...shape]);
    for (let q = q0; q < q1; q++) {
      rows.data[(q - q0) * 2 * n + pairs.unit[q]!] = 1;
      rows.data[((q - q0) * 2 + 1) * n + pairs.unit[q]!] = -1;
    }
    parts.push(backSubstitute(gatherContext(ctx, pairs.example.subarray(q0, q1)), i, rows));
  }
  const bound = parts.length === 1 ? parts[0]! : cat(parts, 0); // [Q, 2]
  const lower = placePairs(reshape(slice(bound, 1, 0, 1), [Q]), pairs, reference[0]);
  return [lower, failClosed(placePairs(neg(reshape(slice(bound, 1, 1, 2), [Q])), pairs, reference[1]), Infinity)];
}

/** `ctx` for a batch of the listed examples (repeats allowed): X, the set, boxes, lines and pooling weights gathered along the batch axis. */
function gatherContext(ctx: BackwardContext, examples: Int32Array): BackwardContext {
  const B = ctx.X.shape[0]!;
  const take = <T extends Tensor | null>(t: T): T => (t && t.rank > 0 && t.shape[0] === B ? indexSelect(t, 0, examples) as T : t); // [1, ...] with B > 1: shared
  const base = ctx.poolWeights?.bind(ctx);
  return {
    graph: ctx.graph,
    X: indexSelect(ctx.X, 0, examples),
    perturbation: gatherPerturbation(ctx.perturbation, ctx.X.rank, take),
    boxes: ctx.boxes.map((box, j) => (box && feedsPool(ctx.graph, j) ? [take(box[0]), take(box[1])] : undefined)), // back-substitution reads the boxes of pooling inputs only
    lines(j, target): Lines {
      const lines = ctx.lines(j, target);
      return { lowerSlope: take(lines.lowerSlope), lowerBias: take(lines.lowerBias), upperSlope: take(lines.upperSlope), upperBias: take(lines.upperBias) };
    },
    ...(base ? { poolWeights: (j: number, target: number) => { const w = base(j, target); return w ? take(w) : w; } } : {}),
  };
}

function feedsPool(graph: BoundGraph, j: number): boolean {
  return graph.nodes.some((node) => node?.op.kind === 'pool' && node.inputs[0] === j);
}

/** The set with per-example ε / box tensors (`[B]`, or `[B, ...S]` of X's rank) gathered. */
function gatherPerturbation(p: Perturbation, rank: number, take: (t: Tensor) => Tensor): Perturbation {
  const one = <T extends number | Tensor>(v: T): T => (typeof v === 'number' || (v.rank !== 1 && v.rank !== rank) ? v : take(v) as T);
  return { ...p, epsilon: one(p.epsilon), ...(p.box ? { box: { lower: one(p.box.lower), upper: one(p.box.upper) } } : {}) };
}

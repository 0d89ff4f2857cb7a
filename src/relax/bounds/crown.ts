/**
 * Backward linear bounds (CROWN, Zhang et al. 2018, Thm 3.2; the Wong–Kolter dual when the lines
 * have equal slopes, 2018 eq. 9): rows λ on a node are pushed back to the input,
 *
 *   linear  z' = A z + b:      λ ↦ Aᵀλ,            constant += λ·b
 *   element-wise y = σ(z):     λ ↦ λ⁺a_l + λ⁻a_u,  constant += λ⁺·b_l + λ⁻·b_u
 *   MaxPool: its own step;     Add: λ to every input,
 *
 * and the input set's support function closes the bound: λ_0·x' ≥ concretize(λ_0) (Hölder; box-support.ts for l∞).
 * The result is a lower bound of λ·z_target over the set, `[B, R]`, differentiable on the tape.
 * Intermediate bounds ({@link crownBoxes}) stack the rows [I; −I] of every unit of a node that
 * feeds an element-wise or pooling op (lower = first half, upper = −second half). As auto_LiRPA,
 * the outputs of element-wise / pooling nodes and a first linear layer on the input are boxed by
 * interval arithmetic (exact there for l∞), everything else by back-substitution.
 * Non-finite bounds fail closed: such a unit's lines are σ ∈ [−∞, ∞], and a NaN bound becomes −∞
 * (lower) / +∞ (upper), never a dead unit.
 * @module
 */
import { abs, add, compare, mul, neg, reshape, slice, sub, where } from '../../autograd/index.js';
import { assertNever } from '../../nn/layer.js';
import { sizeOf } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { inputBox, type Perturbation } from '../perturbation.js';
import { supportFromBelow } from './box-support.js';
import { placeUnits, windowBounds } from './conv-window.js';
import { examplePairs, MINIMUM_SPARSITY, pairBounds, unionPairs, unstableFlags, type UnitSelection } from './unit-pairs.js';
import { relaxStep } from './relax-step.js';
import { backSubstituteInChunks } from './row-chunks.js';
import { ballInterval, intervalStep, type Interval } from './ibp.js';
import { biasDot, type BoundGraph, type ElementwiseOp, type LinearOp, type Lines, type LowerSlope } from './operators.js';
import { canFoldBias, linesWithBias } from './bias-fold.js';

/** Everything a back-substitution reads. */
export interface BackwardContext {
  readonly graph: BoundGraph;
  readonly X: Tensor;
  readonly perturbation: Perturbation;
  /** Boxes of the nodes computed so far (every input of an element-wise / pooling node before it is crossed). */
  readonly boxes: (Interval | undefined)[];
  /** The lines of element-wise node i (from the box of its input) when bounding node `target`. */
  lines(i: number, target: number): Lines;
  /** If given, the units bounded by back-substitution per node, fixed at their first choice (α-CROWN's per-row slopes need fixed rows). */
  readonly fixedUnits?: Map<number, Int32Array>;
  /** Which units of an intermediate node are bounded by back-substitution (unit-pairs.ts; default 'batch', auto_LiRPA's). */
  readonly units?: UnitSelection;
  /** If given, the lower-line weights of pooling node i when bounding `target` (α-CROWN). */
  poolWeights?(i: number, target: number): Tensor | undefined;
}

/** Lower bound of λ·z_target over the input set, `[B, R]`, for rows λ `[B' , R, ...S_target]` (B' = 1 or B). */
export function backSubstitute(ctx: BackwardContext, target: number, rows: Tensor): Tensor {
  const { graph } = ctx;
  const B = ctx.X.shape[0]!;
  const R = rows.shape[1]!;
  const at: (Tensor | undefined)[] = new Array(target + 1);
  at[target] = rows;
  let constant: Tensor = Tensor.zeros([1, R], ctx.X.dtype);
  const send = (j: number, part: Tensor): void => { at[j] = at[j] ? add(at[j]!, part) : part; };
  const biasFolded = new Uint8Array(target + 1); // linear nodes whose λ·b an element-wise step's constant already holds (bias-fold.ts)
  for (let i = target; i >= 1; i--) {
    const lambda = at[i];
    if (!lambda) continue;
    at[i] = undefined;
    const node = graph.nodes[i]!;
    const op = node.op;
    const b = lambda.shape[0]!;
    switch (op.kind) {
      case 'linear': {
        if (op.bias && !biasFolded[i]) constant = add(constant, reshape(biasDot(reshape(lambda, [b, R, -1]), op), [b, R]));
        send(node.inputs[0]!, reshape(op.adjoint(reshape(lambda, [b * R, ...op.outShape])), [b, R, ...op.inShape]));
        break;
      }
      case 'add': node.inputs.forEach((j) => send(j, lambda)); break;
      case 'elementwise': {
        let lines = ctx.lines(i, target);
        if (canFoldBias(graph, i, target, lines)) {
          lines = linesWithBias(lines, (graph.nodes[node.inputs[0]!]!.op as LinearOp).bias!);
          biasFolded[node.inputs[0]!] = 1;
        }
        const step = relaxStep(lambda, lines); // λ⁺a_l + λ⁻a_u, λ⁺·b_l + λ⁻·b_u (one fused op)
        constant = add(constant, step.constant);
        send(node.inputs[0]!, step.rows);
        break;
      }
      case 'pool': {
        const [l, u] = ctx.boxes[node.inputs[0]!]!;
        const step = op.backward(lambda, l, u, ctx.poolWeights?.(i, target));
        constant = add(constant, step.constant);
        send(node.inputs[0]!, step.rows);
        break;
      }
      default: assertNever(op, 'bound operator');
    }
  }
  const bound = at[0] ? add(supportFromBelow(ctx.perturbation, ctx.X, at[0]), constant) : add(Tensor.zeros([B, R], ctx.X.dtype), constant);
  return failClosed(bound, -Infinity);
}

/** NaN entries replaced by `value` (±∞): a bound that cannot be computed is no bound. */
export function failClosed(x: Tensor, value: number): Tensor {
  return x.data.some((v) => Number.isNaN(v)) ? where(compare('eq', x, x), x, value) : x;
}

/**
 * The lines of an element-wise op on [l, u], failing closed: units with a non-finite l or u get
 * σ ∈ [−∞, +∞] (slopes 0), never a dead or an active unit; so do units whose width u − l overflows.
 */
export function safeLines(op: ElementwiseOp, l: Tensor, u: Tensor, lower: LowerSlope): Lines {
  if (finiteWidths(l, u)) return op.relax(l, u, lower);
  const width = sub(u, l);
  const known = mul(mul(compare('lt', abs(l), Infinity), compare('lt', abs(u), Infinity)), compare('lt', abs(width), Infinity));
  const lines = op.relax(where(known, l, 0), where(known, u, 0), lower);
  return {
    lowerSlope: where(known, lines.lowerSlope, 0),
    lowerBias: where(known, lines.lowerBias ?? 0, -Infinity),
    upperSlope: where(known, lines.upperSlope, 0),
    upperBias: where(known, lines.upperBias ?? 0, Infinity),
  };
}

/**
 * Whether l, u and the width u − l in their dtype are finite everywhere (src/relax/finite.ts: l = −3e38,
 * u = 3e38 in float32 overflow u − l, and the chord slope rounds to 0), in one pass without a
 * temporary: (u − l)·0 is NaN exactly when l, u or u − l is not finite, and NaN sticks in the sum.
 */
export function finiteWidths(l: Tensor, u: Tensor): boolean {
  if (l.size !== u.size) return false;
  return l.dtype === 'float32' ? widthCheck32(l.data, u.data) : widthCheck64(l.data, u.data);
}

function widthCheck32(l: Float32Array | Float64Array, u: Float32Array | Float64Array): boolean {
  let s = 0;
  for (let k = 0; k < l.length; k++) s += Math.fround(u[k]! - l[k]!) * 0; // fround: the width as a float32 subtraction gives it, overflow included
  return s === 0;
}

function widthCheck64(l: Float32Array | Float64Array, u: Float32Array | Float64Array): boolean {
  let s = 0;
  for (let k = 0; k < l.length; k++) s += (u[k]! - l[k]!) * 0;
  return s === 0;
}

/** Which nodes feed an element-wise or pooling op (their boxes are needed). */
export function boxedNodes(graph: BoundGraph): boolean[] {
  const need = graph.nodes.map(() => false);
  graph.nodes.forEach((node) => { if (node && (node.op.kind === 'elementwise' || node.op.kind === 'pool')) need[node.inputs[0]!] = true; });
  return need;
}

/**
 * CROWN boxes of every node that feeds an element-wise or pooling op, in topological order, as
 * auto_LiRPA (sparse intermediate bounds): a reference box (the interval step from the best
 * boxes so far) decides which units are unstable; only those (the union over the batch, or each
 * example's own with `ctx.units` 'example': unit-pairs.ts) are bounded by back-substitution, the others keep the reference box (sound, and already stable),
 * unless more than 90% are unstable: then every unit is (auto_LiRPA's minimum sparsity). Element-wise / pooling outputs and a first linear layer on the input
 * take the interval step. The `lines` of `ctx` must read `ctx.boxes`. Returns `ctx.boxes`.
 */
export function crownBoxes(ctx: BackwardContext): (Interval | undefined)[] {
  const { graph, boxes } = ctx;
  const need = boxedNodes(graph);
  const reference: Interval[] = [inputBox(ctx.perturbation, ctx.X)];
  boxes[0] = reference[0];
  for (let i = 1; i < graph.nodes.length; i++) {
    const node = graph.nodes[i]!;
    const interval = ballInterval(graph, i, ctx.X, ctx.perturbation) ?? intervalStep(graph, i, reference);
    reference.push(interval);
    if (!need[i]) continue;
    const onInput = node.op.kind === 'linear' && node.inputs[0] === 0 && (ctx.perturbation.norm === 'linf' || ballInterval(graph, i, ctx.X, ctx.perturbation));
    if (node.op.kind === 'elementwise' || node.op.kind === 'pool' || onInput) {
      boxes[i] = interval;
    } else {
      boxes[i] = crownNodeBounds(ctx, i, interval);
    }
    reference[i] = boxes[i]!;
  }
  return boxes;
}

/**
 * CROWN bounds of node i on the units {@link unstableFlags} selects ('batch': their union over
 * the batch, fixed in `ctx.fixedUnits` when that is given; 'example': each example's own), by the
 * window form where it applies, else by back-substitution; the reference box elsewhere.
 */
function crownNodeBounds(ctx: BackwardContext, i: number, interval: Interval): Interval {
  const B = ctx.X.shape[0]!;
  const n = sizeOf(ctx.graph.nodes[i]!.shape);
  const fixed = ctx.fixedUnits?.get(i);
  const flags = fixed ? null : unstableFlags(ctx.graph, i, interval);
  if (!ctx.fixedUnits && ctx.units === 'example') { // α-CROWN fixes its rows per node: the batch form
    const pairs = examplePairs(flags!, B, n);
    if (pairs.flat.length === 0) return interval;
    const dense = pairs.flat.length === B * n; // every unit of every example: the shared one-hot rows of the batch form
    return windowBounds(ctx, i, pairs, interval) ?? (dense ? unitBounds(ctx, i, Int32Array.from({ length: n }, (_, k) => k), interval) : pairBounds(ctx, i, pairs, interval));
  }
  const units = fixed ?? unionUnits(flags!, n);
  ctx.fixedUnits?.set(i, units);
  return (units.length > 0 ? windowBounds(ctx, i, unionPairs(units, B, n), interval) : null) ?? unitBounds(ctx, i, units, interval);
}

/** The union over the batch of flagged units (`flags` `[B, n]`); all units when they are more than {@link MINIMUM_SPARSITY} of n. */
function unionUnits(flags: Uint8Array, n: number): Int32Array {
  const union = new Uint8Array(n);
  flags.forEach((f, k) => { if (f) union[k % n] = 1; });
  const units: number[] = [];
  union.forEach((f, k) => { if (f) units.push(k); });
  return units.length > MINIMUM_SPARSITY * n ? Int32Array.from({ length: n }, (_, k) => k) : Int32Array.from(units);
}

/**
 * Bounds of node i: the rows [E; −E] of the selected units (E = their one-hot rows) back-
 * substituted (lower = first half, upper = −second half); the other units keep `reference`.
 */
export function unitBounds(ctx: BackwardContext, i: number, units: Int32Array, reference: Interval): Interval {
  const shape = ctx.graph.nodes[i]!.shape;
  const n = sizeOf(shape);
  const m = units.length;
  if (m === 0) return reference;
  const rows = new Tensor(new (ctx.X.dtype === 'float64' ? Float64Array : Float32Array)(2 * m * n), [1, 2 * m, ...shape]);
  units.forEach((unit, k) => { rows.data[k * n + unit] = 1; rows.data[(m + k) * n + unit] = -1; });
  const bound = backSubstituteInChunks(ctx, i, rows);
  const lower = placeUnits(slice(bound, 1, 0, m), units, reference[0]);
  return [lower, failClosed(placeUnits(neg(slice(bound, 1, m, 2 * m)), units, reference[1]), Infinity)];
}

/**
 * Bounds of the property rows r(x) = c_r·f(x) + d_r over an input box on an
 * {@link OperatorNetwork}, with the engine of `src/relax/bounds` in float64: CROWN (Zhang et al.
 * 2018, adaptive lower slopes), then α-CROWN (Xu et al. 2021) while time allows. The rows are the
 * specification matrix C `[1, R, K]` the back-substitution starts from, so C is folded into the
 * last layer (tighter than bounding f and combining). The box is the l∞ set [l, u] itself
 * (a radius wider than the box, cut to it: the engine sees exactly [l, u]).
 *
 * A row counts as proven (r > 0 on the box) only when its lower bound exceeds
 * 1e-9 · (1 + |d_r| + Σ_i |c_ri| · max(|ŷ_i⁻|, |ŷ_i⁺|)), where [ŷ⁻, ŷ⁺] is the IBP box of the output
 * (an upper bound of the magnitudes the float64 computation sums); a non-finite bound or margin
 * proves nothing.
 * @module
 */
import { noGrad } from '../../autograd/index.js';
import { alphaCrown, crownBoxes, intervalBounds } from '../../relax/bounds/index.js';
import { context } from '../../relax/bounds/compute-bounds.js';
import { backSubstituteInChunks } from '../../relax/bounds/row-chunks.js';
import type { Perturbation } from '../../relax/perturbation.js';
import { Tensor } from '../../tensor/tensor.js';
import type { OutputRow } from '../vnnlib.js';
import type { OperatorNetwork } from './to-network.js';

/** What {@link boundRows} returns. */
export interface RowBounds {
  /** Lower bound of each row c_r·f(x) + d_r over the box (−∞ where none). */
  readonly lower: Float64Array;
  /** Whether each row is proven positive (lower bound above its rounding margin). */
  readonly proven: readonly boolean[];
  /** The method whose bounds these are. */
  readonly method: 'crown' | 'alpha-crown';
}

/** Options of {@link boundRows}. */
export interface RowBoundOptions {
  /** α-CROWN iterations after CROWN (0: CROWN only; default 20), fewer when the deadline is near. */
  readonly alphaIterations?: number;
  /** Wall-clock deadline (ms since epoch) for starting α-CROWN. */
  readonly deadline?: number;
}

/** The engine's l∞ set for the box [l, u] around its centre. */
function boxSet(net: OperatorNetwork, lower: Float64Array, upper: Float64Array): { X: Tensor; p: Perturbation } {
  const shape = [1, ...net.inputShape];
  const X = new Tensor(Float64Array.from(lower, (l, j) => (l + upper[j]!) / 2), shape);
  // wider than the box on every side, then cut to it: inputBox is exactly [l, u]
  const eps = new Tensor(Float64Array.from(lower, (l, j) => upper[j]! - l + 1e-12 * (1 + Math.abs(l) + Math.abs(upper[j]!))), shape);
  return { X, p: { norm: 'linf', epsilon: eps, box: { lower: new Tensor(Float64Array.from(lower), shape), upper: new Tensor(Float64Array.from(upper), shape) } } };
}

/** Lower bounds of the rows over the box [lower, upper]: CROWN, then α-CROWN if time allows. */
export function boundRows(net: OperatorNetwork, lower: Float64Array, upper: Float64Array, rows: readonly OutputRow[], o: RowBoundOptions = {}): RowBounds {
  const R = rows.length;
  const K = net.outputSize;
  if (rows.some((r) => r.c.length !== K)) throw new Error(`the property constrains ${rows[0]?.c.length} outputs, the network has ${K}`);
  if (lower.length !== net.inputSize || upper.length !== net.inputSize) throw new Error(`the box has ${lower.length} inputs, the network ${net.inputSize}`);
  const { X, p } = boxSet(net, lower, upper);
  const c = new Tensor(Float64Array.from(rows.flatMap((r) => Array.from(r.c))), [1, R, K]);
  const target = net.graph.nodes.length - 1;
  const started = Date.now();
  const crown = noGrad(() => {
    const ctx = context(net.graph, X, p, [], 'adaptive');
    crownBoxes(ctx);
    return Float64Array.from(backSubstituteInChunks(ctx, target, c).data);
  });
  const margins = roundingMargins(net, X, p, rows);
  let result = judge(crown, rows, margins, 'crown');
  const iterations = o.alphaIterations ?? 20;
  const perPass = Date.now() - started;
  // an α-CROWN step costs a CROWN pass and its gradient: about 4 passes (never started past the deadline)
  const affordable = o.deadline === undefined ? iterations : Math.floor((o.deadline - Date.now()) / (4 * perPass + 1));
  const steps = Math.min(iterations, affordable);
  if (steps >= 2 && result.proven.some((v) => !v)) {
    const alpha = noGrad(() => Float64Array.from(alphaCrown(context(net.graph, X, p, [], 'adaptive'), c, { iterations: steps }).data));
    result = judge(alpha.map((v, r) => Math.max(v, crown[r]!)), rows, margins, 'alpha-crown');
  }
  return result;
}

/** Per-row margins 1e-9 · (1 + |d| + Σ |c_i| · max|ŷ_i|) from the IBP box of the output (∞ when it is not finite). */
function roundingMargins(net: OperatorNetwork, X: Tensor, p: Perturbation, rows: readonly OutputRow[]): Float64Array {
  const boxes = noGrad(() => intervalBounds(net.graph, X, p));
  const [lo, hi] = boxes[boxes.length - 1]!;
  const mag = Float64Array.from(lo.data, (v, i) => Math.max(Math.abs(v), Math.abs(hi.data[i]!)));
  return Float64Array.from(rows, (row) => {
    const m = row.c.reduce((s, ci, i) => s + (ci === 0 ? 0 : Math.abs(ci) * mag[i]!), 1 + Math.abs(row.d));
    return Number.isFinite(m) ? 1e-9 * m : Infinity;
  });
}

/** Row bounds with d added and judged against their margins (NaN fails closed). */
function judge(bound: Float64Array, rows: readonly OutputRow[], margins: Float64Array, method: RowBounds['method']): RowBounds {
  const lower = Float64Array.from(bound, (v, r) => (Number.isNaN(v) ? -Infinity : v + rows[r]!.d));
  return { lower, proven: Array.from(lower, (v, r) => Number.isFinite(v) && v > margins[r]!), method };
}

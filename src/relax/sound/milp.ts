/**
 * The exact worst case max_{x' ∈ B∞(x, ε)} f_j(x') − f_y(x') of a small ReLU network, as a
 * mixed-integer program solved by HiGHS (the soundness suite's strongest attack): each crossing
 * unit (ℓ < 0 < u, from any valid bounds) gets a binary a with z ≥ 0, z ≥ ẑ, z ≤ ẑ − ℓ(1 − a),
 * z ≤ u·a (Tjeng et al. 2019); stable units are fixed. The optimum is the true maximum (to the
 * solver's tolerances), so a bound below it is a violation.
 * @module
 */
import type { ModelData } from 'highs';
import type { Sequential } from '../../nn/sequential.js';
import type { Tensor } from '../../tensor/tensor.js';
import { affineSegments, type LpSolver, type ReluBounds } from '../../train/primal-lp.js';

/** Column and row lists of the program. */
class Program {
  readonly lower: number[] = [];
  readonly upper: number[] = [];
  readonly integer: number[] = [];
  readonly starts: number[] = [0];
  readonly indices: number[] = [];
  readonly values: number[] = [];
  readonly rowLower: number[] = [];
  readonly rowUpper: number[] = [];

  column(lower: number, upper: number, integer = false): number {
    this.lower.push(lower);
    this.upper.push(upper);
    this.integer.push(integer ? 1 : 0);
    return this.lower.length - 1;
  }

  row(entries: readonly (readonly [number, number])[], lower: number, upper: number): void {
    for (const [j, v] of entries) if (v !== 0) { this.indices.push(j); this.values.push(v); }
    this.starts.push(this.indices.length);
    this.rowLower.push(lower);
    this.rowUpper.push(upper);
  }
}

/** z = relu(ẑ) for one unit with bounds [ℓ, u]; returns z's column. */
function relu(p: Program, zhat: number, l: number, u: number, inf: number): number {
  if (u <= 0) return p.column(0, 0);
  const z = p.column(l >= 0 ? -inf : 0, inf);
  if (l >= 0) { p.row([[z, 1], [zhat, -1]], 0, 0); return z; }
  const a = p.column(0, 1, true);
  p.row([[z, 1], [zhat, -1]], 0, inf);
  p.row([[z, 1], [zhat, -1], [a, -l]], -inf, -l);
  p.row([[z, 1], [a, -u]], -inf, 0);
  return z;
}

/**
 * max f_j − f_y over the l∞ ball around x0 `[1, ...S_0]` (float64 Sequential of Linear / Conv2d /
 * Flatten / ReLU), using `bounds` (valid pre-activation bounds, e.g. the dual's) for big-M.
 * @returns the optimum, or NaN when HiGHS does not report optimality.
 */
export function exactWorstCase(solver: LpSolver, net: Sequential, x0: Tensor, epsilon: number, y: number, j: number, bounds: readonly ReluBounds[]): number {
  const segments = affineSegments(net, x0.shape.slice(1));
  const inf = solver.infinity;
  const p = new Program();
  let inputs = Array.from(x0.data, (v) => p.column(v - epsilon, v + epsilon));
  segments.forEach((seg, s) => {
    const zhat = Array.from({ length: seg.outputs }, () => p.column(-inf, inf));
    zhat.forEach((col, k) => p.row([[col, 1], ...inputs.map((c, i): [number, number] => [c, -seg.A[k * seg.inputs + i]!])], seg.b[k]!, seg.b[k]!));
    inputs = s === segments.length - 1 ? zhat : zhat.map((col, k) => relu(p, col, bounds[s]!.lower[k]!, bounds[s]!.upper[k]!, inf));
  });
  const cost = new Array<number>(p.lower.length).fill(0);
  cost[inputs[y]!] = 1;
  cost[inputs[j]!] = -1;
  const numRows = p.rowLower.length;
  const model: ModelData = {
    numCols: p.lower.length, numRows, colCost: cost, colLower: p.lower, colUpper: p.upper, rowLower: p.rowLower, rowUpper: p.rowUpper,
    matrix: { format: 'csr', numRows, numCols: p.lower.length, starts: p.starts, indices: p.indices, values: p.values },
    integrality: Int32Array.from(p.integer),
  };
  return solver.withModel(model, (m) => {
    m.options.set({ output_flag: false, mip_rel_gap: 0, mip_abs_gap: 0, primal_feasibility_tolerance: 1e-9 });
    m.run();
    return m.getModelStatus() === 7 ? -m.getObjectiveValue() : NaN;
  });
}

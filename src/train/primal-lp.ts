/**
 * The primal linear program of the convex outer adversarial polytope (Wong & Kolter 2018, eq. 5;
 * the original's `examples/primal.py`, which used CVXPY), solved exactly with HiGHS (npm `highs`,
 * WebAssembly) for small networks:
 *
 *   minimise    cᵀ ẑ_L
 *   subject to  x ∈ B(x₀, ε)  (l∞ ball, ∩ [lower, upper] when bounded)
 *               ẑ_i = A_i z_{i−1} + b_i                     (each affine segment)
 *               z_i = 0 where u ≤ 0,  z_i = ẑ_i where ℓ ≥ 0,
 *               z_i ≥ 0, z_i ≥ ẑ_i, (u − ℓ) z_i − u ẑ_i ≤ −u ℓ  where ℓ < 0 < u (the triangle)
 *
 * with the ReLU input bounds [ℓ, u] those of the dual network (`DualNetwork.reluBounds()`), so
 * the LP and J(c) describe the same relaxation. Every feasible x is in the ball, so
 * LP ≤ cᵀ f(x') for every x' in it; and J(c) ≤ LP by weak duality. J(c) is the LP's dual with the
 * lower slope of each crossing ReLU fixed at d = u/(u − ℓ) (the LP's own dual optimises it), so
 * J(c) equals the optimum of the LP whose lower side is the single line z ≥ d·ẑ
 * (`lowerSide: 'dual'`), and is below the triangle LP's optimum whenever that slope is not optimal.
 *
 * A Sequential of Linear / Conv2d / Flatten / Identity / eval-mode BatchNorm2d / ReLU layers is
 * supported: the layers between two ReLUs are one affine map, read off by applying them to the
 * identity basis.
 * @module
 */
import highsModule, { type Highs, type ModelData } from 'highs';
import { noGrad, sub } from '../autograd/index.js';
import type { Sequential } from '../nn/index.js';
import { DualNetwork, type DualNetworkOptions } from '../relax/index.js';
import { Tensor } from '../tensor/tensor.js';

/** The loaded solver (`await loadLpSolver()` once, then solve synchronously). */
export type LpSolver = Highs;

/**
 * Loads the HiGHS WebAssembly module. (The package's one `.d.ts` describes its CommonJS build,
 * so TypeScript sees the ESM default export as the module object; take whichever is callable.)
 */
export function loadLpSolver(): Promise<LpSolver> {
  const candidate: unknown = highsModule;
  const loader = (typeof candidate === 'function' ? candidate : (candidate as { default: unknown }).default) as () => Promise<LpSolver>;
  return loader();
}

/** An affine map z ↦ A z + b between flat activations: A `[out][in]` row-major. */
export interface AffineSegment {
  readonly inputs: number;
  readonly outputs: number;
  readonly A: Float64Array;
  readonly b: Float64Array;
}

/** The network as alternating affine segments and ReLUs: segment 0, ReLU, segment 1, …, segment L. */
export function affineSegments(net: Sequential, inputShape: readonly number[]): AffineSegment[] {
  const segments: AffineSegment[] = [];
  let pending: Sequential['layers'][number][] = [];
  let shape = [...inputShape];
  const close = (): void => {
    const { segment, outShape } = affineOf(pending, shape, net.dtype);
    segments.push(segment);
    shape = outShape;
    pending = [];
  };
  for (const layer of net.layers) {
    if (layer.kind === 'relu') close();
    else if (layer.kind === 'linear' || layer.kind === 'conv2d' || layer.kind === 'flatten' || layer.kind === 'identity' || (layer.kind === 'batchnorm2d' && !layer.training)) pending.push(layer);
    else throw new Error(`primal LP: layer kind '${layer.kind}' is not supported (Linear, Conv2d, Flatten, Identity, eval-mode BatchNorm2d, ReLU)`);
  }
  close();
  return segments;
}

/** A and b of a chain of affine layers: b = chain(0), column j of A = chain(e_j) − b. */
function affineOf(layers: readonly Sequential['layers'][number][], inShape: readonly number[], dtype: 'float32' | 'float64'): { segment: AffineSegment; outShape: number[] } {
  const n = inShape.reduce((a, d) => a * d, 1);
  const apply = (x: Tensor): Tensor => layers.reduce((z, layer) => layer.forward(z), x);
  return noGrad(() => {
    const zero = apply(Tensor.zeros([1, ...inShape], dtype));
    const basis = apply(new Tensor(Tensor.eye(n, dtype).data, [n, ...inShape]));
    const columns = sub(basis, zero); // [n, ...outShape]: row j is A e_j
    const m = zero.size;
    const A = new Float64Array(m * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) A[i * n + j] = columns.data[j * m + i]!;
    return { segment: { inputs: n, outputs: m, A, b: Float64Array.from(zero.data) }, outShape: zero.shape.slice(1) };
  });
}

/** Bounds [ℓ, u] of every ReLU input for one example, flat, from the dual network. */
export interface ReluBounds {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/** Options of {@link solvePrimalLp}. */
export interface PrimalLpOptions extends DualNetworkOptions {
  /** ReLU bounds to use (default: those of the dual network at x₀, ε). */
  readonly bounds?: readonly ReluBounds[];
  /**
   * Lower side of each crossing ReLU: `'triangle'` (default: z ≥ 0 and z ≥ ẑ, the convex hull)
   * or `'dual'` (z ≥ d·ẑ with d = u/(u − ℓ), the slope J(c) fixes: this LP's optimum is J(c)).
   */
  readonly lowerSide?: 'triangle' | 'dual';
}

/** The LP's outcome. */
export interface PrimalLpResult {
  /** HiGHS model status: 'optimal' or the name of another status. */
  readonly status: string;
  /** The optimum of cᵀ ẑ_L. */
  readonly value: number;
  /** The optimal input x `[n₀]`. */
  readonly x: Float64Array;
  /** The ReLU bounds the LP used. */
  readonly bounds: readonly ReluBounds[];
}

/** The dual network's ReLU input bounds for one example x₀ `[1, ...S₀]`. */
export function dualReluBounds(net: Sequential, x0: Tensor, epsilon: number, options: DualNetworkOptions = {}): ReluBounds[] {
  return noGrad(() => new DualNetwork(net, x0, epsilon, options).reluBounds().map(({ lower, upper }) => ({ lower: Float64Array.from(lower.data), upper: Float64Array.from(upper.data) })));
}

/** Sparse rows collected before conversion to CSR: `lower ≤ Σ values·x[indices] ≤ upper`. */
class RowBuilder {
  readonly starts: number[] = [0];
  readonly indices: number[] = [];
  readonly values: number[] = [];
  readonly lower: number[] = [];
  readonly upper: number[] = [];

  add(entries: readonly (readonly [number, number])[], lower: number, upper: number): void {
    for (const [j, v] of entries) if (v !== 0) { this.indices.push(j); this.values.push(v); }
    this.starts.push(this.indices.length);
    this.lower.push(lower);
    this.upper.push(upper);
  }
}

/** Column bounds, costs and rows of the LP (see the module comment for the layout). */
export function buildPrimalLp(segments: readonly AffineSegment[], bounds: readonly ReluBounds[], inputLower: Float64Array, inputUpper: Float64Array, c: ArrayLike<number>, infinity: number, lowerSide: 'triangle' | 'dual' = 'triangle'): ModelData {
  if (bounds.length !== segments.length - 1) throw new Error(`primal LP: ${bounds.length} ReLU bound sets for ${segments.length - 1} ReLU layers`);
  const colLower: number[] = [...inputLower];
  const colUpper: number[] = [...inputUpper];
  const rows = new RowBuilder();
  let input = 0; // first column of the segment's input
  segments.forEach((seg, i) => {
    const zhat = colLower.length;
    for (let k = 0; k < seg.outputs; k++) { colLower.push(-infinity); colUpper.push(infinity); }
    for (let k = 0; k < seg.outputs; k++) {
      const entries: [number, number][] = [[zhat + k, 1]];
      for (let j = 0; j < seg.inputs; j++) entries.push([input + j, -seg.A[k * seg.inputs + j]!]);
      rows.add(entries, seg.b[k]!, seg.b[k]!);
    }
    if (i === segments.length - 1) {
      input = zhat;
      return;
    }
    input = colLower.length;
    const { lower, upper } = bounds[i]!;
    if (lower.length !== seg.outputs) throw new Error(`primal LP: ReLU ${i} has ${lower.length} bounds for ${seg.outputs} units`);
    for (let k = 0; k < seg.outputs; k++) addRelu(colLower, colUpper, rows, zhat + k, lower[k]!, upper[k]!, infinity, lowerSide);
  });
  const numCols = colLower.length;
  const colCost = new Array<number>(numCols).fill(0);
  const outputs = segments[segments.length - 1]!.outputs;
  if (c.length !== outputs) throw new Error(`primal LP: c has ${c.length} entries for ${outputs} outputs`);
  for (let k = 0; k < outputs; k++) colCost[input + k] = c[k]!;
  return {
    numCols, numRows: rows.lower.length, colCost, colLower, colUpper, rowLower: rows.lower, rowUpper: rows.upper,
    matrix: { format: 'csr', numRows: rows.lower.length, numCols, starts: rows.starts, indices: rows.indices, values: rows.values },
  };
}

/** Column z = relu(ẑ) of one unit with input bounds [ℓ, u], ẑ at column `zhat`. */
function addRelu(colLower: number[], colUpper: number[], rows: RowBuilder, zhat: number, l: number, u: number, infinity: number, lowerSide: 'triangle' | 'dual'): void {
  const z = colLower.length;
  if (u <= 0) { colLower.push(0); colUpper.push(0); return; }
  colLower.push(l >= 0 || lowerSide === 'dual' ? -infinity : 0);
  colUpper.push(infinity);
  if (l >= 0) { rows.add([[z, 1], [zhat, -1]], 0, 0); return; }
  if (lowerSide === 'dual') rows.add([[z, 1], [zhat, -u / (u - l)]], 0, infinity); // z ≥ d ẑ
  else rows.add([[z, 1], [zhat, -1]], 0, infinity); // z ≥ ẑ (and z ≥ 0 as the column bound)
  rows.add([[z, u - l], [zhat, -u]], -infinity, -u * l); // z ≤ u(ẑ − ℓ)/(u − ℓ)
}

const STATUS_NAMES = ['notSet', 'loadError', 'modelError', 'presolveError', 'solveError', 'postsolveError', 'empty', 'optimal', 'infeasible', 'unboundedOrInfeasible', 'unbounded'];

/**
 * Solves min cᵀ f̃(x) over the relaxation around x₀ `[1, ...S₀]` for an l∞ radius ε (with the
 * input box when `bounded`). `c` has one entry per output.
 * @throws Error for the l2 norm (not an LP) or an unsupported layer.
 */
export function solvePrimalLp(solver: LpSolver, net: Sequential, x0: Tensor, epsilon: number, c: ArrayLike<number>, options: PrimalLpOptions = {}): PrimalLpResult {
  if ((options.norm ?? 'linf') !== 'linf') throw new Error("primal LP: only the l∞ ball ('linf') gives a linear program");
  if (x0.shape[0] !== 1) throw new Error(`primal LP: x0 must be one example [1, ...], got [${x0.shape.join(', ')}]`);
  const segments = affineSegments(net, x0.shape.slice(1));
  const bounds = options.bounds ?? dualReluBounds(net, x0, epsilon, options);
  const limit = (v: Tensor | number | undefined, fallback: number, i: number): number => (v === undefined ? fallback : typeof v === 'number' ? v : v.data[v.size === 1 ? 0 : i]!);
  const lower = Float64Array.from(x0.data, (v, i) => (options.bounded ? Math.max(v - epsilon, limit(options.inputLower, 0, i)) : v - epsilon));
  const upper = Float64Array.from(x0.data, (v, i) => (options.bounded ? Math.min(v + epsilon, limit(options.inputUpper, 1, i)) : v + epsilon));
  const model = buildPrimalLp(segments, bounds, lower, upper, c, solver.infinity, options.lowerSide);
  return solver.withModel(model, (m) => {
    m.options.set({ output_flag: false, primal_feasibility_tolerance: 1e-9, dual_feasibility_tolerance: 1e-9 });
    m.run();
    const status = STATUS_NAMES[m.getModelStatus()] ?? `status ${m.getModelStatus()}`;
    const x = Float64Array.from(m.getSolution().colValue.subarray(0, x0.size));
    return { status, value: m.getObjectiveValue(), x, bounds };
  });
}

/**
 * The adversarial soundness suite (tests/relax/soundness, scripts/soundness-suite.ts): random
 * networks of every family and weight scale, every bound attacked in float64 — the robust logits
 * f_j ≥ f_j(x') − f_y(x') and the pre-activation bounds ℓ ≤ ẑ(x') ≤ u at the centre, box/ball
 * vertices and PGD points with restarts, and the exact worst case by MILP on small l∞ MLPs — and
 * every float32 certificate of `certify` (sound) on each backend checked against all those points.
 * @module
 */
import { noGrad } from '../../autograd/index.js';
import { Sequential } from '../../nn/sequential.js';
import { Rng } from '../../tensor/random.js';
import { setBackend } from '../../tensor/registry.js';
import { Tensor } from '../../tensor/tensor.js';
import { dualReluBounds, type LpSolver } from '../../train/primal-lp.js';
import { DualNetwork, type DualizableNetwork } from '../network.js';
import { certify, labelDifferences, robustLogits } from '../robust-loss.js';
import { dualOptionsOf, pgdPoint, samplePoint, type PerturbationSet } from '../testing/perturbation.js';
import { containmentViolation, FLOAT64_TOLERANCE } from '../testing/properties.js';
import { float64Copy } from './inputs.js';
import { exactWorstCase } from './milp.js';
import { randomNetwork, type Family } from './random-nets.js';

/** What to run. */
export interface SuiteOptions {
  readonly seed: number;
  readonly families: readonly Family[];
  readonly scales: readonly number[];
  /** Networks per (family, scale); they cycle through l∞, l2 and the l∞ ball ∩ [0, 1]. */
  readonly nets: number;
  /** Examples per network. */
  readonly examples: number;
  /** PGD restarts per objective, and steps per restart. */
  readonly restarts: number;
  readonly steps: number;
  /** Box / sphere vertices sampled per network. */
  readonly vertices: number;
  /** HiGHS, for the exact MILP on the l∞ MLPs (absent: no MILP). */
  readonly solver?: LpSolver;
  /** Backends the float32 certificates run on. */
  readonly backends: readonly string[];
}

/** What the suite found. */
export interface SuiteStats {
  networks: number;
  /** (example, j ≠ y) pairs whose robust logit was attacked. */
  objectives: number;
  /** Attacked points (each evaluated on every objective of its example). */
  points: number;
  milps: number;
  /** float32 certificates checked against the attack points. */
  certificates: number;
  violations: string[];
  /** max over objectives of (attack value − bound) / max(1, |bound|): ≤ 0 when every bound holds. */
  closest: number;
  closestAt: string;
}

/** Runs the suite (float64 attacks on the js backend; float32 certificates on each backend). */
export function runSoundnessSuite(options: SuiteOptions): SuiteStats {
  const stats: SuiteStats = { networks: 0, objectives: 0, points: 0, milps: 0, certificates: 0, violations: [], closest: -Infinity, closestAt: '' };
  let seed = options.seed * 100000;
  for (const family of options.families) {
    for (const scale of options.scales) {
      for (let k = 0; k < options.nets; k++) attackNetwork(family, scale, k, ++seed, options, stats);
    }
  }
  return stats;
}

/** One network: bounds, attacks, MILP, certificates. */
function attackNetwork(family: Family, scale: number, k: number, seed: number, options: SuiteOptions, stats: SuiteStats): void {
  setBackend('js');
  const { net, input } = randomNetwork(family, seed, scale);
  const net64 = float64Copy(net);
  const rng = new Rng(seed);
  const norm = k % 3 === 1 ? 'l2' : 'linf';
  const bounded = k % 3 === 2;
  const X32 = Tensor.uniform([options.examples, ...input], rng, 0, 1);
  const X = X32.to('float64');
  const epsilon = Math.fround(0.02 + 0.2 * rng.uniform());
  const set: PerturbationSet = { X, epsilon, norm, bounded, lower: 0, upper: 1 };
  const dualOptions = dualOptionsOf(set);
  const y = Array.from(certify(net64, 0, X, new Array<number>(options.examples).fill(0), { sound: false }).predictions);
  const where = `${family} scale ${scale} net ${k} (seed ${seed}, ${norm}${bounded ? ' ∩ [0,1]' : ''}, ε ${epsilon})`;
  const f = noGrad(() => robustLogits(net64, epsilon, X, y, dualOptions));
  const points = attackPoints(net64, set, y, f.shape[1]!, options, rng);
  const containment = containmentViolation(new DualNetwork(net64, X, epsilon, dualOptions), net64, points, FLOAT64_TOLERANCE);
  if (containment) stats.violations.push(`${where}: ${containment}`);
  const worst = worstValues(net64, points, y);
  if (options.solver && family === 'mlp' && norm === 'linf' && !bounded) milp(options.solver, net64 as Sequential, X, epsilon, y, worst, stats);
  compare(f, worst, where, stats);
  stats.networks++;
  stats.points += points.length;
  for (const backend of options.backends) {
    setBackend(backend);
    const cert = certify(net, epsilon, X32, y, dualOptions);
    cert.errors.forEach((e, b) => {
      if (e) return;
      stats.certificates++;
      const K = f.shape[1]!;
      for (let j = 0; j < K; j++) {
        if (j !== y[b] && !(worst[b * K + j]! < 0)) stats.violations.push(`${where} on ${backend}: example ${b} certified, yet f_${j} − f_${y[b]} = ${worst[b * K + j]} at an attack point`);
      }
    });
  }
  setBackend('js');
}

/** The centre, vertices, and PGD points (restarts) on every objective e_y − e_j. */
function attackPoints(net: DualizableNetwork, set: PerturbationSet, y: readonly number[], K: number, options: SuiteOptions, rng: Rng): Tensor[] {
  const points = [set.X];
  for (let v = 0; v < options.vertices; v++) points.push(samplePoint(set, 'extreme', rng));
  const c = labelDifferences(y, y.length, K, set.X);
  for (let j = 0; j < K; j++) {
    const cj = Tensor.zeros([y.length, K], 'float64');
    for (let b = 0; b < y.length; b++) for (let m = 0; m < K; m++) cj.data[b * K + m] = c.data[(b * K + j) * K + m]!;
    for (let r = 0; r < options.restarts; r++) points.push(pgdPoint(net, set, cj, { steps: options.steps, rng }));
  }
  return points;
}

/** max over points of f_j(x') − f_y(x'), `[B·K]`. */
function worstValues(net: DualizableNetwork, points: readonly Tensor[], y: readonly number[]): Float64Array {
  const outs = points.map((p) => noGrad(() => net.forward(p)));
  const K = outs[0]!.shape[1]!;
  const worst = new Float64Array(y.length * K).fill(-Infinity);
  for (const out of outs) {
    for (let b = 0; b < y.length; b++) for (let j = 0; j < K; j++) worst[b * K + j] = Math.max(worst[b * K + j]!, out.data[b * K + j]! - out.data[b * K + y[b]!]!);
  }
  return worst;
}

/** The exact worst case per (example, j) joins the attack values. */
function milp(solver: LpSolver, net: Sequential, X: Tensor, epsilon: number, y: readonly number[], worst: Float64Array, stats: SuiteStats): void {
  const K = worst.length / y.length;
  y.forEach((label, b) => {
    const x0 = new Tensor(X.data.slice(b * (X.size / y.length), (b + 1) * (X.size / y.length)), [1, ...X.shape.slice(1)]);
    const bounds = dualReluBounds(net, x0, epsilon);
    for (let j = 0; j < K; j++) {
      if (j === label) continue;
      const exact = exactWorstCase(solver, net, x0, epsilon, label, j, bounds);
      stats.milps++;
      if (Number.isFinite(exact)) worst[b * K + j] = Math.max(worst[b * K + j]!, exact - 1e-7 * Math.max(1, Math.abs(exact)));
    }
  });
}

/** Records the closest approach and any attack value above its bound (beyond 1e-9 relative). */
function compare(f: Tensor, worst: Float64Array, where: string, stats: SuiteStats): void {
  f.data.forEach((bound, i) => {
    if (!Number.isFinite(worst[i]!) || worst[i] === 0 && bound === 0) return;
    stats.objectives++;
    const gap = (worst[i]! - bound) / Math.max(1, Math.abs(bound));
    if (gap > stats.closest) { stats.closest = gap; stats.closestAt = `${where}, objective ${i}`; }
    if (gap > 1e-9) stats.violations.push(`${where}: objective ${i}: bound ${bound} < attack value ${worst[i]}`);
  });
}

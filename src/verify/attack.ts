/**
 * Counterexample search: projected gradient descent with random restarts on the margin of one
 * unsafe conjunction, m_k(x) = max_{r ∈ k} r(x) (the conjunction holds iff m_k(x) ≤ 0), over the
 * input box. Gradients flow back through the affine stages and the ReLU masks of the float64
 * network. A point found here is only a candidate: `instance.ts` re-checks it on the ONNX graph.
 * @module
 */
import { Rng } from '../tensor/random.js';
import { forwardPl, type PlNetwork } from './network.js';
import type { StackedRows } from './spec.js';
import { satisfiedConjunction } from './spec.js';

/** Seeded uniform numbers in [0, 1) (the library's seeded generator). */
export function seededRandom(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.uniform();
}

/** Gradient of output row `r` with respect to the input at x. */
export function rowGradient(net: PlNetwork, x: Float64Array, r: number): Float64Array {
  const { pre } = forwardPl(net, x);
  const last = net.stages.length - 1;
  const grads: Float64Array[] = [new Float64Array(net.inputSize), ...net.stages.map((s) => new Float64Array(s.size))];
  const gz = new Float64Array(net.stages[last]!.size);
  gz[r] = 1;
  for (let k = last; k >= 0; k--) {
    const stage = net.stages[k]!;
    const g = k === last ? gz : grads[k + 1]!.map((v, i) => (pre[k]![i]! > 0 ? v : 0));
    for (const term of stage.terms) {
      const dst = grads[term.source]!;
      const m = dst.length;
      for (let i = 0; i < stage.size; i++) {
        const gi = g[i]!;
        if (gi === 0) continue;
        for (let j = 0; j < m; j++) dst[j]! += gi * term.weight[i * m + j]!;
      }
    }
  }
  return grads[0]!;
}

/** Options of {@link pgdSearch}. */
export interface PgdOptions {
  readonly restarts: number;
  readonly steps: number;
  readonly seed: number;
  /** Wall-clock deadline (ms since epoch). */
  readonly deadline: number;
  /** Whether the first restart starts at the box centre (default true; false: every start is random). */
  readonly centreFirst?: boolean;
}

/** Searches the box for a point where some conjunction holds; returns it or undefined. */
export function pgdSearch(net: PlNetwork, stacked: StackedRows, lower: Float64Array, upper: Float64Array, o: PgdOptions): Float64Array | undefined {
  const rand = seededRandom(o.seed);
  const d = lower.length;
  for (let restart = 0; restart < o.restarts && Date.now() < o.deadline; restart++) {
    const k = restart % stacked.rowsOf.length;
    const x = Float64Array.from(lower, (l, j) => (restart === 0 && o.centreFirst !== false ? (l + upper[j]!) / 2 : l + rand() * (upper[j]! - l)));
    for (let step = 0; step < o.steps; step++) {
      const y = forwardPl(net, x).output;
      if (satisfiedConjunction(y, stacked) >= 0) return x;
      const rows = stacked.rowsOf[k]!;
      const worst = rows.reduce((a, b) => (y[b]! > y[a]! ? b : a), rows[0]!);
      const g = rowGradient(net, x, worst);
      const size = 0.5 * (1 - step / o.steps) + 0.01;
      for (let j = 0; j < d; j++) {
        const w = upper[j]! - lower[j]!;
        x[j] = Math.min(upper[j]!, Math.max(lower[j]!, x[j]! - size * w * Math.sign(g[j]!)));
      }
    }
    if (satisfiedConjunction(forwardPl(net, x).output, stacked) >= 0) return x;
  }
  return undefined;
}

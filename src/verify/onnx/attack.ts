/**
 * Counterexample search on an {@link OperatorNetwork}: PGD with a batch of random starts (the box
 * centre first) on the margin of one unsafe conjunction, m_k(x) = max_{r ∈ k} r(x) (it holds iff
 * m_k(x) ≤ 0), with gradients from the tape through the engine's operators in float64. Signed
 * steps of a decaying fraction of the box width, projected onto the box. A point found here is
 * only a candidate: `instance.ts` re-checks it on the ONNX graph.
 * @module
 */
import { add, backward, matmul, mul, sum } from '../../autograd/index.js';
import { Tensor } from '../../tensor/tensor.js';
import { seededRandom, type PgdOptions } from '../attack.js';
import { satisfiedConjunction, type StackedRows } from '../spec.js';
import { forwardTensor, type OperatorNetwork } from './to-network.js';

/** Searches the box for a point where some conjunction holds; returns it or undefined. */
export function pgdOperators(net: OperatorNetwork, stacked: StackedRows, lower: Float64Array, upper: Float64Array, o: PgdOptions & { readonly batch?: number }): Float64Array | undefined {
  const rand = seededRandom(o.seed);
  const n = lower.length;
  const B = o.batch ?? 8;
  const R = stacked.rows.length;
  const C = new Tensor(Float64Array.from(stacked.rows.flatMap((r) => Array.from(r.c))), [R, net.outputSize]);
  const d = new Tensor(Float64Array.from(stacked.rows, (r) => r.d), [1, R]);
  for (let round = 0; round * B < o.restarts && Date.now() < o.deadline; round++) {
    const k = round % stacked.rowsOf.length;
    const x = new Float64Array(B * n);
    for (let b = 0; b < B; b++) for (let j = 0; j < n; j++) x[b * n + j] = round === 0 && b === 0 && o.centreFirst !== false ? (lower[j]! + upper[j]!) / 2 : lower[j]! + rand() * (upper[j]! - lower[j]!);
    for (let step = 0; step <= o.steps && Date.now() < o.deadline; step++) {
      const leaf = new Tensor(x, [B, ...net.inputShape]).requireGrad();
      const values = add(matmul(forwardTensor(net, leaf), C, { transB: true }), d);
      const found = firstSatisfied(values.data, B, R, stacked);
      if (found >= 0) return x.slice(found * n, (found + 1) * n);
      if (step === o.steps) break;
      backward(sum(mul(values, worstRows(values.data, B, R, stacked.rowsOf[k]!))));
      const g = leaf.grad!.data;
      const size = 0.5 * (1 - step / o.steps) + 0.01;
      for (let i = 0; i < x.length; i++) {
        const j = i % n;
        x[i] = Math.min(upper[j]!, Math.max(lower[j]!, x[i]! - size * (upper[j]! - lower[j]!) * (Math.sign(g[i]!) || 0)));
      }
    }
  }
  return undefined;
}

/** The first example of the batch whose row values satisfy a conjunction, or -1. */
function firstSatisfied(values: ArrayLike<number>, B: number, R: number, stacked: StackedRows): number {
  for (let b = 0; b < B; b++) {
    const row = Array.from({ length: R }, (_, r) => values[b * R + r]!);
    if (satisfiedConjunction(row, stacked) >= 0) return b;
  }
  return -1;
}

/** One-hot `[B, R]` of the largest row of the conjunction per example (the margin's active row). */
function worstRows(values: ArrayLike<number>, B: number, R: number, rows: readonly number[]): Tensor {
  const mask = new Float64Array(B * R);
  for (let b = 0; b < B; b++) {
    const worst = rows.reduce((a, r) => (values[b * R + r]! > values[b * R + a]! ? r : a), rows[0]!);
    mask[b * R + worst] = 1;
  }
  return new Tensor(mask, [B, R]);
}

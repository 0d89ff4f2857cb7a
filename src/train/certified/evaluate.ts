/**
 * Evaluation of a certified-trained model on a whole test set: clean error, PGD error (the
 * original's attack: 100 steps of 0.01 within the l∞ ball; with fewer steps each is
 * max(0.01, 2.5·ε/steps) so the attack can still cross the ball), and the verified error by each chosen
 * bound method, per example. An example is verified by a method when its clean prediction is
 * right and every margin bound is > 0; NaN / infinite bounds count as not verified. The reported
 * method is the tightest (fewest unverified); its per-example flags are the ones a re-run of
 * `relaxjs certify --method <it>` reproduces.
 * @module
 */
import { noGrad } from '../../autograd/index.js';
import { pgd } from '../../attack/pgd.js';
import { batches } from '../../data/batches.js';
import type { Dataset } from '../../data/dataset.js';
import { Tensor } from '../../tensor/tensor.js';
import { countOnes } from '../stats.js';
import { wrongPredictions, type CertifiedNetwork } from './loss.js';

/** Per-example "not verified" flags (1) of one method for a batch, given the clean mistakes. */
export type BatchVerifier = (net: CertifiedNetwork, X: Tensor, y: Int32Array, epsilon: number, wrong: Uint8Array) => Uint8Array;

/** Options of {@link evaluateCertified}. */
export interface CertifiedEvaluationOptions {
  readonly epsilon: number;
  /** The verification methods by name. */
  readonly methods: Readonly<Record<string, BatchVerifier>>;
  /** PGD steps (default 100; 0 skips the attack), each of size max(0.01, 2.5·ε/steps). */
  readonly pgdSteps?: number;
  readonly batchSize?: number;
  readonly onBatch?: (done: number, total: number) => void;
}

/** The evaluation's result. */
export interface CertifiedEvaluation {
  readonly n: number;
  readonly cleanError: number;
  readonly pgdError: number | null;
  /** Verified error (fraction not verified) and seconds by method. */
  readonly methods: Readonly<Record<string, { readonly verifiedError: number; readonly seconds: number }>>;
  /** The tightest method and its per-example flags (1 = not verified). */
  readonly method: string;
  readonly verifiedError: number;
  readonly unverified: Uint8Array;
}

/** Evaluates `net` on `ds` (see the module doc). @throws Error when no method is given. */
export function evaluateCertified(net: CertifiedNetwork, ds: Dataset, o: CertifiedEvaluationOptions): CertifiedEvaluation {
  const names = Object.keys(o.methods);
  if (names.length === 0) throw new Error('evaluateCertified: give at least one verification method');
  net.eval();
  const flags = Object.fromEntries(names.map((m) => [m, new Uint8Array(ds.n)]));
  const seconds = Object.fromEntries(names.map((m) => [m, 0]));
  let clean = 0;
  let attacked = 0;
  let at = 0;
  for (const batch of batches(ds, o.batchSize ?? 100)) {
    const X = new Tensor(batch.images, [batch.size, ...ds.shape]);
    const wrong = noGrad(() => wrongPredictions(net.forward(X), batch.labels));
    clean += countOnes(wrong);
    for (const m of names) {
      const started = Date.now();
      flags[m]!.set(noGrad(() => o.methods[m]!(net, X, batch.labels, o.epsilon, wrong)), at);
      seconds[m]! += (Date.now() - started) / 1000;
    }
    const steps = o.pgdSteps ?? 100;
    if (steps > 0) attacked += Math.round(pgd(net, X, batch.labels, o.epsilon, { iterations: steps, step: Math.max(0.01, (2.5 * o.epsilon) / steps) }).errorRate * batch.size);
    at += batch.size;
    o.onBatch?.(at, ds.n);
  }
  const n = Math.max(ds.n, 1);
  const methods = Object.fromEntries(names.map((m) => [m, { verifiedError: countOnes(flags[m]!) / n, seconds: seconds[m]! }]));
  const best = names.reduce((a, b) => (methods[b]!.verifiedError < methods[a]!.verifiedError ? b : a));
  return {
    n: ds.n, cleanError: clean / n, pgdError: (o.pgdSteps ?? 100) > 0 ? attacked / n : null,
    methods, method: best, verifiedError: methods[best]!.verifiedError, unverified: flags[best]!,
  };
}

/** Indices i with flags[i] equal to `value`. */
export function indicesWhere(flags: ArrayLike<number>, value: 0 | 1): number[] {
  const out: number[] = [];
  for (let i = 0; i < flags.length; i++) if (flags[i] === value) out.push(i);
  return out;
}

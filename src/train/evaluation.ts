/**
 * The four numbers of the original README's table for one model on one dataset: clean error,
 * FGS error, PGD error (the original `_fgs` / `_pgd`: sign steps, no random start, no [0,1]
 * clipping) and the certified robust error (the fraction of examples the dual bound does not
 * certify at ε, Wong & Kolter 2018 §3.3: some j ≠ y with −J(e_y − e_j) ≥ 0). For a sound bound,
 * base ≤ FGS-or-PGD ≤ robust error, up to the attacks being weaker than the worst case.
 * @module
 */
import { attackDataset, type PgdOptions } from '../attack/index.js';
import { batches, batchCount } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import { certify, type DualizableNetwork, type DualNetworkOptions } from '../relax/index.js';
import { Tensor } from '../tensor/tensor.js';
import { countOnes } from './stats.js';

/** Options of {@link evaluateRobustness}. */
export interface RobustnessOptions {
  readonly epsilon: number;
  /** Examples per batch (default 50). */
  readonly batchSize?: number;
  /** Input set of the certificate (default l∞ ball, unbounded), or `false` to skip it. */
  readonly certify?: DualNetworkOptions | false;
  /** Run FGS (default true). */
  readonly fgs?: boolean;
  /** PGD options (default the original's 100 steps of 0.01), or `false` to skip it. */
  readonly pgd?: PgdOptions | false;
  /**
   * Clamp attack iterates to [0, 1] (default: when the certificate's input set is the box, so
   * that attacks and certificate search the same set; the original `_fgs` / `_pgd` never clamp).
   */
  readonly clip01?: boolean;
  readonly onProgress?: (p: EvaluationProgress) => void;
}

/** Progress after each batch of one part of the evaluation. */
export interface EvaluationProgress {
  readonly phase: 'fgs' | 'pgd' | 'certify';
  readonly batch: number;
  readonly batches: number;
}

/** Error rates (fractions in [0, 1]) and the seconds each part took. */
export interface RobustnessResult {
  readonly n: number;
  readonly epsilon: number;
  readonly cleanError: number;
  readonly fgsError?: number;
  readonly pgdError?: number;
  readonly certifiedError?: number;
  readonly seconds: { readonly fgs?: number; readonly pgd?: number; readonly certify?: number };
}

/** Clean, FGS, PGD and certified error of `model` on `ds` at radius ε. */
export function evaluateRobustness(model: DualizableNetwork, ds: Dataset, options: RobustnessOptions): RobustnessResult {
  const { epsilon, batchSize = 50, onProgress } = options;
  model.eval();
  const seconds: { fgs?: number; pgd?: number; certify?: number } = {};
  const timed = <T>(key: keyof typeof seconds, fn: () => T): T => {
    const t0 = Date.now();
    const out = fn();
    seconds[key] = (Date.now() - t0) / 1000;
    return out;
  };
  const attack = (phase: 'fgs' | 'pgd', extra: PgdOptions) => timed(phase, () =>
    attackDataset(phase, model, ds, epsilon, { ...extra, batchSize, onBatch: (batch, batches) => onProgress?.({ phase, batch, batches }) }));
  const clip01 = options.clip01 ?? (options.certify !== false && options.certify?.bounded === true);
  const fgs = options.fgs === false ? undefined : attack('fgs', { clip01 });
  const pgd = options.pgd === false ? undefined : attack('pgd', { clip01, ...options.pgd });
  const certified = options.certify === false ? undefined : timed('certify', () => certifiedErrors(model, ds, epsilon, options.certify || {}, batchSize, onProgress));
  const cleanError = fgs?.cleanError ?? pgd?.cleanError ?? certified?.cleanError ?? cleanErrorOf(model, ds, batchSize);
  return { n: ds.n, epsilon, cleanError, fgsError: fgs?.attackError, pgdError: pgd?.attackError, certifiedError: certified?.certifiedError, seconds };
}

/** Fraction of `ds` not certified at ε (and the clean error), batch by batch. */
export function certifiedErrors(model: DualizableNetwork, ds: Dataset, epsilon: number, options: DualNetworkOptions = {}, batchSize = 50, onProgress?: (p: EvaluationProgress) => void): { certifiedError: number; cleanError: number; flags: Uint8Array } {
  const flags = new Uint8Array(ds.n);
  const total = batchCount(ds.n, batchSize);
  let clean = 0;
  let done = 0;
  for (const batch of batches(ds, batchSize)) {
    const X = new Tensor(batch.images, [batch.size, ...ds.shape]).to(model.dtype);
    const result = certify(model, epsilon, X, batch.labels, options);
    batch.indices.forEach((i, b) => { flags[i] = result.errors[b]!; });
    clean += countOnes(result.cleanErrors);
    onProgress?.({ phase: 'certify', batch: ++done, batches: total });
  }
  return { certifiedError: ds.n ? countOnes(flags) / ds.n : 0, cleanError: ds.n ? clean / ds.n : 0, flags };
}

function cleanErrorOf(model: DualizableNetwork, ds: Dataset, batchSize: number): number {
  return attackDataset('fgs', model, ds, 0, { batchSize }).cleanError;
}

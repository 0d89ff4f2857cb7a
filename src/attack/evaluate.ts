/**
 * Attack a whole dataset batch by batch and average the error rates, as the original
 * `attack(loader, model, epsilon, atk=...)` loop does (it averages per-batch rates; we weight
 * by batch size, which is the same for equal batches and exact for a short last batch).
 * @module
 */
import { batches, batchCount } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import { Tensor } from '../tensor/tensor.js';
import { fgs } from './fgs.js';
import { pgd } from './pgd.js';
import type { AttackResult, Classifier, PgdOptions } from './types.js';

/** Which attack to run. */
export type AttackKind = 'fgs' | 'pgd';

/** Totals of {@link attackDataset}. */
export interface AttackSummary {
  /** Number of examples attacked. */
  readonly n: number;
  /** Fraction misclassified before the attack. */
  readonly cleanError: number;
  /** Fraction misclassified after the attack. */
  readonly attackError: number;
}

/** Options of {@link attackDataset}. */
export interface AttackDatasetOptions extends PgdOptions {
  /** Examples per batch (default 50, the original's batch size). */
  readonly batchSize?: number;
  /** Called after each batch with (done, total) batch counts, for progress bars. */
  readonly onBatch?: (done: number, total: number) => void;
}

/** Runs one attack on one batch. */
export function runAttack(kind: AttackKind, model: Classifier, X: Tensor, y: ArrayLike<number>, epsilon: number, options: PgdOptions = {}): AttackResult {
  return kind === 'fgs' ? fgs(model, X, y, epsilon, options) : pgd(model, X, y, epsilon, options);
}

/**
 * Attacks every example of `ds` (in order, batches of `batchSize`) and returns the clean and
 * attacked error rates over the whole set.
 */
export function attackDataset(kind: AttackKind, model: Classifier, ds: Dataset, epsilon: number, options: AttackDatasetOptions = {}): AttackSummary {
  const { batchSize = 50, onBatch, ...attackOptions } = options;
  const total = batchCount(ds.n, batchSize);
  let clean = 0;
  let attacked = 0;
  let done = 0;
  for (const batch of batches(ds, batchSize)) {
    const X = new Tensor(batch.images, [batch.size, ...ds.shape]);
    const result = runAttack(kind, model, X, batch.labels, epsilon, attackOptions);
    clean += countOnes(result.cleanErrors);
    attacked += countOnes(result.errors);
    onBatch?.(++done, total);
  }
  return { n: ds.n, cleanError: ds.n === 0 ? 0 : clean / ds.n, attackError: ds.n === 0 ? 0 : attacked / ds.n };
}

function countOnes(flags: Uint8Array): number {
  let count = 0;
  for (const f of flags) count += f;
  return count;
}

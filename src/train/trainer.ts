/**
 * One epoch of training and one evaluation pass, as the original `examples/trainer.py`
 * (`train_robust` / `evaluate_robust`, `train_baseline` / `evaluate_baseline`, `train_madry` /
 * `evaluate_madry`). The robust objective is passed in ({@link RobustObjective}, normally
 * {@link robustObjective} over `robustLoss` of `src/relax`), so the loop depends on no particular
 * bound.
 *
 * Per batch the original logs `"{epoch} {i} {robust_ce} {robust_err} {ce} {err}"` (robust) or
 * `"{epoch} {i} {ce} {err}"` (baseline, madry); {@link BatchRecord} keeps the same numbers.
 * @module
 */
import { backward, crossEntropy, noGrad } from '../autograd/index.js';
import { pgd } from '../attack/pgd.js';
import type { Classifier } from '../attack/types.js';
import { batches, batchCount } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import { clipGradNorm, type Optimizer } from '../optim/index.js';
import type { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { cleanStats, mean01 } from './stats.js';

export { cleanStats } from './stats.js';

/** A model the trainer can drive: logits, parameters and train / eval mode. */
export interface TrainableModel extends Classifier {
  parameters(): Tensor[];
  train(mode?: boolean): unknown;
  eval(): unknown;
}

/** Where in the run a robust-loss call happens (lets a projected bound seed its random matrices per batch). */
export interface ObjectiveContext {
  readonly epoch: number;
  readonly batch: number;
}

/**
 * The robust loss of a batch at radius ε: a differentiable scalar `loss` (robust cross-entropy,
 * Wong & Kolter 2018 eq. 14: CE of the logits −J(e_y − e_j)) and per-example flags `errors`
 * (1 = not certified at ε).
 */
export type RobustObjective = (model: TrainableModel, epsilon: number, X: Tensor, y: Int32Array, context?: ObjectiveContext) => { loss: Tensor; errors: Uint8Array };

/** Training methods of the original: plain CE, the robust loss, or PGD adversarial training. */
export type TrainMethod = 'baseline' | 'robust' | 'madry';

/** The original `train_madry` attack: 50 sign steps of 0.01, each projected onto the ε-ball and clamped to [0, 1]. */
export const MADRY_TRAINING_ATTACK = Object.freeze({ iterations: 50, step: 0.01, clip01: true });

/**
 * The numbers the original logs for a batch or averages over a pass: clean cross-entropy and
 * error, plus the robust ones (robust cross-entropy, eq. 14, and the fraction not certified) only
 * for `robust`, the PGD ones only for madry.
 */
export interface PassNumbers {
  /** Clean cross-entropy and error (training: before the update, as the original). */
  readonly loss: number;
  readonly error: number;
  readonly robustLoss?: number;
  readonly robustError?: number;
  readonly pgdLoss?: number;
  readonly pgdError?: number;
}

/** Numbers of one batch. */
export interface BatchRecord extends PassNumbers {
  readonly epoch: number;
  readonly batch: number;
  /** Number of batches of the pass. */
  readonly batches: number;
  readonly size: number;
}

/** Batch-size-weighted means over an epoch (the original's `AverageMeter.avg`). */
export interface EpochSummary extends PassNumbers {
  readonly batches: readonly BatchRecord[];
}

/** Options shared by {@link trainEpoch} and {@link evaluate}. */
export interface PassOptions {
  readonly method: TrainMethod;
  readonly epoch: number;
  /** Radius of this pass (the schedule's value for robust training, the target for madry and evaluation). */
  readonly epsilon: number;
  readonly batchSize: number;
  /** Required for `method: 'robust'`. */
  readonly robust?: RobustObjective;
  /** Called after every batch, e.g. for a progress bar. */
  readonly onBatch?: (record: BatchRecord) => void;
  /** Checked before every batch; when aborted the pass stops and throws the signal's reason. */
  readonly signal?: AbortSignal;
}

/** Options of {@link trainEpoch}. */
export interface TrainEpochOptions extends PassOptions {
  readonly optimizer: Optimizer;
  /** Shuffles the epoch (the original's `shuffle=True`). */
  readonly rng: Rng;
  /** Clip the joint gradient 2-norm to this value (cifar.py: 1). */
  readonly clipGrad?: number;
}

/** Runs one training epoch and returns its per-batch records and means. */
export function trainEpoch(model: TrainableModel, ds: Dataset, options: TrainEpochOptions): EpochSummary {
  const objective = requireObjective(options);
  const total = batchCount(ds.n, options.batchSize);
  model.train();
  const records: BatchRecord[] = [];
  for (const batch of batches(ds, options.batchSize, { shuffle: true, rng: options.rng })) {
    options.signal?.throwIfAborted();
    const X = new Tensor(batch.images, [batch.size, ...ds.shape]);
    const context = { epoch: options.epoch, batch: records.length };
    const clean = cleanStats(model, X, batch.labels);
    const { loss, extra } = trainingLoss(model, X, batch.labels, options, objective, context);
    options.optimizer.zeroGrad();
    backward(loss);
    if (options.clipGrad !== undefined) clipGradNorm(model.parameters(), options.clipGrad);
    options.optimizer.step();
    const record: BatchRecord = { ...context, batches: total, size: batch.size, ...clean, ...extra };
    records.push(record);
    options.onBatch?.(record);
  }
  return summarize(records);
}

/** The loss to differentiate: CE (baseline), robust CE (robust), CE at PGD points (madry). */
function trainingLoss(model: TrainableModel, X: Tensor, y: Int32Array, options: PassOptions, objective: RobustObjective | null, context: ObjectiveContext): { loss: Tensor; extra: Partial<BatchRecord> } {
  if (options.method === 'robust') {
    const { loss, errors } = objective!(model, options.epsilon, X, y, context);
    return { loss, extra: { robustLoss: loss.item(), robustError: mean01(errors) } };
  }
  if (options.method === 'madry') {
    const attack = pgd(model, X, y, options.epsilon, MADRY_TRAINING_ATTACK);
    const loss = crossEntropy(model.forward(attack.adversarial), y);
    return { loss, extra: { pgdLoss: loss.item(), pgdError: attack.errorRate } };
  }
  return { loss: crossEntropy(model.forward(X), y), extra: {} };
}

/**
 * Evaluates on `ds` in order (eval mode): clean CE and error always, the robust loss and
 * certified error for `robust` (the objective runs without recording gradients), the PGD error
 * (the original `_pgd`, 100 steps of 0.01, no clipping) for `madry`.
 */
export function evaluate(model: TrainableModel, ds: Dataset, options: PassOptions): EpochSummary {
  const objective = requireObjective(options);
  const total = batchCount(ds.n, options.batchSize);
  model.eval();
  const records: BatchRecord[] = [];
  for (const batch of batches(ds, options.batchSize)) {
    options.signal?.throwIfAborted();
    const X = new Tensor(batch.images, [batch.size, ...ds.shape]);
    const context = { epoch: options.epoch, batch: records.length };
    let extra: Partial<BatchRecord> = {};
    if (options.method === 'robust') {
      const { loss, errors } = noGrad(() => objective!(model, options.epsilon, X, batch.labels, context));
      extra = { robustLoss: loss.item(), robustError: mean01(errors) };
    } else if (options.method === 'madry') {
      extra = { pgdError: pgd(model, X, batch.labels, options.epsilon).errorRate };
    }
    const record: BatchRecord = { ...context, batches: total, size: batch.size, ...cleanStats(model, X, batch.labels), ...extra };
    records.push(record);
    options.onBatch?.(record);
  }
  return summarize(records);
}

/** Number of batches one pass over `n` examples takes. */
export function passLength(n: number, batchSize: number): number {
  return batchCount(n, batchSize);
}

/** The log line of the original trainer for a record. */
export function logLine(r: BatchRecord): string {
  return r.robustLoss !== undefined
    ? `${r.epoch} ${r.batch} ${r.robustLoss} ${r.robustError} ${r.loss} ${r.error}`
    : `${r.epoch} ${r.batch} ${r.loss} ${r.error}`;
}

function requireObjective(options: PassOptions): RobustObjective | null {
  if (options.method === 'robust' && !options.robust) throw new Error("method 'robust' needs options.robust (e.g. robustObjective() of src/train)");
  return options.robust ?? null;
}

type MeanKey = 'loss' | 'error' | 'robustLoss' | 'robustError' | 'pgdLoss' | 'pgdError';

/** Batch-size-weighted means of every field present in all records. */
function summarize(records: readonly BatchRecord[]): EpochSummary {
  const n = records.reduce((a, r) => a + r.size, 0);
  const avg = (key: MeanKey): number | undefined =>
    records.length > 0 && records.every((r) => r[key] !== undefined) ? records.reduce((a, r) => a + r[key]! * r.size, 0) / n : undefined;
  const out: { -readonly [K in keyof EpochSummary]: EpochSummary[K] } = { loss: avg('loss') ?? Number.NaN, error: avg('error') ?? Number.NaN, batches: records };
  for (const key of ['robustLoss', 'robustError', 'pgdLoss', 'pgdError'] as const) {
    const v = avg(key);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

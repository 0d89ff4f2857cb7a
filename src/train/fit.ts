/**
 * The whole training run of the original `examples/mnist.py` / `cifar.py` main loop, for one
 * model: Adam or SGD, the per-epoch ε ramp `linspace(starting ε, ε, L)` and StepLR after it
 * (`schedule.ts`), an optional gradient-norm clip, baseline / robust / madry training
 * (`trainer.ts`), an evaluation pass after every epoch (robust: certified error at the target ε
 * with the exact input set, as the original's `norm_test`; madry: PGD error; baseline: clean),
 * an atomic checkpoint after every epoch and a JSON-lines log.
 *
 * Resuming from a checkpoint continues to exactly the result of an uninterrupted run with the
 * same settings: the checkpoint holds the weights, the optimizer state, the epochs done, and the
 * random streams are per epoch (`streams.ts`), so (seed, stage, epoch) is their whole state.
 * @module
 */
import { existsSync } from 'node:fs';
import type { Dataset } from '../data/dataset.js';
import type { Module } from '../nn/index.js';
import { Adam, SGD, type Optimizer } from '../optim/index.js';
import type { DualNetworkOptions } from '../relax/index.js';
import { loadTrainingCheckpoint, restoreTraining, saveTrainingCheckpoint } from './checkpoint.js';
import { JsonLinesLog } from './jsonl.js';
import { certificationOptions, robustObjective, type RobustLossSettings } from './objective.js';
import { epsilonSchedule, learningRateAt, MNIST_TRAINING_DEFAULTS } from './schedule.js';
import { epochRng } from './streams.js';
import { evaluate, trainEpoch, type BatchRecord, type EpochSummary, type RobustObjective, type TrainMethod } from './trainer.js';
import { perturbationToJson, type Perturbation } from '../relax/perturbation.js';

/** Settings of {@link trainModel}; defaults are the original mnist.py's (Adam 1e-3, batch 50, seed 0). */
export interface TrainModelOptions {
  readonly method: TrainMethod;
  readonly train: Dataset;
  /** Evaluated after every epoch (e.g. a test subset); none when absent. */
  readonly test?: Dataset;
  readonly epochs: number;
  /** Target radius (robust, madry; evaluation). */
  readonly epsilon: number;
  /** First radius of the ramp (default: ε, i.e. no ramp). */
  readonly startingEpsilon?: number;
  /** Epochs of the linear ramp (default 10, at most `epochs`). */
  readonly scheduleLength?: number;
  readonly batchSize?: number;
  readonly testBatchSize?: number;
  readonly optimizer?: 'adam' | 'sgd';
  readonly lr?: number;
  /** SGD momentum (default 0.9). */
  readonly momentum?: number;
  /** Weight decay (SGD default 5e-4, Adam 0, as the original passes it to SGD only). */
  readonly weightDecay?: number;
  /** StepLR step size and factor after the ramp (default 10, 0.5). */
  readonly lrStepSize?: number;
  readonly lrGamma?: number;
  /** Clip the joint gradient 2-norm (cifar.py: 1). */
  readonly clipGrad?: number;
  /** Options of `robustLoss` (norm, bounded input, …), passed through; default l∞, unbounded. */
  readonly robust?: RobustLossSettings;
  /** Replaces the robust objective built from `robust` (training only). */
  readonly objective?: RobustObjective;
  /**
   * The perturbation trained against, `{ norm, epsilon, box?, projection? }` (one serialisable
   * value): recorded in the checkpoint and compared on resume, so a run whose robust objective is
   * a per-batch function (random projections) cannot resume under another norm, box or k.
   */
  readonly perturbation?: Perturbation;
  /** Replaces the per-epoch evaluation of `test` (e.g. a cascade's); called after each epoch. */
  readonly testEvaluator?: (epoch: number) => PassMeans;
  /** Input set of the per-epoch certificate (default: `robust`'s norm and box, exact). */
  readonly certify?: DualNetworkOptions;
  readonly seed?: number;
  /** Cascade stage (only seeds the shuffles and labels the log; default 0). */
  readonly stage?: number;
  /** Written atomically after every epoch. */
  readonly checkpointPath?: string;
  /** Continue from `checkpointPath` when it exists (its settings must match). */
  readonly resume?: boolean;
  /** JSON-lines log: one `epoch` record per epoch, and `batch` records every `logEveryBatches`. */
  readonly logPath?: string;
  readonly logEveryBatches?: number;
  readonly onProgress?: (p: TrainProgress) => void;
  readonly onEpoch?: (log: EpochLog) => void;
  /** Checked before every batch; an abort stops the run (the last checkpoint stays). */
  readonly signal?: AbortSignal;
}

/** Progress after each batch of a training or evaluation pass. */
export interface TrainProgress {
  readonly phase: 'train' | 'test';
  readonly stage: number;
  readonly epoch: number;
  readonly epochs: number;
  /** Batches done in this pass (1-based) and the pass's batch count. */
  readonly batch: number;
  readonly batches: number;
  readonly epsilon: number;
  readonly record: BatchRecord;
}

/** Means of one pass, without the per-batch records. */
export type PassMeans = Omit<EpochSummary, 'batches'>;

/** The `epoch` record of the log. */
export interface EpochLog {
  readonly [key: string]: unknown;
  readonly type: 'epoch';
  readonly stage: number;
  readonly epoch: number;
  /** Training radius and learning rate of this epoch. */
  readonly epsilon: number;
  readonly lr: number;
  readonly train: PassMeans;
  readonly test?: PassMeans;
  /** Wall-clock seconds of the epoch (training + evaluation). */
  readonly seconds: number;
}

/** What {@link trainModel} returns. */
export interface TrainModelResult {
  /** One record per epoch, including those restored from a checkpoint. */
  readonly history: readonly EpochLog[];
  readonly epochsDone: number;
  /** True when `signal` stopped the run early. */
  readonly interrupted: boolean;
  readonly seconds: number;
}

/** Settings that must agree between a checkpoint and the run resuming it. */
function runSettings(o: TrainModelOptions, model: Module): Record<string, unknown> {
  const robust = typeof o.robust === 'function' ? 'per-batch' : certificationOptions(o.robust ?? {});
  return {
    method: o.method, trainSize: o.train.n, epsilon: o.epsilon, startingEpsilon: o.startingEpsilon ?? o.epsilon, scheduleLength: o.scheduleLength ?? 10,
    batchSize: o.batchSize ?? MNIST_TRAINING_DEFAULTS.batchSize, optimizer: o.optimizer ?? 'adam', lr: o.lr ?? MNIST_TRAINING_DEFAULTS.lr,
    momentum: o.momentum ?? null, weightDecay: o.weightDecay ?? null, lrStepSize: o.lrStepSize ?? 10, lrGamma: o.lrGamma ?? 0.5, clipGrad: o.clipGrad ?? null,
    robust: JSON.parse(JSON.stringify(robust)) as unknown, ...(o.perturbation ? { perturbation: perturbationToJson(o.perturbation) } : {}), seed: o.seed ?? 0, stage: o.stage ?? 0, parameters: model.parameters().map((p) => p.shape.join('x')).join(','),
  };
}

/** Adam (lr, weight decay 0) or SGD (momentum 0.9, weight decay 5e-4) over the model's parameters. */
export function makeOptimizer(model: Module, o: Pick<TrainModelOptions, 'optimizer' | 'lr' | 'momentum' | 'weightDecay'>): Optimizer {
  const lr = o.lr ?? MNIST_TRAINING_DEFAULTS.lr;
  if ((o.optimizer ?? 'adam') === 'adam') return new Adam(model.parameters(), { lr, weightDecay: o.weightDecay ?? 0 });
  return new SGD(model.parameters(), { lr, momentum: o.momentum ?? 0.9, weightDecay: o.weightDecay ?? 5e-4 });
}

/** Restores a checkpoint into model and optimizer after checking its settings; returns its epochs and history. */
function resumeFrom(path: string, model: Module, optimizer: Optimizer, settings: Record<string, unknown>): { epochsDone: number; history: EpochLog[] } {
  const loaded = loadTrainingCheckpoint(path);
  const saved = (loaded.meta.settings ?? {}) as Record<string, unknown>;
  const differing = Object.keys({ ...saved, ...settings }).filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(settings[k]));
  if (differing.length > 0) {
    throw new Error(`cannot resume from ${path}: its settings differ in ${differing.map((k) => `${k} (checkpoint ${JSON.stringify(saved[k])}, now ${JSON.stringify(settings[k])})`).join(', ')}`);
  }
  restoreTraining(loaded, model, optimizer);
  return { epochsDone: loaded.meta.epochsDone, history: (loaded.meta.history ?? []) as EpochLog[] };
}

/**
 * Trains `model` in place for `options.epochs` epochs (continuing a checkpoint when `resume`),
 * evaluating, logging and checkpointing after every epoch.
 * @throws Error for invalid schedule settings, a missing robust objective, or a checkpoint whose settings differ.
 */
export function trainModel(model: Module, options: TrainModelOptions): TrainModelResult {
  const started = Date.now();
  const schedule = epsilonSchedule({ epsilon: options.epsilon, startingEpsilon: options.startingEpsilon, scheduleLength: options.scheduleLength ?? 10, epochs: options.epochs });
  const optimizer = makeOptimizer(model, options);
  const settings = runSettings(options, model);
  const canResume = options.resume === true && options.checkpointPath !== undefined && existsSync(options.checkpointPath);
  const { epochsDone, history } = canResume ? resumeFrom(options.checkpointPath!, model, optimizer, settings) : { epochsDone: 0, history: [] };
  const log = options.logPath ? new JsonLinesLog(options.logPath, canResume ? epochsDone : undefined) : null;
  let done = epochsDone;
  try {
    for (let t = epochsDone; t < options.epochs; t++) {
      const entry = runEpoch(model, optimizer, options, t, schedule, log);
      history.push(entry);
      done = t + 1;
      if (options.checkpointPath) saveTrainingCheckpoint(options.checkpointPath, model, optimizer, { epochsDone: done, settings, history, rng: { seed: options.seed ?? 0, stage: options.stage ?? 0, nextEpoch: done }, schedule: { nextEpsilon: schedule[done] ?? options.epsilon } });
      log?.append(entry);
      options.onEpoch?.(entry);
    }
  } catch (error) {
    if (!options.signal?.aborted) throw error;
    return { history, epochsDone: done, interrupted: true, seconds: (Date.now() - started) / 1000 };
  }
  return { history, epochsDone: done, interrupted: false, seconds: (Date.now() - started) / 1000 };
}

/** Trains and evaluates epoch `t`; returns its log record. */
function runEpoch(model: Module, optimizer: Optimizer, o: TrainModelOptions, t: number, schedule: readonly number[], log: JsonLinesLog | null): EpochLog {
  const started = Date.now();
  const stage = o.stage ?? 0;
  optimizer.lr = learningRateAt(t, { lr: o.lr ?? MNIST_TRAINING_DEFAULTS.lr, scheduleLength: o.scheduleLength ?? 10, stepSize: o.lrStepSize ?? 10, gamma: o.lrGamma ?? 0.5 });
  const epsilon = o.method === 'robust' ? schedule[t]! : o.method === 'madry' ? o.epsilon : 0;
  const every = o.logEveryBatches;
  const progress = (phase: TrainProgress['phase'], eps: number) => (record: BatchRecord): void => {
    if (phase === 'train' && log && every && (record.batch + 1) % every === 0) log.append({ type: 'batch', stage, ...record });
    o.onProgress?.({ phase, stage, epoch: t, epochs: o.epochs, batch: record.batch + 1, batches: record.batches, epsilon: eps, record });
  };
  const robust = o.objective ?? robustObjective(o.robust);
  const train = trainEpoch(model, o.train, {
    method: o.method, epoch: t, epsilon, batchSize: o.batchSize ?? MNIST_TRAINING_DEFAULTS.batchSize, robust, optimizer,
    rng: epochRng(o.seed ?? 0, stage, t), clipGrad: o.clipGrad, onBatch: progress('train', epsilon), signal: o.signal,
  });
  const test = o.testEvaluator ? o.testEvaluator(t) : o.test ? means(evaluate(model, o.test, {
    method: o.method, epoch: t, epsilon: o.epsilon, batchSize: o.testBatchSize ?? o.batchSize ?? MNIST_TRAINING_DEFAULTS.batchSize,
    robust: robustObjective(o.certify ?? certificationOptions(typeof o.robust === 'function' ? {} : o.robust)), onBatch: progress('test', o.epsilon), signal: o.signal,
  })) : undefined;
  return { type: 'epoch', stage, epoch: t, epsilon, lr: optimizer.lr, train: means(train), ...(test ? { test } : {}), seconds: (Date.now() - started) / 1000 };
}

/** The summary without its per-batch records. */
function means(summary: EpochSummary): PassMeans {
  const { batches: _records, ...rest } = summary;
  return rest;
}

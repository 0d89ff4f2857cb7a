/**
 * Training a cascade (the original `examples/mnist.py --cascade K`): stage 0 trains on the whole
 * training set; before each later stage the current cascade is run over the training set
 * (unshuffled, exact input set, the original's `sampler_robust_cascade` with `norm_test`) and a
 * fresh model with a fresh optimizer and a restarted ε schedule is trained on the examples no
 * stage certifies. Training stops early when every training example is certified. After every
 * epoch the test set is evaluated as a cascade (`evaluate_robust_cascade`).
 *
 * The cascade is saved as one relaxjs checkpoint listing the stages (`#stage/<k>/<name>`
 * tensors, `meta.kind = 'relaxjs-cascade'`, `meta.stages`), rewritten atomically after each
 * stage; each stage's own training checkpoint (`<path>.stage<k>`) lets a run resume mid-stage.
 * @module
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { subset, type Dataset } from '../data/dataset.js';
import { CHECKPOINT_MAGIC, loadCheckpoint, saveCheckpoint, type CheckpointTensor } from '../io/checkpoint.js';
import { loadTorchCheckpoint, stateDictsOf } from '../io/torch.js';
import { describeModel, type DenseSequential, type Sequential } from '../nn/index.js';
import type { DualNetworkOptions } from '../relax/index.js';
import { evaluateCascade, uncertifiedIndices, type Cascade } from './cascade.js';
import { modelState, STAGE_PREFIX } from './checkpoint.js';
import { trainModel, type EpochLog, type TrainModelOptions } from './fit.js';
import { certificationOptions } from './objective.js';

/** A model a cascade stage can be. */
export type StageModel = Sequential | DenseSequential;

/** Options of {@link trainCascade}: those of `trainModel` for every stage, plus the cascade's. */
export interface TrainCascadeOptions extends Omit<TrainModelOptions, 'stage' | 'checkpointPath' | 'resume' | 'logPath' | 'testEvaluator'> {
  /** Maximum number of stages (the original's `--cascade`). */
  readonly stages: number;
  /** A fresh model for stage k. */
  readonly makeModel: (stage: number) => StageModel;
  /** Batch size of the certification passes (default: the test batch size or 50). */
  readonly certifyBatchSize?: number;
  /** The cascade file; stage k's training checkpoint is `<checkpointPath>.stage<k>`. */
  readonly checkpointPath?: string;
  readonly resume?: boolean;
  /** JSON-lines log of stage k (default none). */
  readonly logPath?: (stage: number) => string;
  /** Called when a stage starts, with the size of its training set. */
  readonly onStage?: (info: { readonly stage: number; readonly trainSize: number }) => void;
}

/** One trained stage. */
export interface StageRecord {
  readonly stage: number;
  readonly trainSize: number;
  readonly history: readonly EpochLog[];
}

/** What {@link trainCascade} returns. */
export interface TrainCascadeResult {
  readonly models: StageModel[];
  readonly stages: readonly StageRecord[];
  /** True when a stage found no uncertified training example left. */
  readonly allCertified: boolean;
  readonly interrupted: boolean;
}

/** Trains up to `options.stages` stages; see the module comment. */
export function trainCascade(options: TrainCascadeOptions): TrainCascadeResult {
  const certifyOptions: DualNetworkOptions = options.certify ?? certificationOptions(typeof options.robust === 'function' ? {} : options.robust);
  const batchSize = options.certifyBatchSize ?? options.testBatchSize ?? 50;
  const resumed = options.resume && options.checkpointPath && existsSync(options.checkpointPath) ? loadCascade(options.checkpointPath, options.makeModel) : null;
  const models: StageModel[] = resumed ? [...resumed.models] : [];
  const stages: StageRecord[] = resumed ? [...((resumed.meta.stageRecords ?? []) as StageRecord[])] : [];
  for (let k = models.length; k < options.stages; k++) {
    const indices = k === 0 ? null : uncertifiedIndices(models, options.train, options.epsilon, certifyOptions, batchSize);
    if (indices !== null && indices.length === 0) return { models, stages, allCertified: true, interrupted: false };
    const train = indices === null ? options.train : subset(options.train, indices);
    options.onStage?.({ stage: k, trainSize: train.n });
    const model = options.makeModel(k);
    const candidate = [...models, model];
    const result = trainModel(model, {
      ...options, train, stage: k, resume: options.resume, logPath: options.logPath?.(k),
      checkpointPath: options.checkpointPath ? `${options.checkpointPath}.stage${k}` : undefined,
      testEvaluator: options.test ? () => cascadeMeans(candidate, options.test!, options.epsilon, certifyOptions, batchSize) : undefined,
    });
    if (result.interrupted) return { models, stages, allCertified: false, interrupted: true };
    models.push(model);
    stages.push({ stage: k, trainSize: train.n, history: result.history });
    if (options.checkpointPath) saveCascade(options.checkpointPath, models, { epsilon: options.epsilon, stageRecords: stages });
  }
  return { models, stages, allCertified: false, interrupted: false };
}

/** The cascade's test numbers in the per-epoch log format. */
function cascadeMeans(models: Cascade, test: Dataset, epsilon: number, options: DualNetworkOptions, batchSize: number): { loss: number; error: number; robustError: number } {
  const e = evaluateCascade(models, test, epsilon, options, batchSize);
  return { loss: Number.NaN, error: e.cleanError, robustError: e.robustError };
}

/** Saves the stages' state dicts and `meta` as one relaxjs cascade file (atomic). */
export function saveCascade(path: string, models: readonly StageModel[], meta: Record<string, unknown> = {}): void {
  const tensors = new Map<string, CheckpointTensor>();
  models.forEach((m, k) => {
    for (const [name, e] of m.stateDict()) tensors.set(`${STAGE_PREFIX}${k}/${name}`, { shape: [...e.shape], data: e.data as Float32Array | Float64Array });
  });
  saveCheckpoint(path, tensors, { ...meta, kind: 'relaxjs-cascade', stages: models.length, models: models.map(describeModel) });
}

/** A loaded cascade: one model per stage and the file's metadata. */
export interface LoadedCascade {
  readonly models: StageModel[];
  readonly meta: Record<string, unknown>;
}

/**
 * Loads a cascade from a relaxjs cascade file or an original PyTorch cascade checkpoint
 * (`{state_dict: [sd0, sd1, …], err, epoch, …}`), building stage k with `makeModel(k)`.
 * For a `.pth`, `meta` holds its `err` and `epoch`.
 */
export function loadCascade(path: string, makeModel: (stage: number) => StageModel): LoadedCascade {
  if (fileMagic(path) === CHECKPOINT_MAGIC) {
    const checkpoint = loadCheckpoint(path);
    const count = Number(checkpoint.meta.stages);
    if (checkpoint.meta.kind !== 'relaxjs-cascade' || !Number.isInteger(count)) throw new Error(`${path}: not a relaxjs cascade file (meta.kind ${JSON.stringify(checkpoint.meta.kind)})`);
    const models = Array.from({ length: count }, (_, k) => makeModel(k).loadStateDict(modelState(checkpoint, k)));
    return { models, meta: checkpoint.meta };
  }
  const value = loadTorchCheckpoint(path);
  const models = stateDictsOf(value, path).map((sd, k) => makeModel(k).loadStateDict(sd));
  const meta: Record<string, unknown> = {};
  if (value instanceof Map) {
    for (const key of ['err', 'epoch']) {
      const v = value.get(key);
      if (typeof v === 'number' || typeof v === 'bigint') meta[key] = Number(v);
    }
  }
  return { models, meta };
}

/** The first 8 bytes of a file, as Latin-1 (a relaxjs checkpoint starts with `RELAXJS1`). */
function fileMagic(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(8);
    readSync(fd, buf, 0, 8, 0);
    return buf.toString('latin1');
  } finally {
    closeSync(fd);
  }
}

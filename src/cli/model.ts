/**
 * Which network a command runs and the weights it loads: a zoo model by the original's name
 * (`--model`), or the architecture recorded in one of our checkpoints (`meta.architecture`, a
 * {@link ModelDescription}), so `--model` is optional for the files `relaxjs train` and
 * `relaxjs main` write. Every failure to read or fit a weights file is a bad input: a
 * {@link UsageError} naming the flag and the file (exit code 2).
 * @module
 */
import { readFileSync, statSync, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { loadCheckpoint, CHECKPOINT_MAGIC, type Checkpoint } from '../io/checkpoint.js';
import { loadCascadeStateDicts } from '../io/torch.js';
import { modelFromDescription, zoo, type DenseSequential, type Sequential } from '../nn/index.js';
import { modelState } from '../train/checkpoint.js';
import { UsageError } from './errors.js';

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
/** A network the CLI runs. */
export type CliModel = Sequential | DenseSequential;

/** The `--model` value, or the default for the dataset (`mnist_model`, or `har_500` for HAR). */
export function modelNameFor(name: ModelName | undefined, data: string): ModelName {
  return name ?? (data === 'har' ? 'har_500' : 'mnist_model');
}

/** Builds a zoo model (default for the dataset when `name` is undefined), checking that it fits the dataset's inputs. */
export function buildModel(requested: ModelName | undefined, data: string, seed: number): CliModel {
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

/** Runs `read`, turning any failure into a one-line UsageError naming `flag` and `path`. */
export function asBadInput<T>(flag: string, path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(`${path}: `, '');
    throw new UsageError(`${flag} ${path}: ${message}`);
  }
}

/** Whether the file starts with the relaxjs checkpoint magic. */
function isRelaxjsCheckpoint(path: string): boolean {
  return readFileSync(path).subarray(0, CHECKPOINT_MAGIC.length).toString('latin1') === CHECKPOINT_MAGIC;
}

/** A relaxjs checkpoint when `path` is one (checked and parsed), else null (a PyTorch file). */
export function readOwnCheckpoint(path: string, flag = '--weights'): Checkpoint | null {
  return isRelaxjsCheckpoint(path) ? asBadInput(flag, path, () => loadCheckpoint(path)) : null;
}

/**
 * The network for `weights`: the zoo model `--model` names when given; otherwise the architecture
 * a relaxjs checkpoint records; otherwise the dataset's default zoo model. Returns its label too.
 */
export function modelFor(requested: ModelName | undefined, data: string, seed: number, checkpoint: Checkpoint | null, weights: string): { name: string; model: CliModel } {
  const architecture = checkpoint?.meta.architecture;
  if (requested !== undefined || architecture === undefined) return { name: modelNameFor(requested, data), model: buildModel(requested, data, seed) };
  const model = asBadInput('--weights', weights, () => modelFromDescription(architecture, seed));
  const label = checkpoint?.meta.model;
  return { name: typeof label === 'string' ? label : basename(weights), model };
}

/**
 * Loads weights into `model` from a relaxjs checkpoint (its model state: training checkpoints'
 * optimizer entries are skipped) or a PyTorch `.pth` state dict.
 * @throws UsageError naming `flag` and the file when it cannot be read or does not fit the model.
 */
export function loadWeights(model: CliModel, path: string, checkpoint: Checkpoint | null = readOwnCheckpoint(path), flag = '--weights'): void {
  const cascade = (stages: number) => new UsageError(`${flag} ${path} holds a cascade of ${stages} models; certify it with --cascade, or pass one model's weights`);
  asBadInput(flag, path, () => {
    if (checkpoint === null) {
      const dicts = loadCascadeStateDicts(path);
      if (dicts.length !== 1) throw cascade(dicts.length);
      model.loadStateDict(dicts[0]!);
      return;
    }
    const stages = checkpoint.meta.stages;
    if (typeof stages === 'number' && stages > 1) throw cascade(stages);
    model.loadStateDict(modelState(checkpoint));
  });
}

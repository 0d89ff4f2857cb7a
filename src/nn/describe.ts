/**
 * JSON descriptions of networks, as in the `model` field of the reference vectors
 * (`../shared/reference/README.md`): `{kind: "Sequential" | "DenseSequential", layers: [...]}`
 * with layers `Linear {in,out,bias}`, `Conv2d {in,out,kernel,stride,padding,bias}`, `ReLU`,
 * `Flatten`, `Identity`, `Dense {ws: [layer | null, ...]}`; this module also accepts
 * `BatchNorm2d {features, eps?, momentum?, mode?: "eval" | "train"}`, `LeakyReLU {negativeSlope?}`,
 * `HardTanh {minVal?, maxVal?}`, `Hardsigmoid` (PyTorch's class name), a nested `Sequential {layers}`, and the auto_LiRPA references'
 * (`../shared/reference/lirpa/README.md`) `MaxPool2d {kernel, stride, padding}`,
 * `AvgPool2d {kernel, stride, padding}` and `Residual {channels, skip_kernel, bias?}`.
 * {@link modelFromDescription} builds the module; {@link describeModel} is its inverse.
 * @module
 */
import { Rng } from '../tensor/random.js';
import { BatchNorm2d } from './batchnorm2d.js';
import { Conv2d } from './conv2d.js';
import { Dense } from './dense.js';
import { DenseSequential } from './dense-sequential.js';
import { Flatten } from './flatten.js';
import { HardSigmoid } from './hardsigmoid.js';
import { HardTanh } from './hardtanh.js';
import { Identity } from './identity.js';
import { assertNever, type Layer } from './layer.js';
import { LeakyReLU } from './leaky-relu.js';
import { Linear } from './linear.js';
import { AvgPool2d, MaxPool2d } from './pool.js';
import { ReLU } from './relu.js';
import { Residual } from './residual.js';
import { Sequential } from './sequential.js';

/** One layer of a description. */
export type LayerDescription =
  | { type: 'Linear'; in: number; out: number; bias: boolean }
  | { type: 'Conv2d'; in: number; out: number; kernel: number; stride: number; padding: number; bias: boolean }
  | { type: 'ReLU' }
  | { type: 'LeakyReLU'; negativeSlope: number }
  | { type: 'Flatten' }
  | { type: 'Identity' }
  | { type: 'BatchNorm2d'; features: number; eps?: number; momentum?: number; mode?: 'eval' | 'train' }
  | { type: 'HardTanh'; minVal: number; maxVal: number }
  | { type: 'Hardsigmoid' }
  | { type: 'MaxPool2d' | 'AvgPool2d'; kernel: number; stride: number; padding: number }
  | { type: 'Residual'; channels: number; skip_kernel: number; bias?: boolean }
  | { type: 'Sequential'; layers: LayerDescription[] }
  | { type: 'Dense'; ws: (LayerDescription | null)[] };

/** A whole network. */
export interface ModelDescription {
  kind: 'Sequential' | 'DenseSequential';
  layers: LayerDescription[];
}

type Json = Record<string, unknown>;

/**
 * Builds the network a description names, with PyTorch's default initialisation drawn from
 * `seed` (load weights afterwards with `loadStateDict`).
 * @param description - the `model` field of a reference case (parsed JSON, checked here).
 * @throws Error naming the path (`model.layers[2].ws[0]`) of any malformed entry.
 */
export function modelFromDescription(description: unknown, seed = 0): Sequential | DenseSequential {
  const d = asObject(description, 'model');
  const layers = asArray(d.layers, 'model.layers');
  const rng = new Rng(seed);
  const built = layers.map((l, i) => layerFromDescription(l, `model.layers[${i}]`, rng));
  if (d.kind === 'Sequential') return new Sequential(...built);
  if (d.kind === 'DenseSequential') return new DenseSequential(...built);
  throw new Error(`model.kind must be "Sequential" or "DenseSequential", got ${JSON.stringify(d.kind)}`);
}

function layerFromDescription(value: unknown, path: string, rng: Rng): Layer {
  const d = asObject(value, path);
  const int = (key: string): number => asInt(d[key], `${path}.${key}`);
  const bias = (): boolean => asBool(d.bias, `${path}.bias`);
  switch (d.type) {
    case 'Linear': return new Linear(int('in'), int('out'), { rng, bias: bias() });
    case 'Conv2d':
      return new Conv2d(int('in'), int('out'), int('kernel'), { rng, bias: bias(), stride: int('stride'), padding: int('padding') });
    case 'ReLU': return new ReLU();
    case 'LeakyReLU': return new LeakyReLU(optionalNumbers(d, path, ['negativeSlope']).negativeSlope);
    case 'Flatten': return new Flatten();
    case 'Identity': return new Identity();
    case 'BatchNorm2d': return batchNormFromDescription(d, path);
    case 'HardTanh': {
      const { minVal, maxVal } = optionalNumbers(d, path, ['minVal', 'maxVal']);
      return new HardTanh(minVal, maxVal);
    }
    case 'Hardsigmoid': return new HardSigmoid();
    case 'MaxPool2d': return new MaxPool2d(int('kernel'), { stride: int('stride'), padding: int('padding') });
    case 'AvgPool2d': return new AvgPool2d(int('kernel'), { stride: int('stride'), padding: int('padding') });
    case 'Residual': return new Residual(int('channels'), int('skip_kernel'), { rng, bias: d.bias === undefined || bias() });
    case 'Sequential':
      return new Sequential(...asArray(d.layers, `${path}.layers`).map((l, i) => layerFromDescription(l, `${path}.layers[${i}]`, rng)));
    case 'Dense':
      return new Dense(...asArray(d.ws, `${path}.ws`).map((w, j) => (w === null ? null : layerFromDescription(w, `${path}.ws[${j}]`, rng))));
    default:
      throw new Error(`${path}.type ${JSON.stringify(d.type)} is not one of ${LAYER_TYPES.join(', ')}`);
  }
}

/** The layer types {@link modelFromDescription} accepts. */
const LAYER_TYPES = [
  'Linear', 'Conv2d', 'ReLU', 'LeakyReLU', 'HardTanh', 'Hardsigmoid', 'Flatten', 'Identity', 'BatchNorm2d',
  'MaxPool2d', 'AvgPool2d', 'Residual', 'Sequential', 'Dense',
];

/** `BatchNorm2d {features, eps?, momentum?, mode?}`; mode "eval" builds it in evaluation mode (running statistics). */
function batchNormFromDescription(d: Json, path: string): BatchNorm2d {
  const layer = new BatchNorm2d(asInt(d.features, `${path}.features`), optionalNumbers(d, path, ['eps', 'momentum']));
  if (d.mode === 'eval') return layer.eval();
  if (d.mode !== undefined && d.mode !== 'train') throw new Error(`${path}.mode must be "eval" or "train", got ${JSON.stringify(d.mode)}`);
  return layer;
}

/** The description of a module built from these layer classes (inverse of {@link modelFromDescription}). */
export function describeModel(model: Sequential | DenseSequential): ModelDescription {
  return { kind: model.kind === 'sequential' ? 'Sequential' : 'DenseSequential', layers: model.layers.map(describeLayer) };
}

/** The description of one layer. */
export function describeLayer(layer: Layer): LayerDescription {
  switch (layer.kind) {
    case 'linear': return { type: 'Linear', in: layer.inFeatures, out: layer.outFeatures, bias: layer.bias !== null };
    case 'conv2d': {
      const square = (p: readonly [number, number], what: string): number => {
        if (p[0] !== p[1]) throw new Error(`describeLayer: Conv2d ${what} [${p.join(', ')}] is not square; descriptions hold one number`);
        return p[0];
      };
      return {
        type: 'Conv2d', in: layer.inChannels, out: layer.outChannels, kernel: square(layer.kernelSize, 'kernel'),
        stride: square(layer.stride, 'stride'), padding: square(layer.padding, 'padding'), bias: layer.bias !== null,
      };
    }
    case 'relu': return { type: 'ReLU' };
    case 'leakyRelu': return { type: 'LeakyReLU', negativeSlope: layer.negativeSlope };
    case 'flatten': return { type: 'Flatten' };
    case 'identity': return { type: 'Identity' };
    case 'batchnorm2d':
      return { type: 'BatchNorm2d', features: layer.numFeatures, eps: layer.eps, momentum: layer.momentum, ...(layer.training ? {} : { mode: 'eval' as const }) };
    case 'hardTanh': return { type: 'HardTanh', minVal: layer.minVal, maxVal: layer.maxVal };
    case 'hardSigmoid': return { type: 'Hardsigmoid' };
    case 'maxPool2d': return { type: 'MaxPool2d', kernel: layer.kernel, stride: layer.stride, padding: layer.padding };
    case 'avgPool2d': return { type: 'AvgPool2d', kernel: layer.kernel, stride: layer.stride, padding: layer.padding };
    case 'residual': return { type: 'Residual', channels: layer.channels, skip_kernel: layer.skipKernel, bias: layer.convA.bias !== null };
    case 'sequential': return { type: 'Sequential', layers: layer.layers.map(describeLayer) };
    case 'dense': return { type: 'Dense', ws: layer.ws.map((w) => (w ? describeLayer(w) : null)) };
    case 'denseSequential': throw new Error('describeLayer: a DenseSequential can only be the outermost model');
    default: return assertNever(layer, 'layer');
  }
}

function asObject(v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${path} must be an object, got ${JSON.stringify(v)}`);
  return v as Json;
}

function asArray(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${path} must be an array, got ${JSON.stringify(v)}`);
  return v;
}

function asInt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${path} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

function asBool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') throw new Error(`${path} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function optionalNumbers(d: Json, path: string, keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) {
    if (d[key] === undefined) continue;
    if (typeof d[key] !== 'number') throw new Error(`${path}.${key} must be a number, got ${JSON.stringify(d[key])}`);
    out[key] = d[key] as number;
  }
  return out;
}

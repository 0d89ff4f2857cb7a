/**
 * The named architectures of the original's `examples/problems.py` (locuslab/convex_adversarial),
 * as factories taking a seed for PyTorch's default initialisation. Where the original
 * re-initialises convolutions (`cifar_model`, `cifar_model_resnet`: weight ~ N(0, √(2/n)),
 * n = kh·kw·out, bias 0) so do these; `cifar_model_large`'s re-initialisation is dead code
 * after its `return` in the original and is left out here too.
 * @module
 */
import { Rng } from '../tensor/random.js';
import { Conv2d } from './conv2d.js';
import { Dense } from './dense.js';
import { DenseSequential } from './dense-sequential.js';
import { Flatten } from './flatten.js';
import { heNormalFanOut } from './init.js';
import type { Layer } from './layer.js';
import { Linear } from './linear.js';
import type { Module } from './module.js';
import { ReLU } from './relu.js';
import { Sequential } from './sequential.js';
import { Identity } from './identity.js';

type LayerMaker = (rng: Rng) => Layer[];

const conv = (rng: Rng, cin: number, cout: number, k: number, stride: number, padding: number): Conv2d =>
  new Conv2d(cin, cout, k, { rng, stride, padding });
const fc = (rng: Rng, fin: number, fout: number): Linear => new Linear(fin, fout, { rng });
const sequential = (seed: number, make: LayerMaker): Sequential => new Sequential(...make(new Rng(seed)));

/** `mnist_model`: Conv(1→16,4,s2,p1)-ReLU-Conv(16→32,4,s2,p1)-ReLU-Flatten-Linear(1568→100)-ReLU-Linear(100→10). */
export function mnistModel(seed = 0): Sequential {
  return sequential(seed, (r) => [conv(r, 1, 16, 4, 2, 1), new ReLU(), conv(r, 16, 32, 4, 2, 1), new ReLU(), new Flatten(),
    fc(r, 32 * 7 * 7, 100), new ReLU(), fc(r, 100, 10)]);
}

/** `mnist_500`: Flatten-Linear(784→500)-ReLU-Linear(500→10). */
export function mnist500(seed = 0): Sequential {
  return sequential(seed, (r) => [new Flatten(), fc(r, 28 * 28, 500), new ReLU(), fc(r, 500, 10)]);
}

/** `model_wide(in_ch, out_width, k)`: the mnist_model shape with 4k / 8k channels and 128k hidden units. */
export function modelWide(inChannels: number, outWidth: number, k: number, seed = 0): Sequential {
  return sequential(seed, (r) => [conv(r, inChannels, 4 * k, 4, 2, 1), new ReLU(), conv(r, 4 * k, 8 * k, 4, 2, 1), new ReLU(),
    new Flatten(), fc(r, 8 * k * outWidth * outWidth, 128 * k), new ReLU(), fc(r, 128 * k, 10)]);
}

/** Options of {@link modelDeep}: the two groups' channel counts and the hidden width (original defaults). */
export interface DeepOptions { n1?: number; n2?: number; linearSize?: number }

/**
 * `model_deep(in_ch, out_width, k)`: two groups of k convolutions each (k−1 of 3x3 stride 1, then
 * one 4x4 stride 2; a single 4x4 stride 2 when k = 1), then Linear(n2·w²→linearSize)-ReLU-Linear(→10).
 */
export function modelDeep(inChannels: number, outWidth: number, k: number, seed = 0, options: DeepOptions = {}): Sequential {
  const { n1 = 8, n2 = 16, linearSize = 100 } = options;
  const group = (r: Rng, cin: number, cout: number): Layer[] => {
    if (k === 1) return [conv(r, cin, cout, 4, 2, 1), new ReLU()];
    const layers: Layer[] = [conv(r, cin, cout, 3, 1, 1), new ReLU()];
    for (let i = 1; i < k - 1; i++) layers.push(conv(r, cout, cout, 3, 1, 1), new ReLU());
    layers.push(conv(r, cout, cout, 4, 2, 1), new ReLU());
    return layers;
  };
  return sequential(seed, (r) => [...group(r, inChannels, n1), ...group(r, n1, n2), new Flatten(),
    fc(r, n2 * outWidth * outWidth, linearSize), new ReLU(), fc(r, linearSize, 10)]);
}

/** `mnist_model_wide(k)` = `model_wide(1, 7, k)`. */
export const mnistModelWide = (k: number, seed = 0): Sequential => modelWide(1, 7, k, seed);
/** `mnist_model_deep(k)` = `model_deep(1, 7, k)`. */
export const mnistModelDeep = (k: number, seed = 0): Sequential => modelDeep(1, 7, k, seed);

/** `mnist_model_large`: four convolutions (32, 32, 64, 64 channels), then 512-512-10 fully connected. */
export function mnistModelLarge(seed = 0): Sequential {
  return sequential(seed, (r) => largeConvLayers(r, 1, 7));
}

function largeConvLayers(r: Rng, inChannels: number, outWidth: number): Layer[] {
  return [conv(r, inChannels, 32, 3, 1, 1), new ReLU(), conv(r, 32, 32, 4, 2, 1), new ReLU(),
    conv(r, 32, 64, 3, 1, 1), new ReLU(), conv(r, 64, 64, 4, 2, 1), new ReLU(), new Flatten(),
    fc(r, 64 * outWidth * outWidth, 512), new ReLU(), fc(r, 512, 512), new ReLU(), fc(r, 512, 10)];
}

/** `har_500_model`: Linear(561→500)-ReLU-Linear(500→6). */
export function har500Model(seed = 0): Sequential {
  return sequential(seed, (r) => [fc(r, 561, 500), new ReLU(), fc(r, 500, 6)]);
}

/** `har_500_250_model`: Linear(561→500)-ReLU-Linear(500→250)-ReLU-Linear(250→6). */
export function har500250Model(seed = 0): Sequential {
  return sequential(seed, (r) => [fc(r, 561, 500), new ReLU(), fc(r, 500, 250), new ReLU(), fc(r, 250, 6)]);
}

/** `har_500_250_100_model`: 561→500→250→100→6 with ReLUs. */
export function har500250100Model(seed = 0): Sequential {
  return sequential(seed, (r) => [fc(r, 561, 500), new ReLU(), fc(r, 500, 250), new ReLU(), fc(r, 250, 100), new ReLU(), fc(r, 100, 6)]);
}

/** `har_resnet_model`: Dense(Linear)-ReLU-Dense(Identity, null, Linear)-ReLU-Linear(561→6), widths 561. */
export function harResnetModel(seed = 0): DenseSequential {
  const r = new Rng(seed);
  return new DenseSequential(new Dense(fc(r, 561, 561)), new ReLU(), new Dense(new Identity(), null, fc(r, 561, 561)), new ReLU(), fc(r, 561, 6));
}

/** `cifar_model`: the mnist_model shape on 3x32x32 (Linear 2048→100), convolutions He-initialised. */
export function cifarModel(seed = 0): Sequential {
  const rng = new Rng(seed);
  const model = new Sequential(conv(rng, 3, 16, 4, 2, 1), new ReLU(), conv(rng, 16, 32, 4, 2, 1), new ReLU(), new Flatten(),
    fc(rng, 32 * 8 * 8, 100), new ReLU(), fc(rng, 100, 10));
  return reinitConvolutions(model, model.layers, rng);
}

/** `cifar_model_large`: `mnist_model_large`'s layers on 3x32x32 (Linear 4096→512); default init. */
export function cifarModelLarge(seed = 0): Sequential {
  return sequential(seed, (r) => largeConvLayers(r, 3, 8));
}

/**
 * `cifar_model_resnet(N, factor)`: Conv(3→16)-ReLU, then three stages of residual blocks
 * `Dense(conv_a)-ReLU-Dense(skip, null, conv_b)-ReLU` (16f, 32f, 64f channels, the last two
 * downsampling by 2), then Linear(64f·8·8→1000)-ReLU-Linear(1000→10); He-initialised convolutions.
 */
export function cifarModelResnet(N = 5, factor = 10, seed = 0): DenseSequential {
  const rng = new Rng(seed);
  const block = (cin: number, cout: number, downsample: boolean): Layer[] => {
    const [kFirst, skipStride, kSkip] = downsample ? [4, 2, 2] : [3, 1, 1];
    return [new Dense(conv(rng, cin, cout, kFirst, skipStride, 1)), new ReLU(),
      new Dense(conv(rng, cin, cout, kSkip, skipStride, 0), null, conv(rng, cout, cout, 3, 1, 1)), new ReLU()];
  };
  const f = factor;
  const layers: Layer[] = [conv(rng, 3, 16, 3, 1, 1), new ReLU(), ...block(16, 16 * f, false)];
  for (let i = 0; i < N; i++) layers.push(...block(16 * f, 16 * f, false));
  layers.push(...block(16 * f, 32 * f, true));
  for (let i = 0; i < N - 1; i++) layers.push(...block(32 * f, 32 * f, false));
  layers.push(...block(32 * f, 64 * f, true));
  for (let i = 0; i < N - 1; i++) layers.push(...block(64 * f, 64 * f, false));
  layers.push(new Flatten(), fc(rng, 64 * f * 8 * 8, 1000), new ReLU(), fc(rng, 1000, 10));
  const model = new DenseSequential(...layers);
  return reinitConvolutions(model, layers, rng);
}

/** Every Conv2d reachable from `layers`: weight ~ N(0, √(2/(kh·kw·out))), bias 0 (as the original). */
function reinitConvolutions<M extends Module>(model: M, layers: readonly (Layer | null)[], rng: Rng): M {
  for (const layer of layers) {
    if (!layer) continue;
    if (layer.kind === 'conv2d') {
      heNormalFanOut(layer.weight, rng);
      layer.bias?.data.fill(0);
    } else if (layer.kind === 'dense') reinitConvolutions(model, layer.ws, rng);
    else if (layer.kind === 'sequential') reinitConvolutions(model, layer.layers, rng);
  }
  return model;
}

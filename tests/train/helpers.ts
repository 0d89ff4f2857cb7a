// Tiny problems for the training suites: a seeded blob dataset in [0,1]^d and small ReLU MLPs.
import type { Dataset } from '../../src/data/dataset.js';
import { Linear, ReLU, Sequential } from '../../src/nn/index.js';
import { Rng } from '../../src/tensor/random.js';

/** `n` points in [0,1]^d around `classes` random centres (spread 0.08), labelled by centre. */
export function blobs(n: number, d: number, classes: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: d }, () => rng.uniform(0.2, 0.8)));
  const images = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    labels[i] = c;
    for (let j = 0; j < d; j++) images[i * d + j] = Math.min(1, Math.max(0, centres[c]![j]! + 0.08 * rng.normal()));
  }
  return { images, labels, n, shape: [d], classes };
}

/** A d-h-…-h-k ReLU MLP with the default (PyTorch) init from `seed`. */
export function mlp(d: number, hidden: readonly number[], k: number, seed: number): Sequential {
  const rng = new Rng(seed);
  const layers = [];
  let width = d;
  for (const h of hidden) {
    layers.push(new Linear(width, h, { rng }), new ReLU());
    width = h;
  }
  return new Sequential(...layers, new Linear(width, k, { rng }));
}

/** The bytes of every parameter, concatenated (for bit-for-bit comparisons). */
export function parameterBytes(model: Sequential): Uint8Array[] {
  return model.parameters().map((p) => new Uint8Array(p.data.buffer.slice(p.data.byteOffset, p.data.byteOffset + p.data.byteLength)));
}

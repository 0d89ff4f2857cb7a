/**
 * Certifies a prefix of a test set with a pretrained `mnist_model` (l∞ ε = 0.1, exact bound,
 * unbounded input, batches of 50), for the CI-sized guards of the Table 1 reproductions
 * (scripts/reproduce-fashion.ts).
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../../src/data/dataset.js';
import { loadStateDict } from '../../src/io/torch.js';
import { zoo } from '../../src/nn/index.js';
import { certify } from '../../src/relax/index.js';
import { Tensor } from '../../src/tensor/tensor.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** `../shared/models/<name>` beside the repository. */
export function sharedModelPath(name: string): string {
  return join(resolve(repoRoot, '..', 'shared', 'models'), name);
}

/** Indices (below `count`) of the clean errors and the uncertified examples of `ds`. */
export function certifyPrefix(modelPath: string, ds: Dataset, count: number): { clean: number[]; uncertified: number[] } {
  const net = zoo.mnistModel(0).loadStateDict(loadStateDict(modelPath)).eval();
  const clean: number[] = [];
  const uncertified: number[] = [];
  for (let from = 0; from < count; from += 50) {
    const size = Math.min(50, count - from);
    const X = new Tensor(ds.images.slice(from * 784, (from + size) * 784), [size, 1, 28, 28]);
    const result = certify(net, 0.1, X, ds.labels.subarray(from, from + size));
    for (let b = 0; b < size; b++) {
      if (result.cleanErrors[b]) clean.push(from + b);
      if (result.errors[b]) uncertified.push(from + b);
    }
  }
  return { clean, uncertified };
}

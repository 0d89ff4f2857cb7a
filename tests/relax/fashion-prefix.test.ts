// A CI-sized prefix of the ICML 2018 Table 1 reproduction: fashion_mnist.pth certified at l∞
// ε = 0.1 (exact bound, unbounded input) on the first 100 Fashion-MNIST test examples.
//
// Expected indices: from scripts/reproduce-fashion.ts over all 10,000 examples (wasm backend,
// 2026-11-25), whose totals equal the PyTorch original's exactly (2173 clean errors, 3453
// uncertified). The full run is a script (about 9 minutes); this prefix guards it in CI, on the
// js backend for 25 examples and on the wasm backend for all 100.
// Runs when ../shared/models and the Debian dataset-fashion-mnist files are present.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { FASHION_MNIST_DIR, loadFashionMnist } from '../../src/data/idx.js';
import { backendNames, withBackend } from '../../src/tensor/registry.js';
import { certifyPrefix as certifyFirst, sharedModelPath } from '../helpers/certify-prefix.js';

const CLEAN_ERRORS = [10, 12, 20, 21, 23, 25, 26, 27, 40, 42, 43, 44, 45, 46, 48, 49, 50, 51, 53, 54, 66, 68, 72, 87, 89];
const UNCERTIFIED = [0, 6, 7, 10, 11, 12, 14, 16, 17, 20, 21, 23, 25, 26, 27, 35, 40, 42, 43, 44, 45, 46, 48, 49, 50, 51, 53, 54, 59, 66, 68, 70, 71, 72, 74, 75, 87, 89, 91, 98];

const modelPath = sharedModelPath('fashion_mnist.pth');

/** Indices (below `count`) of clean errors and uncertified examples, in batches of 50. */
function certifyPrefix(count: number): { clean: number[]; uncertified: number[] } {
  return certifyFirst(modelPath, loadFashionMnist('test'), count);
}

if (existsSync(modelPath) && existsSync(FASHION_MNIST_DIR)) {
  test('Fashion-MNIST prefix, js backend: first 25 examples match the full reproduction', () => {
    const got = withBackend('js', () => certifyPrefix(25));
    assert.equal(got.clean, CLEAN_ERRORS.filter((i) => i < 25));
    assert.equal(got.uncertified, UNCERTIFIED.filter((i) => i < 25));
  });
  if (backendNames().includes('wasm')) {
    test('Fashion-MNIST prefix, wasm backend: first 100 examples match the full reproduction', () => {
      const got = withBackend('wasm', () => certifyPrefix(100));
      assert.equal(got.clean, CLEAN_ERRORS);
      assert.equal(got.uncertified, UNCERTIFIED);
    });
  }
} else {
  console.log(`fashion-prefix: skipped (needs ${modelPath} and ${FASHION_MNIST_DIR})`);
}

test.run();

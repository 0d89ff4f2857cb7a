import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { backward, conv2d, crossEntropy, flatten, linear, logSoftmax, relu, softmax, sum } from '../../src/autograd/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertAllClose, gradcheck, randn64 } from '../helpers/gradcheck.js';
import { shapeAndAxisArb } from '../helpers/shapes.js';

/** Per-example cross-entropy computed directly: log Σ_k exp(z_k) − z_y. */
function handCrossEntropy(logits: number[][], labels: number[]): number[] {
  return logits.map((row, i) => Math.log(row.reduce((s, z) => s + Math.exp(z), 0)) - row[labels[i]!]!);
}

test('logSoftmax / softmax: gradient along every axis (fast-check), rows of softmax sum to 1', () => {
  fc.assert(fc.property(shapeAndAxisArb(3), fc.integer({ min: 0, max: 1e6 }), ({ shape, axis }, seed) => {
    const x = randn64(shape, new Rng(seed), 2);
    gradcheck((v) => logSoftmax(v, axis), [x], { name: `logSoftmax axis ${axis}` });
    gradcheck((v) => softmax(v, axis), [x], { name: `softmax axis ${axis}` });
    const total = sum(softmax(x, axis), axis);
    assertAllClose(total.data, new Array<number>(total.size).fill(1), 1e-12, 0, 'softmax sums');
  }), { seed: 42, numRuns: 20 });
  assertAllClose(softmax(Tensor.from([[0, Math.log(3)]], undefined, 'float64')).data, [0.25, 0.75]);
  assertAllClose(logSoftmax(Tensor.from([[1000, 1000]], undefined, 'float64')).data, [-Math.LN2, -Math.LN2]);
});

test('crossEntropy matches a hand computation for mean, sum and none', () => {
  const rows = [[1, 2, 3], [1, 1, 1], [-2, 0.5, 4]];
  const labels = [2, 0, 1];
  const logits = Tensor.from(rows, undefined, 'float64');
  const perExample = handCrossEntropy(rows, labels);
  assertAllClose([perExample[0]!, perExample[1]!], [0.40760596444437555, Math.log(3)], 1e-14, 1e-14, 'hand values');
  assertAllClose(crossEntropy(logits, labels, 'none').data, perExample);
  assertAllClose([crossEntropy(logits, labels, 'sum').item()], [perExample.reduce((s, v) => s + v, 0)]);
  assertAllClose([crossEntropy(logits, labels).item()], [perExample.reduce((s, v) => s + v, 0) / 3]);
});

test('crossEntropy gradient is (softmax − onehot) / B, and passes gradcheck for every reduction', () => {
  const rng = new Rng(4);
  const logits = randn64([4, 5], rng, 3);
  const labels = [0, 4, 2, 2];
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    gradcheck((z) => crossEntropy(z, labels, reduction), [logits], { name: `crossEntropy ${reduction}` });
  }
  const z = logits.clone().requireGrad();
  backward(crossEntropy(z, labels));
  const p = softmax(logits, 1);
  const expected = Array.from(p.data, (v, i) => (v - (labels[Math.floor(i / 5)] === i % 5 ? 1 : 0)) / 4);
  assertAllClose(z.grad!.data, expected, 1e-14, 1e-12, 'dCE/dz');
});

test('crossEntropy stays finite for logits of magnitude 1000', () => {
  const logits = Tensor.from([[1000, -1000, 0], [-1000, 1000, 999]], undefined, 'float64');
  const loss = crossEntropy(logits, [0, 2], 'none');
  assertAllClose(loss.data, [0, 1 + Math.log1p(Math.exp(-1))], 1e-12, 1e-12);
});

test('a small conv net end to end (conv2d → relu → flatten → linear → crossEntropy): gradient of every parameter', () => {
  const rng = new Rng(8);
  const x = randn64([2, 1, 5, 4], rng);
  const labels = [1, 2];
  const net = (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor): Tensor => {
    const h = relu(conv2d(x, w1, b1, { stride: 2, padding: 1 }));
    return crossEntropy(linear(flatten(h), w2, b2), labels);
  };
  const w1 = randn64([2, 1, 3, 3], rng);
  const hidden = conv2d(x, w1, null, { stride: 2, padding: 1 }).size / 2;
  gradcheck(net, [w1, randn64([2], rng), randn64([3, hidden], rng), randn64([3], rng)], { name: 'conv net' });
});

test('crossEntropy errors name labels and logits', () => {
  const logits = Tensor.zeros([2, 3]);
  assert.throws(() => crossEntropy(Tensor.zeros([3]), [0]), /crossEntropy: logits must be \[batch, classes\], got \[3\]/);
  assert.throws(() => crossEntropy(logits, [0]), /crossEntropy: labels has 1 entries for a batch of 2/);
  assert.throws(() => crossEntropy(logits, [0, 3]), /crossEntropy: labels\[1\] = 3 is not a class in \[0, 3\)/);
  assert.throws(() => crossEntropy(logits, [-1, 0]), /labels\[0\] = -1 is not a class/);
  assert.throws(() => crossEntropy(logits, [0.5, 0]), /labels\[0\] = 0.5 is not a class/);
});

test.run();

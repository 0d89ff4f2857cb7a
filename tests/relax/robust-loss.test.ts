// robustLoss / certify: logits are −J(e_y − e_j) (0 at j = y), the loss is their cross-entropy
// (mean or per example), every parameter gets a gradient, certify runs without a tape and
// reports clean predictions, and a tie at 0 is not certified.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, crossEntropy, isGradEnabled, noGrad } from '../../src/autograd/index.js';
import { modelFromDescription } from '../../src/nn/describe.js';
import { certify, robustLoss, uncertified } from '../../src/relax/robust-loss.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

const net = modelFromDescription({
  kind: 'Sequential',
  layers: [{ type: 'Linear', in: 5, out: 8, bias: true }, { type: 'ReLU' }, { type: 'Linear', in: 8, out: 4, bias: true }],
}, 3).to('float64');
const rng = new Rng(8);
const X = Tensor.uniform([6, 5], rng, 0, 1, 'float64');
const y = [0, 1, 2, 3, 1, 2];

test('logits are 0 at j = y; loss is their cross-entropy, mean or per example', () => {
  const mean = robustLoss(net, 0.05, X, y);
  const perExample = robustLoss(net, 0.05, X, y, { reduction: 'none' });
  y.forEach((label, b) => assert.is(Math.abs(mean.logits.data[b * 4 + label]!), 0));
  assert.equal(perExample.loss.shape, [6]);
  const expected = noGrad(() => crossEntropy(mean.logits, y, 'none'));
  assert.equal(Array.from(perExample.loss.data), Array.from(expected.data));
  const avg = Array.from(expected.data).reduce((a, b) => a + b, 0) / 6;
  assert.ok(Math.abs(mean.loss.item() - avg) <= 1e-12);
});

test('at epsilon = 0 the logits are the exact differences f_j(x) − f_y(x) and certify = correct', () => {
  const { logits, errors } = robustLoss(net, 0, X, y);
  const f = noGrad(() => net.forward(X));
  for (let b = 0; b < 6; b++) {
    for (let j = 0; j < 4; j++) {
      const diff = f.data[b * 4 + j]! - f.data[b * 4 + y[b]!]!;
      assert.ok(Math.abs(logits.data[b * 4 + j]! - diff) <= 1e-12);
    }
  }
  const wrong = certify(net, 0, X, y).cleanErrors;
  assert.equal(Array.from(errors), Array.from(wrong));
});

test('every parameter receives a finite, non-zero gradient', () => {
  net.zeroGrad();
  backward(robustLoss(net, 0.1, X, y).loss);
  for (const [name, p] of net.namedParameters()) {
    assert.ok(p.grad, `${name} has no gradient`);
    assert.ok(p.grad!.data.every(Number.isFinite), `${name}: non-finite gradient`);
    assert.ok(p.grad!.data.some((g) => g !== 0), `${name}: zero gradient`);
  }
  net.zeroGrad();
});

test('certify records no tape and returns clean predictions; larger epsilon certifies no more', () => {
  const small = certify(net, 0.01, X, y);
  const large = certify(net, 0.5, X, y);
  assert.not.ok(small.logits.requiresGrad);
  assert.ok(isGradEnabled());
  assert.is(small.predictions.length, 6);
  large.errors.forEach((e, b) => assert.ok(e >= small.errors[b]!, `example ${b}`));
  small.errors.forEach((e, b) => assert.ok(e >= small.cleanErrors[b]!, `a misclassified example ${b} cannot be certified`));
});

test('a logit of exactly 0 for some j != y is not certified; NaN is not certified', () => {
  const logits = Tensor.from([[0, -1, -2], [-1, 0, 0], [-1, Number.NaN, 0]], undefined, 'float64');
  assert.equal(Array.from(uncertified(logits, [0, 1, 2])), [0, 1, 1]);
});

test('labels are checked', () => {
  assert.throws(() => robustLoss(net, 0.1, X, [0, 1]), /y has 2 labels for a batch of 6/);
  assert.throws(() => robustLoss(net, 0.1, X, [0, 1, 2, 3, 4, 0]), /y\[4\] = 4 is not a class in \[0, 4\)/);
});

test.run();

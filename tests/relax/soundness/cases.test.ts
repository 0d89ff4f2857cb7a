// The five wrong certificates of issue 13, as regression tests: each failed on the code before the
// fix (a certificate claimed, a crash, or a moved BatchNorm buffer) and must pass after it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { noGrad } from '../../../src/autograd/index.js';
import { modelFromDescription } from '../../../src/nn/describe.js';
import type { Sequential } from '../../../src/nn/sequential.js';
import { certify, robustLoss } from '../../../src/relax/robust-loss.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';

/** An MLP 4-8-8-3 (float32), seeded. */
function mlp(): Sequential {
  return modelFromDescription({
    kind: 'Sequential',
    layers: [{ type: 'Linear', in: 4, out: 8, bias: true }, { type: 'ReLU' }, { type: 'Linear', in: 8, out: 8, bias: true }, { type: 'ReLU' }, { type: 'Linear', in: 8, out: 3, bias: true }],
  }, 5) as Sequential;
}

/** One ReLU z = w·x, f0 = relu(z) − 1, f1 = −relu(z): 1 → 1 → 2. */
function oneRelu(w: number, dtype: 'float32' | 'float64'): Sequential {
  const net = modelFromDescription({
    kind: 'Sequential',
    layers: [{ type: 'Linear', in: 1, out: 1, bias: false }, { type: 'ReLU' }, { type: 'Linear', in: 1, out: 2, bias: true }],
  }, 0).to(dtype) as Sequential;
  const [w1, w2, b2] = net.parameters();
  w1!.data[0] = w;
  w2!.data.set([1, -1]);
  b2!.data.set([-1, 0]);
  return net;
}

const X3 = Tensor.uniform([3, 4], new Rng(1), 0, 1);

for (const [layer, index] of [['first', 0], ['second', 2]] as const) {
  test(`case 1: an infinite weight in the ${layer} layer is an error naming the parameter (was: all certified)`, () => {
    const net = mlp();
    net.parameters()[index]!.data[3] = Infinity;
    const y = [0, 1, 2];
    assert.throws(() => certify(net, 0.01, X3, y), /weight.*(Inf|finite)/);
    assert.throws(() => robustLoss(net, 0.01, X3, y), /weight.*(Inf|finite)/);
  });
}

test('case 2: a NaN inside a box-limit tensor is an error naming it (was: label 0 certified although class 1 wins at x)', () => {
  // f0 = 0.1 − relu(x2), f1 = 0; x = (0.5, 0.5): f0 − f1 = −0.4 at x, so label 0 must not be certified.
  const net = modelFromDescription({
    kind: 'Sequential',
    layers: [{ type: 'Linear', in: 2, out: 1, bias: false }, { type: 'ReLU' }, { type: 'Linear', in: 1, out: 2, bias: true }],
  }, 0).to('float64') as Sequential;
  const [w1, w2, b2] = net.parameters();
  w1!.data.set([0, 1]);
  w2!.data.set([-1, 0]);
  b2!.data.set([0.1, 0]);
  const X = Tensor.from([[0.5, 0.5]], undefined, 'float64');
  const inputLower = Tensor.from([0, NaN], undefined, 'float64');
  assert.throws(() => certify(net, 0.1, X, [0], { bounded: true, inputLower }), /inputLower.*NaN/);
});

for (const [dtype, w] of [['float32', 3e38], ['float64', 1e308]] as const) {
  test(`case 3: overflow of u − l (${dtype}, w = ${w}) fails closed (was: label 1 certified)`, () => {
    const net = oneRelu(w, dtype);
    const X = Tensor.from([[0]], undefined, dtype);
    const { errors, logits } = certify(net, 1, X, [1]);
    assert.is(errors[0], 1, `label 1 loses at x' = 1, yet certified with logits ${Array.from(logits.data)}`);
    assert.is(robustLoss(net, 1, X, [1]).errors[0], 1);
  });
}

for (const method of ['ibp', 'crown', 'crown-ibp', 'alpha-crown'] as const) {
  test(`case 3 with method '${method}': the overflow fails closed in the unchecked bound too (was: label 1 certified by crown, crown-ibp, alpha-crown)`, () => {
    for (const [dtype, w] of [['float32', 3e38], ['float64', 1e308]] as const) {
      const net = oneRelu(w, dtype);
      const X = Tensor.from([[0]], undefined, dtype);
      assert.is(certify(net, 1, X, [1], { method, sound: false }).errors[0], 1, `${dtype}: certified by the unchecked bound`);
      assert.is(robustLoss(net, 1, X, [1], { method }).errors[0], 1);
      assert.is(certify(net, 1, X, [1], { method }).errors[0], 1);
    }
  });
}

test('case 5: empty batches [0, n] and K = 0 objectives give empty results (was: reshape error)', () => {
  const net = mlp();
  const empty = Tensor.zeros([0, 4]);
  const cert = certify(net, 0.01, empty, []);
  assert.equal(cert.logits.shape, [0, 3]);
  assert.is(cert.errors.length, 0);
  assert.is(cert.predictions.length, 0);
  const loss = robustLoss(net, 0.01, empty, [], { reduction: 'none' });
  assert.equal(loss.loss.shape, [0]);
  assert.is(loss.errors.length, 0);
});

test('case 5: certify leaves BatchNorm2d running statistics untouched (was: running_mean and num_batches_tracked moved)', () => {
  const net = modelFromDescription({
    kind: 'Sequential',
    layers: [{ type: 'Conv2d', in: 1, out: 2, kernel: 3, stride: 1, padding: 1, bias: true }, { type: 'BatchNorm2d', features: 2 }, { type: 'ReLU' }, { type: 'Flatten' },
      { type: 'Linear', in: 2 * 4 * 4, out: 3, bias: true }],
  }, 2) as Sequential;
  const before = [...net.stateDict()].map(([k, v]) => [k, Array.from(v.data)] as const);
  const X = Tensor.uniform([4, 1, 4, 4], new Rng(3), 0, 1);
  const cert = certify(net, 0.01, X, [0, 1, 2, 0]);
  const after = [...net.stateDict()].map(([k, v]) => [k, Array.from(v.data)] as const);
  assert.equal(after, before);
  // The clean predictions are those of the training-mode forward (batch statistics), without its side effect.
  const f = noGrad(() => net.forward(X));
  const expected = Array.from({ length: 4 }, (_, b) => [0, 1, 2].reduce((best, j) => (f.data[b * 3 + j]! > f.data[b * 3 + best]! ? j : best), 0));
  assert.equal(Array.from(cert.predictions), expected);
});

test.run();

// StepLR (lr₀·γ^⌊epoch/stepSize⌋) and clipGradNorm (scale by min(1, maxNorm/(N + 1e-6))).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SGD, StepLR, clipGradNorm } from '../../src/optim/index.js';
import { Tensor } from '../../src/tensor/tensor.js';

const param = (v: number[]): Tensor => Tensor.from(v, [v.length], 'float64').requireGrad();

test('StepLR halves the rate every 2 epochs; an explicit epoch jumps', () => {
  const opt = new SGD([param([0])], { lr: 1 });
  const sched = new StepLR(opt, 2, 0.5);
  const seen = [opt.lr];
  for (let e = 0; e < 5; e++) { sched.step(); seen.push(sched.getLastLr()); }
  assert.equal(seen, [1, 1, 0.5, 0.5, 0.25, 0.25]);
  sched.step(0);
  assert.is(opt.lr, 1);
  sched.step(7);
  assert.is(opt.lr, 0.125);
  assert.throws(() => new StepLR(opt, 0), /stepSize/);
});

test('clipGradNorm returns the joint 2-norm and scales gradients above maxNorm', () => {
  const a = param([0, 0]);
  const b = param([0]);
  const c = param([9]);
  a.grad = Tensor.from([3, 0], [2], 'float64');
  b.grad = Tensor.from([4], [1], 'float64');
  const original = a.grad;
  // N = √(9 + 16) = 5; c has no gradient and is ignored.
  assert.is(clipGradNorm([a, b, c], 10), 5);
  assert.ok(a.grad === original, 'below maxNorm: untouched');
  assert.is(clipGradNorm([a, b, c], 1), 5);
  const k = 1 / (5 + 1e-6);
  assert.equal(Array.from(a.grad!.data), [3 * k, 0]);
  assert.equal(Array.from(b.grad!.data), [4 * k]);
  assert.equal(Array.from(original.data), [3, 0], 'the old gradient tensor is not written');
  assert.is(c.grad, null);
  assert.throws(() => clipGradNorm([a], 0), /maxNorm/);
});

test.run();

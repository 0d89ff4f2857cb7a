// SGD against PyTorch's update written out by hand (torch.optim.SGD, dampening 0, nesterov off):
//   d ← g + λp;  b ← d (first step) or μb + d;  p ← p − lr·b  (p ← p − lr·d without momentum).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SGD } from '../../src/optim/index.js';
import { Tensor } from '../../src/tensor/tensor.js';

const param = (v: number[]): Tensor => Tensor.from(v, [v.length], 'float64').requireGrad();
const grad = (v: number[]): Tensor => Tensor.from(v, [v.length], 'float64');
const near = (a: number, b: number): void => assert.ok(Math.abs(a - b) <= 1e-14 * (1 + Math.abs(b)), `${a} vs ${b}`);

test('plain SGD: p ← p − lr·g', () => {
  const p = param([1, 2]);
  const opt = new SGD([p], { lr: 0.1 });
  p.grad = grad([0.5, -2]);
  opt.step();
  near(p.data[0]!, 0.95);
  near(p.data[1]!, 2.2);
});

test('three steps with momentum 0.9 and weight decay 0.01, by hand', () => {
  const p = param([1]);
  const opt = new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
  p.grad = grad([0.5]);
  opt.step();
  // d = 0.5 + 0.01·1 = 0.51; b = 0.51 (first step copies d); p = 1 − 0.051 = 0.949.
  near(p.data[0]!, 0.949);
  p.grad = grad([-1]);
  opt.step();
  // d = −1 + 0.00949 = −0.99051; b = 0.9·0.51 − 0.99051 = −0.53151; p = 0.949 + 0.053151.
  near(p.data[0]!, 1.002151);
  p.grad = grad([0]);
  opt.step();
  // d = 0.01·1.002151 = 0.01002151; b = 0.9·(−0.53151) + d = −0.46833749; p += 0.046833749.
  near(p.data[0]!, 1.002151 + 0.046833749);
});

test('the momentum buffer is not the gradient tensor (gradients are never written)', () => {
  const p = param([0]);
  const g = grad([1]);
  const opt = new SGD([p], { lr: 1, momentum: 0.5 });
  p.grad = g;
  opt.step();
  opt.step();
  assert.equal(Array.from(g.data), [1]);
  near(p.data[0]!, -(1 + 1.5));
});

test('bad options are rejected by name', () => {
  assert.throws(() => new SGD([param([1])], { lr: 0.1, momentum: -0.5 }), /momentum/);
  assert.throws(() => new SGD([param([1])], { lr: Number.NaN }), /lr/);
});

test.run();

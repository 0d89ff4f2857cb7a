// Adam against PyTorch's update written out by hand (torch.optim.Adam, amsgrad off):
//   g ← g + λp;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
//   p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, square, sub, sum } from '../../src/autograd/index.js';
import { Adam } from '../../src/optim/index.js';
import { Tensor } from '../../src/tensor/tensor.js';

const param = (v: number[]): Tensor => Tensor.from(v, [v.length], 'float64').requireGrad();
const grad = (v: number[]): Tensor => Tensor.from(v, [v.length], 'float64');
const near = (a: number, b: number, tol = 1e-14): void => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${a} vs ${b}`);

test('two steps of Adam(lr 0.1) on a scalar, by hand', () => {
  const p = param([1]);
  const opt = new Adam([p], { lr: 0.1 });
  p.grad = grad([0.5]);
  opt.step();
  // t = 1: m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025; m̂ = 0.05/0.1 = 0.5, √v/√(1−0.999) = 0.5.
  const p1 = 1 - (0.1 / 0.1) * 0.05 / (Math.sqrt(0.00025) / Math.sqrt(0.001) + 1e-8);
  near(p.data[0]!, p1);
  near(p1, 1 - 0.1 * 0.5 / (0.5 + 1e-8));
  p.grad = grad([-1]);
  opt.step();
  // t = 2: m = 0.9·0.05 + 0.1·(−1) = −0.055, v = 0.999·0.00025 + 0.001·1 = 0.00124975,
  // 1−β₁² = 0.19, 1−β₂² = 0.001999.
  const p2 = p1 - (0.1 / 0.19) * -0.055 / (Math.sqrt(0.00124975) / Math.sqrt(0.001999) + 1e-8);
  near(p.data[0]!, p2);
  assert.is(opt.stepCount(p), 2);
});

test('L2 weight decay is added to the gradient before the moments', () => {
  const p = param([2, -1]);
  const opt = new Adam([p], { lr: 0.01, betas: [0.8, 0.9], eps: 1e-3, weightDecay: 0.5 });
  p.grad = grad([0.1, 0]);
  opt.step();
  // g = [0.1 + 0.5·2, 0 + 0.5·(−1)] = [1.1, −0.5]; m = 0.2g, v = 0.1g²;
  // p −= 0.01/0.2 · 0.2g / (√(0.1g²)/√0.1 + 1e-3) = 0.01 · g / (|g| + 1e-3).
  near(p.data[0]!, 2 - 0.01 * 1.1 / (1.1 + 1e-3));
  near(p.data[1]!, -1 + 0.01 * 0.5 / (0.5 + 1e-3));
});

test('float32 parameters stay float32 and parameters without a gradient are skipped', () => {
  const a = Tensor.from([1, 2], [2]).requireGrad();
  const b = Tensor.from([3], [1]).requireGrad();
  const opt = new Adam([a, b], { lr: 0.5 });
  a.grad = Tensor.from([1, -1], [2]);
  opt.step();
  assert.instance(a.data, Float32Array);
  assert.equal(Array.from(a.data), [Math.fround(1 - 0.5 / (1 + 1e-8)), Math.fround(2 + 0.5 / (1 + 1e-8))]);
  assert.equal(Array.from(b.data), [3]);
  assert.is(opt.stepCount(b), 0);
});

test('Adam minimises a quadratic through the tape; the gradient tensors are not modified', () => {
  const p = param([5, -3, 0.5]);
  const target = grad([1, 2, 3]);
  const opt = new Adam([p], { lr: 0.05 });
  for (let i = 0; i < 600; i++) {
    opt.zeroGrad();
    backward(sum(square(sub(p, target))));
    const g = p.grad!;
    const before = Array.from(g.data);
    opt.step();
    assert.equal(Array.from(g.data), before);
  }
  p.data.forEach((v, i) => assert.ok(Math.abs(v - target.data[i]!) < 1e-2, `p[${i}] = ${v}`));
});

test('bad options are rejected by name', () => {
  assert.throws(() => new Adam([param([1])], { lr: -1 }), /lr/);
  assert.throws(() => new Adam([param([1])], { betas: [0.9, 1] }), /betas\[1\]/);
  assert.throws(() => new Adam([Tensor.from([1], [1])]), /does not require grad/);
  const p = param([1]);
  assert.throws(() => new Adam([p, p]), /appears twice/);
});

test.run();

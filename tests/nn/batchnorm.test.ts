// BatchNorm2d: batch statistics in train mode (biased variance in the output, unbiased in the
// running update, momentum 0.1), running statistics in eval mode, gradients, state-dict names.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, mul, sum } from '../../src/autograd/index.js';
import { BatchNorm2d } from '../../src/nn/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertAllClose, gradcheck } from '../helpers/gradcheck.js';

// x [2, 2, 1, 2]: channel 0 holds {1, 3, 5, 7}, channel 1 holds {0, 0, 0, 4}.
const x = (): Tensor => Tensor.from([[[[1, 3]], [[0, 0]]], [[[5, 7]], [[0, 4]]]], undefined, 'float64');

function bn64(): BatchNorm2d {
  const bn = new BatchNorm2d(2).to('float64');
  bn.weight.data.set([2, 1]);
  bn.bias.data.set([0, 1]);
  return bn;
}

test('train mode normalises with the batch mean and biased variance', () => {
  const bn = bn64();
  const y = bn.forward(x());
  // channel 0: mean 4, biased var (9+1+1+9)/4 = 5; channel 1: mean 1, biased var (1+1+1+9)/4 = 3.
  const s0 = Math.sqrt(5 + 1e-5);
  const s1 = Math.sqrt(3 + 1e-5);
  const expected = [
    2 * (1 - 4) / s0, 2 * (3 - 4) / s0, (0 - 1) / s1 + 1, (0 - 1) / s1 + 1,
    2 * (5 - 4) / s0, 2 * (7 - 4) / s0, (0 - 1) / s1 + 1, (4 - 1) / s1 + 1,
  ];
  assertAllClose(y.data, expected, 1e-12, 1e-12);
});

test('running stats: r ← 0.9 r + 0.1 s with the unbiased variance; num_batches_tracked counts', () => {
  const bn = bn64();
  bn.forward(x());
  // unbiased variances: 20/3 and 12/3 = 4.
  assertAllClose(bn.runningMean.data, [0.1 * 4, 0.1 * 1]);
  assertAllClose(bn.runningVar.data, [0.9 + 0.1 * 20 / 3, 0.9 + 0.1 * 4]);
  assert.is(bn.numBatchesTracked, 1);
  bn.forward(x());
  assertAllClose(bn.runningMean.data, [0.9 * 0.4 + 0.4, 0.9 * 0.1 + 0.1]);
  assertAllClose(bn.runningVar.data, [0.9 * (0.9 + 2 / 3) + 2 / 3, 0.9 * 1.3 + 0.4]);
  assert.is(bn.numBatchesTracked, 2);
});

test('eval mode uses the running statistics and leaves them unchanged', () => {
  const bn = bn64();
  bn.forward(x());
  bn.eval();
  const y = bn.forward(x());
  const [m0, m1] = [0.4, 0.1];
  const [v0, v1] = [0.9 + 2 / 3, 1.3];
  const xs = [1, 3, 0, 0, 5, 7, 0, 4];
  const expected = xs.map((v, i) => {
    const c = Math.floor(i / 2) % 2;
    return c === 0 ? (2 * (v - m0)) / Math.sqrt(v0 + 1e-5) : (v - m1) / Math.sqrt(v1 + 1e-5) + 1;
  });
  assertAllClose(y.data, expected, 1e-12, 1e-12);
  assertAllClose(bn.runningMean.data, [m0, m1]);
  assert.is(bn.numBatchesTracked, 1);
});

test('train-mode input gradient (through the batch mean and variance) matches central differences', () => {
  const bn = bn64();
  gradcheck((input) => bn.forward(input), [Tensor.randn([3, 2, 2, 2], new Rng(4), 0, 1, 'float64')], { atol: 1e-6, rtol: 1e-5 });
  bn.eval();
  gradcheck((input) => bn.forward(input), [Tensor.randn([3, 2, 2, 2], new Rng(5), 0, 1, 'float64')]);
});

test('parameter gradients: dβ_c = Σ w over channel c, dγ_c = Σ w · x̂ over channel c', () => {
  const bn = bn64();
  const w = Tensor.from([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 1, 2], 'float64');
  backward(sum(mul(bn.forward(x()), w)));
  assertAllClose(bn.bias.grad!.data, [1 + 2 + 5 + 6, 3 + 4 + 7 + 8]);
  const s0 = Math.sqrt(5 + 1e-5);
  const s1 = Math.sqrt(3 + 1e-5);
  assertAllClose(bn.weight.grad!.data, [(-3 * 1 - 1 * 2 + 1 * 5 + 3 * 6) / s0, (-1 * 3 - 1 * 4 - 1 * 7 + 3 * 8) / s1], 1e-12, 1e-9);
});

test('state dict names and defaults are PyTorch\'s', () => {
  const sd = new BatchNorm2d(3).stateDict();
  assert.equal([...sd.keys()], ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
  assert.equal(Array.from(sd.get('weight')!.data), [1, 1, 1]);
  assert.equal(Array.from(sd.get('running_var')!.data), [1, 1, 1]);
  assert.equal(sd.get('num_batches_tracked')!.shape, []);
  const bn = new BatchNorm2d(3);
  assert.is(bn.eps, 1e-5);
  assert.is(bn.momentum, 0.1);
});

test('bad input is rejected with the expected shape', () => {
  assert.throws(() => new BatchNorm2d(2).forward(Tensor.zeros([2, 3, 2, 2])), /\[B, 2, H, W\]/);
  assert.throws(() => new BatchNorm2d(2).forward(Tensor.zeros([1, 2, 1, 1])), /more than 1 value/);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, noGrad, sum } from '../../../src/autograd/index.js';
import { BatchNorm2d, Conv2d, Flatten, Linear, ReLU, Sequential } from '../../../src/nn/index.js';
import { DualBatchNorm2d } from '../../../src/relax/layers/batchnorm2d.js';
import { DualNetwork, type DualNetworkOptions } from '../../../src/relax/network.js';
import { exactnessViolation, FLOAT64_TOLERANCE } from '../../../src/relax/testing/properties.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';

const TOL = 1e-10;

/** Conv(2→3, k3, s2, p1) – BN(3) – ReLU – Conv(3→2, k2) – ReLU – Flatten – Linear(18→3), float64, random BN state. */
function bnNet(seed: number, convBias = true): { net: Sequential; conv: Conv2d; bn: BatchNorm2d } {
  const rng = new Rng(seed);
  const conv = new Conv2d(2, 3, 3, { rng, stride: 2, padding: 1, bias: convBias });
  const bn = new BatchNorm2d(3, { eps: 1e-3 });
  const conv2 = new Conv2d(3, 2, 2, { rng });
  const net = new Sequential(conv, bn, new ReLU(), conv2, new ReLU(), new Flatten(), new Linear(2 * 3 * 3, 3, { rng })).to('float64');
  const b = net.layers[1] as BatchNorm2d;
  for (let c = 0; c < 3; c++) {
    b.weight.data[c] = [1.3, -0.7, 0.4][c]!;
    b.bias.data[c] = rng.uniform(-0.5, 0.5);
    b.runningMean.data[c] = rng.uniform(-0.3, 0.3);
    b.runningVar.data[c] = rng.uniform(0.2, 2);
  }
  return { net, conv: net.layers[0] as Conv2d, bn: b };
}

/** The same network with BN folded into the preceding conv: W'_o = W_o·D_o, b'_o = D_o·b_o + s_o. */
function folded(net: Sequential, mu: ArrayLike<number>, variance: ArrayLike<number>): Sequential {
  const [conv, bn, ...rest] = net.layers as [Conv2d, BatchNorm2d, ...Sequential['layers']];
  const rng = new Rng(0);
  const fused = new Conv2d(conv.inChannels, conv.outChannels, conv.kernelSize, { rng, stride: conv.stride, padding: conv.padding }).to('float64');
  const perOut = conv.weight.size / conv.outChannels;
  for (let o = 0; o < conv.outChannels; o++) {
    const D = bn.weight.data[o]! / Math.sqrt(variance[o]! + bn.eps);
    for (let j = 0; j < perOut; j++) fused.weight.data[o * perOut + j] = conv.weight.data[o * perOut + j]! * D;
    fused.bias!.data[o] = (conv.bias ? conv.bias.data[o]! * D : 0) + bn.bias.data[o]! - D * mu[o]!;
  }
  return new Sequential(fused, ...rest);
}

/** Largest |a − b| over the ReLU bounds and J of two dual networks. */
function gap(a: DualNetwork, b: DualNetwork, c: Tensor): number {
  let worst = 0;
  const diff = (x: Tensor, y: Tensor): void => { for (let i = 0; i < x.size; i++) worst = Math.max(worst, Math.abs(x.data[i]! - y.data[i]!)); };
  a.reluBounds().forEach((r, i) => { diff(r.lower, b.reluBounds()[i]!.lower); diff(r.upper, b.reluBounds()[i]!.upper); });
  diff(a.objective(c), b.objective(c));
  return worst;
}

const X = Tensor.uniform([3, 2, 7, 7], new Rng(5), 0, 1, 'float64'); // (7 + 2 − 3) / 2: divisible; next conv 4 → 3
const c = Tensor.randn([3, 4, 3], new Rng(6), 0, 1, 'float64');
const settings: [string, DualNetworkOptions, number][] = [['l∞', {}, 0.1], ['box', { bounded: true }, 0.2], ['l2', { norm: 'l2' }, 0.5]];

for (const [name, options, eps] of settings) {
  test(`eval mode (${name}): bounds and J equal those of the network with BN folded into the conv (1e-10)`, () => {
    for (const convBias of [true, false]) {
      const { net, bn } = bnNet(1, convBias);
      net.eval();
      const plain = folded(net, bn.runningMean.data, bn.runningVar.data);
      noGrad(() => assert.ok(gap(new DualNetwork(net, X, eps, options), new DualNetwork(plain, X, eps, options), c) < TOL));
    }
  });
}

/** Per-channel mean and biased variance of the conv output over the batch (plain loops). */
function batchStats(conv: Conv2d): { mu: number[]; variance: number[] } {
  const out = noGrad(() => conv.forward(X));
  const [B, C, H, W] = out.shape as [number, number, number, number];
  const mu = Array.from({ length: C }, () => 0);
  const sq = Array.from({ length: C }, () => 0);
  for (let b = 0; b < B; b++) for (let ch = 0; ch < C; ch++) for (let p = 0; p < H * W; p++) mu[ch]! += out.data[(b * C + ch) * H * W + p]! / (B * H * W);
  for (let b = 0; b < B; b++) for (let ch = 0; ch < C; ch++) for (let p = 0; p < H * W; p++) sq[ch]! += (out.data[(b * C + ch) * H * W + p]! - mu[ch]!) ** 2 / (B * H * W);
  return { mu, variance: sq };
}

test('training mode: batch mean and biased variance of the layer input, equal to folding with those statistics; buffers untouched', () => {
  const { net, conv, bn } = bnNet(2);
  net.train();
  const before = [...bn.runningMean.data, ...bn.runningVar.data];
  const { mu, variance } = batchStats(conv);
  noGrad(() => assert.ok(gap(new DualNetwork(net, X, 0.1), new DualNetwork(folded(net, mu, variance), X, 0.1), c) < TOL));
  assert.equal([...bn.runningMean.data, ...bn.runningVar.data], before, 'the running statistics must not move');
  assert.is(bn.numBatchesTracked, 0);
});

test('training mode at ε = 0: the bounds are the activations of nn.BatchNorm2d in training mode', () => {
  const { net } = bnNet(3);
  net.train();
  assert.is(exactnessViolation(net, X, c, {}, FLOAT64_TOLERANCE), null);
});

test('training mode: the gradient of Σ J reaches the conv weights through μ and σ² (central differences)', () => {
  const { net, conv } = bnNet(4);
  net.train();
  backward(sum(new DualNetwork(net, X, 0.05).objective(c)));
  const analytic = conv.weight.grad!;
  const h = 1e-6;
  for (const j of [0, 7, 20, 41]) {
    const saved = conv.weight.data[j]!;
    const at = (v: number): number => { conv.weight.data[j] = v; return noGrad(() => sum(new DualNetwork(net, X, 0.05).objective(c)).item()); };
    const numeric = (at(saved + h) - at(saved - h)) / (2 * h);
    conv.weight.data[j] = saved;
    assert.ok(Math.abs(numeric - analytic.data[j]!) < 1e-5 * (1 + Math.abs(numeric)), `weight ${j}: numeric ${numeric}, analytic ${analytic.data[j]}`);
  }
});

test('backward rows through BatchNorm (rowBounds of its shift) give the forward-column bounds (1e-12)', () => {
  const { net, bn } = bnNet(11);
  net.eval();
  // Without rowBounds the network would silently bound forwards and this test would prove nothing.
  assert.type(DualBatchNorm2d.fromLayer(bn, [3, 4, 4]).rowBounds, 'function');
  const X = Tensor.uniform([2, 2, 7, 7], new Rng(12), 0, 1, 'float64');
  const forward = new DualNetwork(net, X, 0.1, { boundDirection: 'forward' }).reluBounds();
  const backwardRows = new DualNetwork(net, X, 0.1, { boundDirection: 'backward' }).reluBounds();
  forward.forEach(({ lower, upper }, i) => {
    for (let k = 0; k < lower.size; k++) {
      assert.ok(Math.abs(lower.data[k]! - backwardRows[i]!.lower.data[k]!) < 1e-12, `lower ${i}:${k}`);
      assert.ok(Math.abs(upper.data[k]! - backwardRows[i]!.upper.data[k]!) < 1e-12, `upper ${i}:${k}`);
    }
  });
});

test('errors name the argument: shape mismatch, training mode without a batch, one value per channel', () => {
  const bn = new BatchNorm2d(3).to('float64');
  assert.throws(() => DualBatchNorm2d.fromLayer(bn.eval(), [2, 4, 4]), /input shape must be \[3, H, W\]/);
  assert.throws(() => DualBatchNorm2d.fromLayer(bn.train(), [3, 4, 4]), /training mode needs the batch/);
  assert.throws(() => DualBatchNorm2d.fromLayer(bn.train(), [3, 1, 1], Tensor.zeros([1, 3, 1, 1], 'float64')), /more than 1 value per channel/);
  assert.throws(() => new DualBatchNorm2d(Tensor.ones([2], 'float64'), Tensor.ones([3], 'float64'), [3, 2, 2]), /scale must be \[3\]/);
});

test.run();

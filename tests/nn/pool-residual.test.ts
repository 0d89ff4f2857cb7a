// The layers of the auto_LiRPA references: MaxPool2d, AvgPool2d, HardTanh, Residual (and its
// DenseSequential form), with their descriptions and state-dict names.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AvgPool2d, BatchNorm2d, Conv2d, Dense, DenseSequential, describeModel, expandResiduals, Flatten, HardTanh, Linear, MaxPool2d,
  modelFromDescription, ReLU, Residual, Sequential,
} from '../../src/nn/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertAllClose, gradcheck, randn64 } from '../helpers/gradcheck.js';

test('HardTanh: clamp to [min, max], gradient 1 inside and 0 outside; bad levels rejected', () => {
  const h = new HardTanh(-0.5, 2);
  assert.equal(Array.from(h.forward(Tensor.from([-3, -0.2, 1, 5], undefined, 'float64')).data), [-0.5, -0.2, 1, 2]);
  gradcheck((x) => h.forward(x), [Tensor.from([-3, -0.2, 1, 5, 0.7, -0.9], undefined, 'float64')], { name: 'HardTanh' });
  assert.equal(Array.from(new HardTanh().forward(Tensor.from([-2, 0.3, 2])).data).map((v) => Math.round(v * 10) / 10), [-1, 0.3, 1]);
  assert.throws(() => new HardTanh(1, 1), /HardTanh: minVal and maxVal must be finite with minVal < maxVal, got 1, 1/);
  assert.throws(() => new HardTanh(Number.NaN), /HardTanh/);
});

test('MaxPool2d / AvgPool2d: PyTorch output shapes, default stride = kernel, no parameters', () => {
  const x = Tensor.from(Array.from({ length: 2 * 3 * 8 * 8 }, (_, i) => Math.sin(i)), [2, 3, 8, 8]);
  assert.equal(new MaxPool2d(2).forward(x).shape, [2, 3, 4, 4]);
  assert.equal(new AvgPool2d(3, { stride: 2, padding: 1 }).forward(x).shape, [2, 3, 4, 4]);
  assert.equal(new AvgPool2d(3, { stride: 2, padding: 1 }).outputShape([3, 8, 8]), [3, 4, 4]);
  assert.equal(new MaxPool2d(2).namedParameters(), []);
  assert.throws(() => new MaxPool2d(2, { padding: 2 }), /MaxPool2d: padding must be integers in \[0, kernel\/2\]/);
  assert.throws(() => new AvgPool2d(0), /AvgPool2d: kernel must be integers >= 1/);
});

test('Residual: conv_b(relu(conv_a(x))) + skip(x), state-dict names, and its Dense form gives the same output', () => {
  const block = new Residual(3, 1, { rng: new Rng(1) }).to('float64');
  assert.equal(block.namedParameters().map(([n]) => n), ['conv_a.weight', 'conv_a.bias', 'conv_b.weight', 'conv_b.bias', 'skip.weight', 'skip.bias']);
  const x = randn64([2, 3, 5, 5], new Rng(2));
  const y = block.forward(x);
  const byHand = block.convB.forward(new ReLU().forward(block.convA.forward(x)));
  const skip = block.skip.forward(x);
  assertAllClose(y.data, byHand.data.map((v, i) => v + skip.data[i]!), 1e-12, 1e-12, 'Residual forward');
  assertAllClose(new DenseSequential(...block.asDense()).forward(x).data, y.data, 1e-12, 1e-12, 'asDense');
  gradcheck((xi) => block.forward(xi), [x], { name: 'Residual' });
  assert.throws(() => new Residual(3, 2, { rng: new Rng(0) }), /Residual: skipKernel must be odd/);
});

test('expandResiduals: same function and shared parameters; Dense layers across a block still read the same outputs', () => {
  const rng = new Rng(3);
  const seq = new Sequential(new Conv2d(1, 2, 3, { rng, padding: 1 }), new ReLU(), new Residual(2, 3, { rng }), new ReLU(), new Flatten(), new Linear(32, 3, { rng })).to('float64');
  const x = randn64([2, 1, 4, 4], new Rng(4));
  const expanded = expandResiduals(seq);
  assert.is(expanded.kind, 'denseSequential');
  assert.is(expanded.layers.length, seq.layers.length + 2);
  assertAllClose(expanded.forward(x).data, seq.forward(x).data, 1e-12, 1e-12, 'Sequential');
  assert.ok(expanded.parameters().every((p) => seq.parameters().includes(p)));
  // A DenseSequential whose last Dense reads the network input (4 outputs back) across the block.
  const skipAll = new Conv2d(1, 2, 1, { rng });
  const dense = new DenseSequential(new Conv2d(1, 2, 3, { rng, padding: 1 }), new Residual(2, 1, { rng }), new ReLU(), new Dense(skipAll, null, null, new Conv2d(2, 2, 1, { rng }))).to('float64');
  const flat = expandResiduals(dense);
  assert.is(flat.layers.length, 6);
  assertAllClose(flat.forward(x).data, dense.forward(x).data, 1e-12, 1e-12, 'DenseSequential');
  const plain = new Sequential(new ReLU());
  assert.is(expandResiduals(plain), plain);
});

test('descriptions: the new layers round-trip; BatchNorm2d mode "eval" builds an evaluation-mode layer', () => {
  const description = {
    kind: 'Sequential',
    layers: [
      { type: 'Conv2d', in: 1, out: 2, kernel: 3, stride: 1, padding: 1, bias: true },
      { type: 'BatchNorm2d', features: 2, eps: 1e-5, mode: 'eval' },
      { type: 'HardTanh', minVal: -1, maxVal: 1 },
      { type: 'MaxPool2d', kernel: 2, stride: 2, padding: 0 },
      { type: 'Residual', channels: 2, skip_kernel: 1, doc: 'ignored' },
      { type: 'AvgPool2d', kernel: 2, stride: 1, padding: 1 },
      { type: 'Flatten' },
      { type: 'Linear', in: 18, out: 2, bias: true },
    ],
  };
  const net = modelFromDescription(description);
  assert.ok(net.layers[1] instanceof BatchNorm2d && !net.layers[1].training);
  assert.equal(net.forward(Tensor.zeros([1, 1, 4, 4])).shape, [1, 2]);
  const again = describeModel(net);
  assert.equal(describeModel(modelFromDescription(again)), again);
  assert.equal(again.layers[4], { type: 'Residual', channels: 2, skip_kernel: 1, bias: true });
  assert.ok(net.stateDict().has('4.skip.bias'));
  assert.throws(() => modelFromDescription({ kind: 'Sequential', layers: [{ type: 'MaxPool2d', kernel: 2, stride: 2 }] }), /model\.layers\[0\]\.padding must be a non-negative integer/);
  assert.throws(() => modelFromDescription({ kind: 'Sequential', layers: [{ type: 'BatchNorm2d', features: 2, mode: 'test' }] }), /model\.layers\[0\]\.mode must be "eval" or "train"/);
  assert.throws(() => modelFromDescription({ kind: 'Sequential', layers: [{ type: 'Pool' }] }), /is not one of .*MaxPool2d, AvgPool2d, Residual/);
});

test.run();

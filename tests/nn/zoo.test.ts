// The original's named architectures (examples/problems.py): parameter names/shapes and
// forward shapes on inputs of the right size.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { noGrad } from '../../src/autograd/index.js';
import type { Module } from '../../src/nn/index.js';
import * as zoo from '../../src/nn/zoo.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

const shapes = (m: Module): string[] => m.namedParameters().map(([n, t]) => `${n}:${t.shape.join('x')}`);
const outShape = (m: Module, input: number[]): readonly number[] =>
  noGrad(() => m.forward(Tensor.uniform(input, new Rng(0)))).shape;

test('mnist_model matches the PyTorch state-dict layout', () => {
  const m = zoo.mnistModel(0);
  assert.equal(shapes(m), ['0.weight:16x1x4x4', '0.bias:16', '2.weight:32x16x4x4', '2.bias:32',
    '5.weight:100x1568', '5.bias:100', '7.weight:10x100', '7.bias:10']);
  assert.equal(outShape(m, [2, 1, 28, 28]), [2, 10]);
});

test('mnist_500, wide(k), deep(k), large', () => {
  assert.equal(shapes(zoo.mnist500(0)), ['1.weight:500x784', '1.bias:500', '3.weight:10x500', '3.bias:10']);
  const wide = zoo.mnistModelWide(2, 0);
  assert.equal(shapes(wide).filter((s) => s.includes('weight')), ['0.weight:8x1x4x4', '2.weight:16x8x4x4', '5.weight:256x784', '7.weight:10x256']);
  assert.equal(outShape(wide, [1, 1, 28, 28]), [1, 10]);
  const deep1 = zoo.mnistModelDeep(1, 0);
  assert.equal(shapes(deep1).filter((s) => s.includes('weight')), ['0.weight:8x1x4x4', '2.weight:16x8x4x4', '5.weight:100x784', '7.weight:10x100']);
  const deep3 = zoo.mnistModelDeep(3, 0);
  assert.equal(shapes(deep3).filter((s) => s.includes('weight')), ['0.weight:8x1x3x3', '2.weight:8x8x3x3', '4.weight:8x8x4x4',
    '6.weight:16x8x3x3', '8.weight:16x16x3x3', '10.weight:16x16x4x4', '13.weight:100x784', '15.weight:10x100']);
  assert.equal(outShape(deep3, [1, 1, 28, 28]), [1, 10]);
  const large = zoo.mnistModelLarge(0);
  assert.equal(shapes(large).filter((s) => s.includes('weight')), ['0.weight:32x1x3x3', '2.weight:32x32x4x4', '4.weight:64x32x3x3',
    '6.weight:64x64x4x4', '9.weight:512x3136', '11.weight:512x512', '13.weight:10x512']);
  assert.equal(outShape(large, [1, 1, 28, 28]), [1, 10]);
});

test('HAR models, including the resnet with Dense(Identity, None, Linear)', () => {
  assert.equal(shapes(zoo.har500Model(0)), ['0.weight:500x561', '0.bias:500', '2.weight:6x500', '2.bias:6']);
  assert.equal(outShape(zoo.har500250Model(0), [3, 561]), [3, 6]);
  assert.equal(outShape(zoo.har500250100Model(0), [3, 561]), [3, 6]);
  const res = zoo.harResnetModel(0);
  assert.equal(shapes(res), ['0.Ws.0.weight:561x561', '0.Ws.0.bias:561', '2.Ws.2.weight:561x561', '2.Ws.2.bias:561', '4.weight:6x561', '4.bias:6']);
  assert.equal(outShape(res, [2, 561]), [2, 6]);
});

test('CIFAR models: shapes, and He-initialised convolutions where the original re-initialises', () => {
  const small = zoo.cifarModel(0);
  assert.equal(outShape(small, [1, 3, 32, 32]), [1, 10]);
  const conv0 = small.namedParameters();
  const w = conv0.find(([n]) => n === '2.weight')![1];
  let sumSq = 0;
  for (const v of w.data) sumSq += v * v;
  const std = Math.sqrt(sumSq / w.size);
  const target = Math.sqrt(2 / (4 * 4 * 32));
  assert.ok(Math.abs(std - target) < 0.1 * target, `std ${std} vs ${target}`);
  assert.ok(conv0.find(([n]) => n === '2.bias')![1].data.every((v) => v === 0));
  assert.ok(conv0.find(([n]) => n === '5.bias')![1].data.some((v) => v !== 0), 'Linear layers keep the default init');
  assert.equal(outShape(zoo.cifarModelLarge(0), [1, 3, 32, 32]), [1, 10]);
  const resnet = zoo.cifarModelResnet(1, 1, 0);
  assert.is(resnet.layers.length, 2 + 4 * 4 + 4);
  assert.equal(shapes(resnet).slice(0, 8), ['0.weight:16x3x3x3', '0.bias:16', '2.Ws.0.weight:16x16x3x3', '2.Ws.0.bias:16',
    '4.Ws.0.weight:16x16x1x1', '4.Ws.0.bias:16', '4.Ws.2.weight:16x16x3x3', '4.Ws.2.bias:16']);
  assert.ok(resnet.namedParameters().filter(([n, t]) => n.endsWith('bias') && t.size === 16).every(([, t]) => t.data.every((v) => v === 0)));
  assert.equal(outShape(resnet, [1, 3, 32, 32]), [1, 10]);
});

test('factories are reproducible from the seed', () => {
  const a = zoo.mnistModel(3).stateDict().get('5.weight')!.data;
  const b = zoo.mnistModel(3).stateDict().get('5.weight')!.data;
  const c = zoo.mnistModel(4).stateDict().get('5.weight')!.data;
  assert.equal(Array.from(a.slice(0, 20)), Array.from(b.slice(0, 20)));
  assert.not.equal(Array.from(a.slice(0, 20)), Array.from(c.slice(0, 20)));
});

test.run();

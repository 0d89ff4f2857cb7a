// Module basics: PyTorch names and order, state-dict round trip and load errors, train/eval,
// zeroGrad, dtype conversion.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, sum } from '../../src/autograd/index.js';
import {
  BatchNorm2d, Conv2d, Dense, DenseSequential, Flatten, Identity, Linear, ReLU, Sequential, type StateDictEntry,
} from '../../src/nn/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

const rng = (): Rng => new Rng(7);

function convNet(seed = 1): Sequential {
  const r = new Rng(seed);
  return new Sequential(new Conv2d(1, 2, 3, { rng: r, padding: 1 }), new BatchNorm2d(2), new ReLU(), new Flatten(),
    new Linear(2 * 4 * 4, 3, { rng: r }));
}

test('parameter names and order follow PyTorch (own first, then children by index)', () => {
  const names = convNet().namedParameters().map(([n, t]) => `${n}:${t.shape.join('x')}`);
  assert.equal(names, ['0.weight:2x1x3x3', '0.bias:2', '1.weight:2', '1.bias:2', '4.weight:3x32', '4.bias:3']);
  assert.ok(convNet().parameters().every((p) => p.requiresGrad));
});

test('state dict holds parameters then buffers per module, in PyTorch order', () => {
  assert.equal([...convNet().stateDict().keys()], [
    '0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked', '4.weight', '4.bias',
  ]);
});

test('Dense sub-layers are named Ws.<j>; null and Identity entries add no keys', () => {
  const r = rng();
  const net = new DenseSequential(new Dense(new Linear(4, 4, { rng: r })), new ReLU(),
    new Dense(new Identity(), null, new Linear(4, 4, { rng: r, bias: false })), new ReLU(), new Linear(4, 2, { rng: r }));
  assert.equal([...net.stateDict().keys()], ['0.Ws.0.weight', '0.Ws.0.bias', '2.Ws.2.weight', '4.weight', '4.bias']);
});

test('stateDict → loadStateDict round trip copies every value; the copy is independent', () => {
  const a = convNet(1);
  const b = convNet(2);
  assert.not.equal(a.stateDict().get('0.weight')!.data, b.stateDict().get('0.weight')!.data);
  const saved = a.stateDict();
  b.loadStateDict(saved);
  for (const [k, v] of b.stateDict()) assert.equal(Array.from(v.data), Array.from(saved.get(k)!.data), k);
  saved.get('0.weight')!.data[0] = 123;
  assert.is.not(a.stateDict().get('0.weight')!.data[0], 123);
});

test('loadStateDict keeps the parameter tensors (optimizers stay valid) and converts float64 input', () => {
  const net = new Linear(2, 1, { rng: rng() });
  const weight = net.weight;
  const source = new Map<string, StateDictEntry>([
    ['weight', { shape: [1, 2], data: Float64Array.from([0.25, -0.5]) }],
    ['bias', { shape: [1], data: Float64Array.from([2]) }],
  ]);
  net.loadStateDict(source);
  assert.ok(net.weight === weight);
  assert.instance(net.weight.data, Float32Array);
  assert.equal(Array.from(net.weight.data), [0.25, -0.5]);
  assert.equal(Array.from(net.forward(Tensor.from([[4, 2]])).data), [2 + 1 - 1]);
});

function throwsWith(fn: () => unknown, ...parts: string[]): void {
  try {
    fn();
  } catch (e) {
    const message = (e as Error).message;
    for (const p of parts) assert.ok(message.includes(p), `expected "${p}" in: ${message}`);
    return;
  }
  assert.unreachable('expected an error');
}

test('loadStateDict errors name missing keys, unexpected keys and both shapes of a mismatch', () => {
  const net = convNet();
  const sd = net.stateDict();
  sd.delete('4.bias');
  throwsWith(() => net.loadStateDict(sd), "missing key '4.bias'", '[3]');
  const extra = net.stateDict().set('5.weight', { shape: [1], data: new Float32Array(1) });
  throwsWith(() => net.loadStateDict(extra), "unexpected key '5.weight'");
  const wrong = net.stateDict().set('4.weight', { shape: [3, 31], data: new Float32Array(93) });
  throwsWith(() => net.loadStateDict(wrong), "'4.weight'", '[3, 31]', '[3, 32]');
});

test('non-strict loading skips missing/unexpected keys but still rejects shape mismatches; errors write nothing', () => {
  const net = convNet(1);
  const before = net.stateDict();
  const partial = new Map<string, StateDictEntry>([
    ['4.bias', { shape: [3], data: Float32Array.from([1, 2, 3]) }],
    ['extra', { shape: [1], data: new Float32Array(1) }],
  ]);
  net.loadStateDict(partial, { strict: false });
  assert.equal(Array.from(net.stateDict().get('4.bias')!.data), [1, 2, 3]);
  assert.equal(Array.from(net.stateDict().get('0.weight')!.data), Array.from(before.get('0.weight')!.data));
  const bad = new Map<string, StateDictEntry>([
    ['4.bias', { shape: [3], data: Float32Array.from([7, 7, 7]) }],
    ['0.weight', { shape: [2, 1, 3], data: new Float32Array(6) }],
  ]);
  throwsWith(() => net.loadStateDict(bad, { strict: false }), "'0.weight'", '[2, 1, 3]', '[2, 1, 3, 3]');
  assert.equal(Array.from(net.stateDict().get('4.bias')!.data), [1, 2, 3]);
});

test('train()/eval() set the flag on every sub-module', () => {
  const net = convNet();
  assert.ok(net.training && net.layers[1]!.training);
  net.eval();
  assert.ok(net.layers.every((l) => !l.training));
  net.train();
  assert.ok(net.layers.every((l) => l.training));
});

test('zeroGrad drops the gradients that backward accumulated', () => {
  const net = new Linear(3, 2, { rng: rng() });
  backward(sum(net.forward(Tensor.ones([4, 3]))));
  assert.ok(net.weight.grad !== null && net.bias!.grad !== null);
  assert.equal(Array.from(net.bias!.grad!.data), [4, 4]);
  net.zeroGrad();
  assert.ok(net.weight.grad === null && net.bias!.grad === null);
});

test('to(float64) converts parameters and running stats, keeps values and requiresGrad', () => {
  const net = convNet();
  const before = net.stateDict();
  net.to('float64');
  assert.is(net.dtype, 'float64');
  for (const [name, t] of [...net.namedParameters(), ...net.namedBuffers()]) {
    assert.instance(t.data, Float64Array, name);
    assert.equal(Array.from(t.data), Array.from(before.get(name)!.data), name);
  }
  assert.ok(net.parameters().every((p) => p.requiresGrad));
  const y = net.forward(Tensor.ones([2, 1, 4, 4], 'float64'));
  assert.equal(y.shape, [2, 3]);
  assert.is(y.dtype, 'float64');
});

test('a layer used twice contributes its parameters once, under the first name', () => {
  const shared = new Linear(2, 2, { rng: rng() });
  const net = new Sequential(shared, new ReLU(), shared);
  assert.equal(net.namedParameters().map(([n]) => n), ['0.weight', '0.bias']);
  assert.equal([...net.stateDict().keys()], ['0.weight', '0.bias', '2.weight', '2.bias']);
});

test.run();

// The pretrained models in ../shared/models (legacy-format torch checkpoints, float32, saved from
// CUDA). Checksums were cross-checked with an independent Python (numpy) reader. Runs only
// when ../shared exists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadCascadeStateDicts, loadStateDict, loadTorchCheckpoint, type TorchTensor,
} from '../../src/io/torch.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const modelDir = resolve(repoRoot, '..', 'shared', 'models');

/** The conv net of mnist.pth / fashion_mnist.pth / each cascade stage. */
const MNIST_SHAPES: [string, number[]][] = [
  ['0.weight', [16, 1, 4, 4]], ['0.bias', [16]], ['2.weight', [32, 16, 4, 4]], ['2.bias', [32]],
  ['5.weight', [100, 1568]], ['5.bias', [100]], ['7.weight', [10, 100]], ['7.bias', [10]],
];
const HAR_SHAPES: [string, number[]][] = [
  ['0.weight', [500, 561]], ['0.bias', [500]], ['2.weight', [6, 500]], ['2.bias', [6]],
];

function checkShapes(sd: Map<string, TorchTensor>, shapes: [string, number[]][]): void {
  assert.equal([...sd].map(([k, t]) => [k, t.shape]), shapes);
  for (const t of sd.values()) {
    assert.is(t.dtype, 'float32');
    assert.instance(t.data, Float32Array);
    assert.ok(t.data.every(Number.isFinite));
  }
}
function sum(t: TorchTensor): number {
  let s = 0;
  for (const x of t.data) s += x;
  return s;
}

function registerModelTests(): void {
  test('mnist.pth and fashion_mnist.pth: conv net state dicts', () => {
    const mnist = loadStateDict(join(modelDir, 'mnist.pth'));
    checkShapes(mnist, MNIST_SHAPES);
    checkShapes(loadStateDict(join(modelDir, 'fashion_mnist.pth')), MNIST_SHAPES);
    assert.is(mnist.get('0.weight')!.data[0], Math.fround(0.0007662129937671125));
    assert.ok(Math.abs(sum(mnist.get('5.weight')!) - 52.241858220892865) < 1e-9);
    assert.ok(Math.abs(sum(mnist.get('2.weight')!) - -27.554037269307088) < 1e-9);
  });

  test('har.pth: Linear(561, 500) - ReLU - Linear(500, 6)', () => {
    const har = loadStateDict(join(modelDir, 'har.pth'));
    checkShapes(har, HAR_SHAPES);
    assert.ok(Math.abs(sum(har.get('0.weight')!) - -171.93599388764545) < 1e-9);
  });

  test('mnist_small_0_3_cascade.pth: 3 stages, err 0.3364, epoch 22, sampler indices', () => {
    const path = join(modelDir, 'mnist_small_0_3_cascade.pth');
    const stages = loadCascadeStateDicts(path);
    assert.is(stages.length, 3);
    for (const sd of stages) checkShapes(sd, MNIST_SHAPES);
    const all = loadTorchCheckpoint(path) as Map<string, unknown>;
    assert.equal([...all.keys()], ['state_dict', 'err', 'epoch', 'sampler_indices']);
    assert.is(all.get('err'), 0.3364);
    assert.is(all.get('epoch'), 22);
    const indices = all.get('sampler_indices') as TorchTensor[];
    assert.equal(indices.map((t) => [t.dtype, t.shape]), [['int64', [26058]], ['int64', [7978]]]);
    assert.is(sum(indices[0]!), 782613850);
    assert.is(sum(indices[1]!), 240211062);
    assert.throws(() => loadStateDict(path), /cascade of 3 state dicts; use loadCascadeStateDicts/);
  });
}

if (existsSync(modelDir)) registerModelTests();
else console.log(`tests/io/models: not checking the pretrained models: ${modelDir} does not exist`);

test.run();

// One epoch of each training method equals the update written out by hand (full-batch, so the
// shuffle does not matter): baseline CE, robust CE of the dual bound, CE at the train_madry PGD
// points; with gradient clipping; and evaluate()'s robust error is the certified error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, crossEntropy } from '../../src/autograd/index.js';
import { pgd } from '../../src/attack/index.js';
import { Adam, clipGradNorm } from '../../src/optim/index.js';
import { certify, robustLoss } from '../../src/relax/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { robustObjective } from '../../src/train/objective.js';
import { evaluate, MADRY_TRAINING_ATTACK, trainEpoch, type TrainMethod } from '../../src/train/trainer.js';
import { blobs, mlp } from './helpers.js';

const ds = blobs(16, 3, 3, 21);
const X = new Tensor(ds.images, [16, 3]);
const EPS = 0.05;

function manualStep(method: TrainMethod, clip?: number): Float32Array[] {
  const net = mlp(3, [6], 3, 4);
  const opt = new Adam(net.parameters(), { lr: 0.01 });
  const input = method === 'madry' ? pgd(net, X, ds.labels, EPS, MADRY_TRAINING_ATTACK).adversarial : X;
  const loss = method === 'robust' ? robustLoss(net, EPS, X, ds.labels, { bounded: true }).loss : crossEntropy(net.forward(input), ds.labels);
  opt.zeroGrad();
  backward(loss);
  if (clip !== undefined) clipGradNorm(net.parameters(), clip);
  opt.step();
  return net.parameters().map((p) => p.data as Float32Array);
}

function epochStep(method: TrainMethod, clip?: number): Float32Array[] {
  const net = mlp(3, [6], 3, 4);
  const summary = trainEpoch(net, ds, { method, epoch: 0, epsilon: EPS, batchSize: 16, optimizer: new Adam(net.parameters(), { lr: 0.01 }), rng: new Rng(1), robust: robustObjective({ bounded: true }), clipGrad: clip });
  assert.is(summary.batches.length, 1);
  if (method === 'robust') assert.ok(summary.robustLoss !== undefined && summary.robustError !== undefined);
  if (method === 'madry') assert.ok(summary.pgdError !== undefined);
  return net.parameters().map((p) => p.data as Float32Array);
}

function close(a: Float32Array[], b: Float32Array[]): void {
  a.forEach((pa, i) => pa.forEach((v, j) => assert.ok(Math.abs(v - b[i]![j]!) <= 1e-5, `parameter ${i}[${j}]: ${v} vs ${b[i]![j]}`)));
}

for (const method of ['baseline', 'robust', 'madry'] as const) {
  test(`${method}: one full-batch epoch is one hand-written Adam step on its loss`, () => close(epochStep(method), manualStep(method)));
}

test('gradient clipping is applied before the step', () => {
  const clipped = epochStep('robust', 1e-3);
  close(clipped, manualStep('robust', 1e-3));
  const unclipped = manualStep('robust');
  assert.ok(clipped.some((p, i) => p.some((v, j) => Math.abs(v - unclipped[i]![j]!) > 1e-6)), 'clipping changed the update');
});

test('evaluate: robust error is the certified error of the exact bound, clean error the argmax error', () => {
  const net = mlp(3, [6], 3, 4).eval();
  const summary = evaluate(net, ds, { method: 'robust', epoch: 0, epsilon: EPS, batchSize: 5, robust: robustObjective({ bounded: true }) });
  const c = certify(net, EPS, X, ds.labels, { bounded: true });
  assert.ok(Math.abs(summary.robustError! - c.errors.reduce((a, e) => a + e, 0) / 16) < 1e-12);
  assert.ok(Math.abs(summary.error - c.cleanErrors.reduce((a, e) => a + e, 0) / 16) < 1e-12);
  assert.throws(() => evaluate(net, ds, { method: 'robust', epoch: 0, epsilon: EPS, batchSize: 5 }), /needs options.robust/);
});

test.run();

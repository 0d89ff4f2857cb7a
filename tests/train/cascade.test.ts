// Cascade bookkeeping: which stage takes an example, the cascade's prediction, robust / clean
// error flags and the next stage's training set, on hand-made stages whose certificates are known
// exactly, against a one-example-at-a-time transcription of the original robust_loss_cascade on
// random ReLU stages, and a tiny end-to-end cascade training with its one-file checkpoint.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { argmax, noGrad } from '../../src/autograd/index.js';
import type { Dataset } from '../../src/data/dataset.js';
import { Linear, Sequential } from '../../src/nn/index.js';
import { certify } from '../../src/relax/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { certifyCascade, evaluateCascade, takeRows, uncertifiedIndices, type Cascade } from '../../src/train/cascade.js';
import { loadCascade, trainCascade } from '../../src/train/cascade-train.js';
import { blobs, mlp } from './helpers.js';

/** A linear 2-class model whose logit difference f1 − f0 is `x[axis] − 0.5` (its bound is exact). */
function threshold(axis: number): Sequential {
  const net = new Sequential(new Linear(2, 2, { rng: new Rng(0) }));
  const w = new Float32Array(4);
  w[2 + axis] = 1;
  net.loadStateDict(new Map([['0.weight', { shape: [2, 2], data: w }], ['0.bias', { shape: [2], data: Float32Array.from([0, -0.5]) }]]));
  return net.eval();
}

test('hand-made two-stage cascade at ε = 0.1: stage taken, prediction, robust / clean errors, next training set', () => {
  const points = [[0.9, 0.5], [0.9, 0.5], [0.55, 0.9], [0.55, 0.9], [0.55, 0.55], [0.45, 0.2]];
  const y = Int32Array.from([1, 0, 1, 0, 1, 0]);
  const X = new Tensor(Float32Array.from(points.flat()), [6, 2]);
  const r = certifyCascade([threshold(0), threshold(1)], 0.1, X, y);
  // (0.9,·): |x0 − 0.5| > ε, stage 0 certifies class 1 and takes it; a certified wrong class is a robust error.
  // (0.55,·) and (0.45,·): stage 0 cannot certify (|x0 − 0.5| ≤ ε), so stage 1 (x1 − 0.5) takes them.
  assert.equal(Array.from(r.stage), [0, 0, 1, 1, 1, 1]);
  assert.equal(Array.from(r.predictions), [1, 1, 1, 1, 1, 0]);
  assert.equal(Array.from(r.certified), [1, 1, 1, 1, 0, 1]);
  assert.equal(Array.from(r.cleanErrors), [0, 1, 0, 1, 0, 0]);
  assert.equal(Array.from(r.errors), [0, 1, 0, 1, 1, 0]);
  const ds: Dataset = { images: X.data as Float32Array, labels: y, n: 6, shape: [2], classes: 2 };
  assert.equal(uncertifiedIndices([threshold(0), threshold(1)], ds, 0.1, {}, 4), [4]);
  const e = evaluateCascade([threshold(0), threshold(1)], ds, 0.1, {}, 4);
  assert.equal([e.robustError, e.cleanError], [3 / 6, 2 / 6]);
  assert.equal([e.takenByStage, e.certifiedByStage], [[2, 4], [2, 3]]);
});

test('a one-stage cascade is the plain certificate', () => {
  const ds = blobs(20, 3, 3, 4);
  const net = mlp(3, [6], 3, 1).eval();
  const X = new Tensor(ds.images, [20, 3]);
  const r = certifyCascade([net], 0.05, X, ds.labels);
  const plain = certify(net, 0.05, X, ds.labels);
  assert.equal(Array.from(r.errors), Array.from(plain.errors));
  assert.equal(Array.from(r.cleanErrors), Array.from(plain.cleanErrors));
  assert.equal(Array.from(r.stage), new Array(20).fill(0));
});

/** The original robust_loss_cascade, one example at a time. */
function referenceCascade(models: Cascade, eps: number, x: Tensor, y: number): { stage: number; error: number; clean: number; certified: number } {
  for (let k = 0; k < models.length; k++) {
    const own = noGrad(() => argmax(models[k]!.forward(x), 1))[0]!;
    const ownCertified = certify(models[k]!, eps, x, [own]).errors[0] === 0;
    if (k < models.length - 1 && !ownCertified) continue;
    const error = k < models.length - 1 ? Number(own !== y) : certify(models[k]!, eps, x, [y]).errors[0]!;
    return { stage: k, error, clean: Number(own !== y), certified: Number(ownCertified) };
  }
  throw new Error('unreachable');
}

test('random three-stage ReLU cascades agree with a one-example-at-a-time transcription of robust_loss_cascade', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0.005, max: 0.15, noNaN: true }), (seed, eps) => {
    const ds = blobs(12, 3, 3, seed);
    const models = [0, 1, 2].map((k) => mlp(3, [5], 3, seed + k).eval());
    const X = new Tensor(ds.images, [12, 3]);
    const r = certifyCascade(models, eps, X, ds.labels);
    for (let i = 0; i < 12; i++) {
      const ref = referenceCascade(models, eps, takeRows(X, [i]), ds.labels[i]!);
      assert.equal([r.stage[i], r.errors[i], r.cleanErrors[i], r.certified[i]], [ref.stage, ref.error, ref.clean, ref.certified], `example ${i}`);
    }
  }), { seed: 7, numRuns: 25 });
});

test('trainCascade: stage k trains on what stages < k leave uncertified; one file lists the stages and reloads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relaxjs-cascade-'));
  try {
    const train = blobs(30, 2, 2, 11);
    const sizes: number[] = [];
    const path = join(dir, 'cascade.ckpt');
    const result = trainCascade({
      method: 'robust', train, test: blobs(10, 2, 2, 12), stages: 2, epochs: 2, epsilon: 0.08, scheduleLength: 1, batchSize: 10, lr: 0.01, seed: 3,
      makeModel: (k) => mlp(2, [8], 2, 20 + k), checkpointPath: path, onStage: ({ trainSize }) => sizes.push(trainSize),
    });
    assert.is(result.models.length, 2);
    const expected = uncertifiedIndices(result.models.slice(0, 1), train, 0.08).length;
    assert.equal(sizes, [30, expected]);
    assert.ok(expected > 0 && expected < 30, `stage 1 trains on ${expected} of 30`);
    assert.ok(result.stages[1]!.history.every((h) => h.test?.robustError !== undefined));
    const loaded = loadCascade(path, (k) => mlp(2, [8], 2, 100 + k));
    assert.is(loaded.meta.stages, 2);
    const X = new Tensor(train.images, [30, 2]);
    assert.equal(certifyCascade(loaded.models, 0.08, X, train.labels), certifyCascade(result.models, 0.08, X, train.labels));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

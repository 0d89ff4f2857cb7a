// trainModel: the ε schedule reaches the trainer, and resuming a checkpoint gives bit for bit the
// weights, optimizer state and log of an uninterrupted run with the same seed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { modelState } from '../../src/train/checkpoint.js';
import { trainModel, type TrainModelOptions } from '../../src/train/fit.js';
import { readRecords } from '../../src/train/jsonl.js';
import { blobs, mlp, parameterBytes } from './helpers.js';

const train = blobs(36, 4, 3, 1);
const testSet = blobs(12, 4, 3, 2);

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'relaxjs-fit-'));
  try { fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

/** Drops the wall-clock fields, the only ones allowed to differ between runs. */
const timeless = (records: readonly object[]): string => JSON.stringify(records, (k, v: unknown) => (k === 'seconds' ? undefined : v));

function resumeMatches(extra: Partial<TrainModelOptions>): void {
  withDir((dir) => {
    const base: TrainModelOptions = { method: 'robust', train, test: testSet, epochs: 3, epsilon: 0.05, startingEpsilon: 0.01, scheduleLength: 2, batchSize: 8, seed: 5, robust: { bounded: true }, ...extra };
    const straight = mlp(4, [8, 8], 3, 0);
    const a = trainModel(straight, { ...base, checkpointPath: join(dir, 'a.ckpt'), logPath: join(dir, 'a.jsonl') });
    assert.is(a.epochsDone, 3);

    const controller = new AbortController();
    const first = mlp(4, [8, 8], 3, 0);
    const b = trainModel(first, { ...base, checkpointPath: join(dir, 'b.ckpt'), logPath: join(dir, 'b.jsonl'), signal: controller.signal, onEpoch: (e) => { if (e.epoch === 0) controller.abort(); } });
    assert.is(b.interrupted, true);
    assert.is(b.epochsDone, 1);

    const resumed = mlp(4, [8, 8], 3, 99); // other init: everything must come from the checkpoint
    const c = trainModel(resumed, { ...base, checkpointPath: join(dir, 'b.ckpt'), logPath: join(dir, 'b.jsonl'), resume: true });
    assert.is(c.epochsDone, 3);
    assert.equal(parameterBytes(resumed), parameterBytes(straight));
    const [ca, cb] = [loadCheckpoint(join(dir, 'a.ckpt')), loadCheckpoint(join(dir, 'b.ckpt'))];
    assert.equal([...cb.tensors.keys()], [...ca.tensors.keys()]);
    for (const [name, t] of ca.tensors) assert.equal(Array.from(cb.tensors.get(name)!.data), Array.from(t.data), name);
    assert.is(timeless(readRecords(join(dir, 'b.jsonl'))), timeless(readRecords(join(dir, 'a.jsonl'))));
    assert.is(timeless(c.history), timeless(a.history));
    assert.is(modelState(ca).size, straight.stateDict().size);
  });
}

test('robust training (Adam, ε ramp, bounded l∞): 1 epoch + resume + 2 epochs == 3 epochs, bit for bit', () => {
  resumeMatches({});
});

test('SGD with momentum, weight decay, StepLR and gradient clipping resumes exactly too', () => {
  resumeMatches({ optimizer: 'sgd', lr: 0.05, lrStepSize: 1, lrGamma: 0.5, clipGrad: 0.5, method: 'baseline' });
});

test('the training radius of each epoch is the schedule linspace(0.01, 0.05, 2), then 0.05; lr decays after the ramp as the original StepLR', () => {
  const history = trainModel(mlp(4, [6], 3, 0), { method: 'robust', train, epochs: 5, epsilon: 0.05, startingEpsilon: 0.01, scheduleLength: 2, batchSize: 12, lr: 0.01, lrStepSize: 1, lrGamma: 0.5 }).history;
  assert.equal(history.map((h) => h.epsilon), [0.01, 0.05, 0.05, 0.05, 0.05]);
  // StepLR stepped with epoch = max(t − L, 0): lr·0.5^(t−2) from t = 2 on
  assert.equal(history.map((h) => h.lr), [0.01, 0.01, 0.01, 0.005, 0.0025]);
  const seen: number[] = [];
  trainModel(mlp(4, [6], 3, 0), { method: 'robust', train, epochs: 3, epsilon: 0.05, startingEpsilon: 0, scheduleLength: 3, batchSize: 36, onProgress: (p) => { if (p.phase === 'train') seen.push(p.epsilon); } });
  assert.equal(seen, [0, 0.025, 0.05]);
});

test('resume refuses a checkpoint of other settings, naming the setting', () => {
  withDir((dir) => {
    const path = join(dir, 'x.ckpt');
    trainModel(mlp(4, [6], 3, 0), { method: 'baseline', train, epochs: 1, epsilon: 0.1, scheduleLength: 1, checkpointPath: path });
    assert.throws(() => trainModel(mlp(4, [6], 3, 0), { method: 'baseline', train, epochs: 2, epsilon: 0.1, scheduleLength: 1, lr: 0.5, checkpointPath: path, resume: true }), /lr \(checkpoint 0.001, now 0.5\)/);
    assert.ok(readFileSync(path).length > 0);
  });
});

test.run();

// The certified trainer: stopping after an epoch and resuming from its checkpoint gives exactly
// the weights of an uninterrupted run (IBP); a checkpoint with other settings is refused; the
// run lowers the IBP loss on a small problem.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainCertified } from '../../../src/train/certified/fit.js';
import { defaultCertifiedSettings, type CertifiedSettings } from '../../../src/train/certified/settings.js';
import { blobs, mlp, parameterBytes } from '../helpers.js';

const data = blobs(60, 6, 3, 1);
const settings = (over: Partial<CertifiedSettings> = {}): CertifiedSettings =>
  defaultCertifiedSettings({ epsilon: 0.05, epochs: 4, batchSize: 16, warmupEpochs: 1, rampEpochs: 2, lrDecayEpochs: [3], lr: 5e-3, ...over });

function resumeEqualsUninterrupted(over: Partial<CertifiedSettings>): void {
  const dir = mkdtempSync(join(tmpdir(), 'relaxjs-certified-'));
  try {
    const s = settings(over);
    const straight = mlp(6, [12, 12], 3, 0);
    trainCertified(straight, s, { train: data });
    const path = join(dir, 'run.ckpt');
    const stop = new AbortController();
    const first = mlp(6, [12, 12], 3, 0);
    const part = trainCertified(first, s, { train: data, checkpointPath: path, onEpoch: (e) => { if (e.epoch === 1) stop.abort(); }, signal: stop.signal });
    assert.ok(part.interrupted);
    assert.is(part.epochsDone, 2);
    const resumed = mlp(6, [12, 12], 3, 99); // other initial weights: everything must come from the checkpoint
    const rest = trainCertified(resumed, s, { train: data, checkpointPath: path, resume: true });
    assert.is(rest.epochsDone, 4);
    assert.is(rest.history.length, 4);
    assert.equal(parameterBytes(resumed), parameterBytes(straight));
    assert.throws(() => trainCertified(mlp(6, [12, 12], 3, 0), { ...s, lr: 1e-3 }, { train: data, checkpointPath: path, resume: true }), /cannot resume from .*settings/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('ibp: resume from an epoch checkpoint = uninterrupted run (bit for bit)', () => resumeEqualsUninterrupted({ method: 'ibp' }));
test('crown-ibp (β and κ moving, clean loss on): resume = uninterrupted run (bit for bit)', () => resumeEqualsUninterrupted({ method: 'crown-ibp', kappaStart: 1, kappaEnd: 0.5 }));

test('ibp training lowers the robust loss and verifies examples on separable blobs', () => {
  const net = mlp(6, [16], 3, 0);
  const run = trainCertified(net, settings({ epochs: 12, batchSize: 6, warmupEpochs: 1, rampEpochs: 4, lrDecayEpochs: [], lr: 0.02 }), { train: data, test: data, evalEpsilon: 0.05 });
  const first = run.history[1]!;
  const last = run.history[run.history.length - 1]!;
  assert.ok(last.robustLoss < first.robustLoss, `robust loss ${first.robustLoss} -> ${last.robustLoss}`);
  assert.ok(last.test!.verifiedError < 0.5, `verified error ${last.test!.verifiedError}`);
});

test.run();

/**
 * The certified training loop (IBP / CROWN-IBP): per step t the schedules of `schedule.ts`
 * (ε_t, β_t, κ_t, λ_t = λ·(1 − ε_t/ε)), the loss of `loss.ts`, an optional gradient clip and an
 * Adam step; per epoch the learning rate of `settings.ts`, an optional evaluation (verified
 * error by the training bound at the evaluation radius, clean error) and an atomic checkpoint.
 *
 * Resume = uninterrupted: the checkpoint holds weights, Adam state, the epochs done and the
 * settings; the shuffle of epoch e comes from its own stream (seed, e) and the IBP
 * initialisation is drawn only on a fresh start, so a resumed run takes exactly the same steps.
 * @module
 */
import { existsSync } from 'node:fs';
import { backward, noGrad } from '../../autograd/index.js';
import { batchCount, batches } from '../../data/batches.js';
import type { Dataset } from '../../data/dataset.js';
import { Adam, clipGradNorm } from '../../optim/index.js';
import { Rng } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { loadTrainingCheckpoint, restoreTraining, saveTrainingCheckpoint } from '../checkpoint.js';
import { mean01 } from '../stats.js';
import { deriveSeed, epochRng } from '../streams.js';
import type { Perturbation } from '../../relax/index.js';
import type { BoundFunction } from './bounds.js';
import { ibpInit } from './ibp-init.js';
import { certifiedLoss, mixedMargins, unverified, wrongPredictions, type CertifiedNetwork } from './loss.js';
import { betaAtStep, epsilonAtStep, kappaAtStep, rampFraction, type CertifiedSchedule } from './schedule.js';
import { certifiedLearningRate, checkCertifiedSettings, type CertifiedSettings } from './settings.js';

/** Data, bookkeeping and callbacks of a run (the settings are {@link CertifiedSettings}). */
export interface CertifiedRunOptions {
  readonly train: Dataset;
  /** Evaluated after every epoch at `evalEpsilon` with the training bound (IBP / CROWN-IBP at β = 1). */
  readonly test?: Dataset;
  readonly evalEpsilon?: number;
  readonly checkpointPath?: string;
  readonly resume?: boolean;
  readonly bounds?: BoundFunction;
  readonly onBatch?: (p: { epoch: number; batch: number; batches: number; epsilon: number; loss: number }) => void;
  readonly onEpoch?: (log: CertifiedEpochLog) => void;
  readonly signal?: AbortSignal;
}

/** Means of one epoch (training) and the evaluation after it. */
export interface CertifiedEpochLog {
  readonly epoch: number;
  readonly lr: number;
  /** ε of the last step of the epoch. */
  readonly epsilon: number;
  readonly loss: number;
  readonly robustLoss: number;
  readonly robustError: number;
  /** Training clean error (null when κ = 0 throughout the epoch: no clean pass was needed). */
  readonly cleanError: number | null;
  readonly regularizer: number;
  readonly test?: { readonly verifiedError: number; readonly cleanError: number; readonly n: number };
  readonly seconds: number;
}

/** What {@link trainCertified} returns. */
export interface CertifiedRunResult {
  readonly history: readonly CertifiedEpochLog[];
  readonly epochsDone: number;
  readonly interrupted: boolean;
}

/** The per-step schedule of a run over `n` training examples. */
export function runSchedule(s: CertifiedSettings, n: number): CertifiedSchedule {
  const nb = batchCount(n, s.batchSize);
  return { epsilon: s.epsilon, warmupSteps: s.warmupEpochs * nb, rampSteps: s.rampEpochs * nb, ramp: s.ramp, kappaStart: s.kappaStart, kappaEnd: s.kappaEnd };
}

/** The l∞ perturbation of radius ε (within [0, 1] when `bounded`). */
export function linfPerturbation(epsilon: number, bounded: boolean): Perturbation {
  return bounded ? { norm: 'linf', epsilon, box: { lower: 0, upper: 1 } } : { norm: 'linf', epsilon };
}

/**
 * Trains `net` in place (IBP-initialised first unless resuming), checkpointing every epoch.
 * @throws RangeError for invalid settings; Error when a checkpoint's settings differ.
 */
export function trainCertified(net: CertifiedNetwork, s: CertifiedSettings, o: CertifiedRunOptions): CertifiedRunResult {
  checkCertifiedSettings(s);
  const optimizer = new Adam(net.parameters(), { lr: s.lr });
  const settings = { ...s, trainSize: o.train.n, parameters: net.parameters().map((p) => p.shape.join('x')).join(',') };
  let history: CertifiedEpochLog[] = [];
  let start = 0;
  if (o.resume && o.checkpointPath && existsSync(o.checkpointPath)) {
    const loaded = loadTrainingCheckpoint(o.checkpointPath);
    // a run may be continued with more epochs (the schedules of the epochs done do not depend on the count)
    const saved = JSON.stringify({ ...(loaded.meta['certified'] as object), epochs: settings.epochs });
    if (saved !== JSON.stringify(settings)) throw new Error(`cannot resume from ${o.checkpointPath}: its settings ${saved} differ from ${JSON.stringify(settings)}`);
    restoreTraining(loaded, net, optimizer);
    start = loaded.meta.epochsDone;
    history = [...(loaded.meta['history'] as CertifiedEpochLog[])];
  } else if (s.ibpInit) {
    ibpInit(net, new Rng(deriveSeed(s.seed, 3)));
  }
  const schedule = runSchedule(s, o.train.n);
  for (let epoch = start; epoch < s.epochs; epoch++) {
    if (o.signal?.aborted) return { history, epochsDone: epoch, interrupted: true };
    const begun = Date.now();
    optimizer.lr = certifiedLearningRate(epoch, s);
    const means = trainEpoch(net, optimizer, s, schedule, epoch, o);
    if (means === null) return { history, epochsDone: epoch, interrupted: true };
    const test = o.test ? evaluateBound(net, o.test, s, o.evalEpsilon ?? s.epsilon, o.bounds) : undefined;
    const log: CertifiedEpochLog = { epoch, lr: optimizer.lr, ...means, ...(test ? { test } : {}), seconds: (Date.now() - begun) / 1000 };
    history.push(log);
    if (o.checkpointPath) saveTrainingCheckpoint(o.checkpointPath, net, optimizer, { epochsDone: epoch + 1, certified: settings, history });
    o.onEpoch?.(log);
  }
  return { history, epochsDone: s.epochs, interrupted: false };
}

type EpochMeans = Omit<CertifiedEpochLog, 'epoch' | 'lr' | 'test' | 'seconds'>;

/** One epoch of steps; null when aborted midway (the epoch is then not counted). */
function trainEpoch(net: CertifiedNetwork, optimizer: Adam, s: CertifiedSettings, schedule: CertifiedSchedule, epoch: number, o: CertifiedRunOptions): EpochMeans | null {
  const nb = batchCount(o.train.n, s.batchSize);
  const sums = { loss: 0, robustLoss: 0, robustError: 0, cleanError: 0, regularizer: 0 };
  let seen = 0;
  let cleanSeen = 0;
  let i = 0;
  let epsilon = 0;
  net.train();
  for (const batch of batches(o.train, s.batchSize, { shuffle: true, rng: epochRng(s.seed, 0, epoch) })) {
    if (o.signal?.aborted) return null;
    const t = epoch * nb + i++;
    epsilon = epsilonAtStep(t, schedule);
    const X = new Tensor(batch.images, [batch.size, ...o.train.shape]);
    const r = certifiedLoss(net, X, batch.labels, {
      method: s.method, perturbation: linfPerturbation(epsilon, s.bounded), beta: betaAtStep(t, schedule), kappa: kappaAtStep(t, schedule), bounds: o.bounds,
      regularizer: { weight: s.regularizer * (1 - rampFraction(t, schedule)), tolerance: s.regularizerTolerance },
    });
    optimizer.zeroGrad();
    backward(r.loss);
    if (s.clipGrad !== null) clipGradNorm(net.parameters(), s.clipGrad);
    optimizer.step();
    const w = batch.size;
    sums.loss += r.loss.item() * w; sums.robustLoss += r.robustLoss * w; sums.regularizer += r.regularizer * w;
    sums.robustError += mean01(r.errors) * w;
    if (r.cleanErrors) { sums.cleanError += mean01(r.cleanErrors) * w; cleanSeen += w; }
    seen += w;
    o.onBatch?.({ epoch, batch: i, batches: nb, epsilon, loss: r.loss.item() });
  }
  const n = Math.max(seen, 1);
  return { epsilon, loss: sums.loss / n, robustLoss: sums.robustLoss / n, robustError: sums.robustError / n, cleanError: cleanSeen > 0 ? sums.cleanError / cleanSeen : null, regularizer: sums.regularizer / n };
}

/** Verified (by the training bound, β = 1 for CROWN-IBP) and clean error on `ds` at radius ε, no gradients. */
export function evaluateBound(net: CertifiedNetwork, ds: Dataset, s: Pick<CertifiedSettings, 'method' | 'bounded'>, epsilon: number, bounds?: BoundFunction, batchSize = 200): { verifiedError: number; cleanError: number; n: number } {
  net.eval();
  let verified = 0;
  let clean = 0;
  noGrad(() => {
    for (const batch of batches(ds, batchSize)) {
      const X = new Tensor(batch.images, [batch.size, ...ds.shape]);
      const wrong = wrongPredictions(net.forward(X), batch.labels);
      const { margins } = mixedMargins(net, X, batch.labels, { method: s.method, perturbation: linfPerturbation(epsilon, s.bounded), beta: 1, bounds });
      verified += unverified(margins, wrong).reduce((a, b) => a + b, 0);
      clean += wrong.reduce((a, b) => a + b, 0);
    }
  });
  net.train();
  return { verifiedError: verified / Math.max(ds.n, 1), cleanError: clean / Math.max(ds.n, 1), n: ds.n };
}

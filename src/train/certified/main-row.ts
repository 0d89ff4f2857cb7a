/**
 * The CROWN-IBP row of the default job (`npm start`): the job's 784-h-10 MLP trained with
 * CROWN-IBP (Zhang et al. ICLR 2020) on the same digits, ε, box [0, 1], epochs, Adam and batch
 * size as the dual-trained robust row: one warm-up epoch at ε = 0, the smoothed ramp over the
 * job's ramp length, β 1 → 0 and κ 1 → 0 with it, IBP initialisation, no regulariser (a one-hidden-
 * layer MLP does not need it). Evaluated exactly as the robust row (clean, FGS, PGD, and the
 * certified error by the exact dual bound over the box), so the two rows compare directly.
 * @module
 */
import { join } from 'node:path';
import type { Dataset } from '../../data/dataset.js';
import type { Sequential } from '../../nn/index.js';
import { evaluateRobustness, type EvaluationProgress, type RobustnessResult } from '../evaluation.js';
import { trainCertified, type CertifiedEpochLog } from './fit.js';
import { defaultCertifiedSettings, type CertifiedSettings } from './settings.js';

/** The job settings the row reads. */
export interface CrownIbpRowSettings {
  readonly epsilon: number;
  readonly epochs: number;
  readonly scheduleLength: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly seed: number;
  readonly pgdIterations: number;
}

/** The trained and evaluated row. */
export interface CrownIbpRow {
  readonly model: Sequential;
  readonly settings: CertifiedSettings;
  readonly history: readonly CertifiedEpochLog[];
  readonly evaluation: RobustnessResult;
  readonly trainSeconds: number;
}

/** Progress of the row: training batches, then the evaluation's passes. */
export type CrownIbpRowProgress = { readonly phase: 'train'; readonly epoch: number; readonly batch: number; readonly batches: number } | { readonly phase: 'evaluate'; readonly progress: EvaluationProgress };

/** The row's certified-training settings from the job's. */
export function crownIbpRowSettings(s: CrownIbpRowSettings): CertifiedSettings {
  // independent of the epoch count, so that `main --resume` with more epochs continues the same schedule
  return defaultCertifiedSettings({
    method: 'crown-ibp', epsilon: s.epsilon, epochs: s.epochs, batchSize: s.batchSize, lr: s.lr, bounded: true, seed: s.seed,
    warmupEpochs: 1, rampEpochs: Math.max(s.scheduleLength, 1), kappaStart: 1, kappaEnd: 0, regularizer: 0, lrDecayEpochs: [],
  });
}

/** Trains `model` (checkpoint `crown-ibp.ckpt` in `outDir`, resumable) and evaluates it on `test`. */
export function runCrownIbpRow(model: Sequential, s: CrownIbpRowSettings, data: { train: Dataset; test: Dataset }, outDir: string, resume: boolean,
  onProgress: (p: CrownIbpRowProgress) => void = () => {}, log: (line: string) => void = () => {}): CrownIbpRow {
  const settings = crownIbpRowSettings(s);
  const started = Date.now();
  const run = trainCertified(model, settings, {
    train: data.train, checkpointPath: join(outDir, 'crown-ibp.ckpt'), resume,
    onBatch: (p) => onProgress({ phase: 'train', epoch: p.epoch, batch: p.batch, batches: p.batches }),
    onEpoch: (e) => log(`crown-ibp epoch ${e.epoch + 1}: eps ${e.epsilon.toFixed(3)}, loss ${e.loss.toFixed(4)}, train robust err ${(100 * e.robustError).toFixed(1)}% (${e.seconds.toFixed(0)} s)`),
  });
  const trainSeconds = (Date.now() - started) / 1000;
  const evaluation = evaluateRobustness(model, data.test, {
    epsilon: s.epsilon, batchSize: s.batchSize, certify: { bounded: true }, pgd: { iterations: s.pgdIterations },
    onProgress: (progress) => onProgress({ phase: 'evaluate', progress }),
  });
  return { model, settings, history: run.history, evaluation, trainSeconds };
}

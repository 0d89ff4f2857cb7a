/**
 * `relaxjs train --method ibp | crown-ibp`: certified training through `trainCertified`
 * (src/train/certified): per-step ε ramp (`--ramp linear|smoothed` over `--schedule-length`
 * epochs after `--warmup-epochs` at ε = 0), CROWN-IBP's β (1 → 0 over the ramp) and κ
 * (`--kappa-start` → `--kappa-end`), Shi et al.'s IBP initialisation (unless `--plain-init`) and
 * warm-up regularisers (`--regularizer λ`), Adam with ×0.2 learning-rate steps at 75 % and 90 % of
 * the epochs, a checkpoint after every epoch (`--checkpoint`, `--resume`). Evaluation after each
 * epoch: verified error by the training bound at `--epsilon`, and clean error.
 * @module
 */
import { saveCheckpoint } from '../io/checkpoint.js';
import { markdownTable, percent } from '../report/index.js';
import { architectureOf } from '../train/checkpoint.js';
import type { Dataset } from '../data/dataset.js';
import { trainCertified, type CertifiedEpochLog } from '../train/certified/fit.js';
import { defaultCertifiedSettings, type CertifiedSettings } from '../train/certified/settings.js';
import { writeDirAtomic } from '../util/fs.js';
import type { CommandContext, CommandResult } from './command.js';
import { choiceFlag, numberFlag, switchFlag } from './flags.js';
import type { CliModel } from './model.js';

/** The flags only certified training reads (added to `train`'s). */
export const CERTIFIED_TRAIN_FLAGS = {
  warmupEpochs: numberFlag('ibp / crown-ibp: epochs at epsilon 0 before the ramp', 1, { integer: true, min: 0 }),
  ramp: choiceFlag('ibp / crown-ibp: shape of the per-step epsilon ramp (smoothed: Shi et al. 2021)', ['smoothed', 'linear'] as const, 'smoothed'),
  kappaStart: numberFlag('ibp / crown-ibp: weight of the clean loss at epsilon 0', 0, { min: 0, max: 1 }),
  kappaEnd: numberFlag('ibp / crown-ibp: weight of the clean loss at the end of the ramp', 0, { min: 0, max: 1 }),
  regularizer: numberFlag('ibp / crown-ibp: weight of the warm-up regularisers (tightness + ReLU balance, Shi et al.), fading with the ramp', 0.5, { min: 0 }),
  plainInit: switchFlag("ibp / crown-ibp: keep PyTorch's default initialisation instead of Shi et al.'s IBP initialisation"),
} as const;

/** The flags of `train` that certified training reads. */
export interface CertifiedTrainFlags {
  readonly method: 'ibp' | 'crown-ibp';
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly epsilon: number;
  readonly bounded: boolean;
  readonly clipGrad: number | undefined;
  readonly seed: number;
  readonly data: string;
  readonly resume: boolean;
  readonly overwrite: boolean;
  readonly warmupEpochs: number;
  readonly ramp: 'smoothed' | 'linear';
  readonly kappaStart: number;
  readonly kappaEnd: number;
  readonly regularizer: number;
  readonly plainInit: boolean;
}

/** The run's settings from the flags; `rampEpochs` is the checked `--schedule-length`. */
export function certifiedSettingsFromFlags(flags: CertifiedTrainFlags, rampEpochs: number): CertifiedSettings {
  return defaultCertifiedSettings({
    method: flags.method, epochs: flags.epochs, batchSize: flags.batchSize, lr: flags.lr, epsilon: flags.epsilon, bounded: flags.bounded,
    warmupEpochs: Math.min(flags.warmupEpochs, flags.epochs - rampEpochs), rampEpochs, ramp: flags.ramp, kappaStart: flags.kappaStart, kappaEnd: flags.kappaEnd,
    clipGrad: flags.clipGrad ?? 10, ibpInit: !flags.plainInit, regularizer: flags.regularizer, seed: flags.seed,
  });
}

/** Runs certified training and writes `--out` (model.ckpt with its architecture, history.json, report.md). */
export function runCertifiedTraining(model: CliModel, modelName: string, flags: CertifiedTrainFlags, io: { ctx: CommandContext; train: Dataset; test: Dataset; out: string | undefined; checkpoint: string | undefined; rampEpochs: number }): CommandResult {
  const settings = certifiedSettingsFromFlags(flags, io.rampEpochs);
  let bar = io.ctx.progress('', 0);
  const result = trainCertified(model, settings, {
    train: io.train, test: io.test, checkpointPath: io.checkpoint, resume: flags.resume,
    onBatch: (p) => {
      if (p.batch === 1) { bar.done(); bar = io.ctx.progress(`epoch ${p.epoch + 1}/${settings.epochs} ${flags.method}`, p.batches); }
      bar.tick(1, `eps ${p.epsilon.toFixed(4)} loss ${p.loss.toFixed(4)}`);
    },
    onEpoch: (e) => { bar.done(); io.ctx.note(epochLine(e)); },
  });
  const history = result.history.map((e) => ({ ...e, epoch: e.epoch + 1 }));
  const json = { command: 'train', method: flags.method, model: modelName, data: flags.data, trainN: io.train.n, testN: io.test.n, seed: flags.seed, settings, epochsDone: result.epochsDone, history };
  const text = markdownTable(['epoch', 'eps', 'loss', 'train robust err', 'train err', 'test err', 'test verified err'],
    history.map((e) => [String(e.epoch), e.epsilon.toPrecision(3), e.loss.toFixed(4), percent(e.robustError), percent(e.cleanError ?? undefined), percent(e.test?.cleanError), percent(e.test?.verifiedError)]), Array(7).fill('right'));
  if (io.out) {
    writeDirAtomic(io.out, {
      'model.ckpt': (path: string) => saveCheckpoint(path, new Map([...model.stateDict()].map(([k, v]) => [k, { shape: [...v.shape], data: v.data }])),
        { architecture: architectureOf(model), model: modelName, method: flags.method, data: flags.data, epoch: history.length }),
      'history.json': JSON.stringify(json, null, 2) + '\n',
      'report.md': `# relaxjs train (${flags.method}, ${modelName}, ${flags.data})\n\n${text}\n`,
    }, flags.overwrite);
  }
  return { text, json };
}

function epochLine(e: CertifiedEpochLog): string {
  const test = e.test ? ` | test err ${percent(e.test.cleanError)} verified err ${percent(e.test.verifiedError)}` : '';
  return `epoch ${e.epoch + 1}: eps ${e.epsilon.toPrecision(3)} lr ${e.lr.toExponential(2)} loss ${e.loss.toFixed(4)} train robust err ${percent(e.robustError)}${test}`;
}

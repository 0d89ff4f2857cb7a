/**
 * `relaxjs train`: the original `examples/mnist.py` run through `trainModel` (src/train/fit.ts):
 * per epoch the StepLR-after-ramp learning rate and the scheduled ε, one training epoch
 * (baseline, robust or madry), an evaluation at the target ε (robust: exact certificate). At the
 * end `--out` receives, all at once: the model (last and best epoch, each with its architecture,
 * so later commands need no `--model`), the original-format logs (`{epoch} {batch} {robust_ce}
 * {robust_err} {ce} {err}`, counted from 1), the history and the training curves.
 * `--checkpoint` additionally saves a resumable training checkpoint after every epoch; `--init`
 * starts from trained weights.
 * @module
 */
import { existsSync } from 'node:fs';
import { MNIST_TRAINING_DEFAULTS as D } from '../../train/schedule.js';
import { loadTrainingCheckpoint } from '../../train/checkpoint.js';
import { deriveSeed } from '../../train/streams.js';
import { trainModel } from '../../train/fit.js';
import { perturbationToJson, type Perturbation, type PerturbationJson, type RobustLossOptions } from '../../relax/index.js';
import { countOf } from '../../report/index.js';
import { writeDirAtomic } from '../../util/fs.js';
import { defineCommand, type CommandContext } from '../command.js';
import { UsageError } from '../errors.js';
import { choiceFlag, numberFlag, optionalNumberFlag, stringFlag, switchFlag } from '../flags.js';
import { asBadInput } from '../model.js';
import { checkOutputFile } from '../outputs.js';
import { checkBall, checkedScheduleLength, DATA_FLAGS, limitDataset, limitFlag, loadSplit, MODEL_FLAGS, OUT_FLAGS, prepareRun, testSubset } from '../setup.js';
import { historyFromOne, RunRecorder, summaryTable, trainFiles } from '../train-output.js';
import { CERTIFIED_TRAIN_FLAGS, runCertifiedTraining } from '../certified-train.js';

/** The `relaxjs train` command (see the module doc and its `--help`). */
export const trainCommand = defineCommand({
  name: 'train',
  summary: 'train a model (baseline, provably robust, or PGD adversarial) with the original schedule',
  details: [
    'Per epoch t = 1, 2, ...: lr = lr0 * 0.5^floor(max(t - 1 - schedule-length, 0) / 10) (StepLR after',
    'the ramp), epsilon_t = linspace(starting-epsilon, epsilon, schedule-length)[t - 1], then epsilon; evaluation',
    'always uses --epsilon. robust minimises the robust cross-entropy of the dual network (Wong &',
    'Kolter 2018, eq. 14; with --proj k, its bounds are estimated from k random projections, as the',
    "original's --proj; evaluation stays exact); madry trains on 50-step PGD points; baseline on CE.",
    '--test-limit picks the same test examples as certify/attack/radius --limit with the same --seed.',
    'Epochs and batches are counted from 1 in the table, the status lines, train.log/test.log and history.json.',
  ],
  examples: [
    'relaxjs train --method baseline --epochs 2 --schedule-length 0 --train-limit 2000 --out runs/base',
    'relaxjs train --method robust --model mnist_500 --epochs 4 --schedule-length 2 --bounded --train-limit 1000 --test-limit 200 --out runs/robust',
    'relaxjs train --method robust --proj 50 --bounded --checkpoint runs/mnist.ckpt --resume --out runs/mnist',
    'relaxjs train --method robust --init runs/base/model.ckpt --epochs 2 --train-limit 1000 --out runs/finetuned',
  ],
  flags: {
    ...DATA_FLAGS,
    model: MODEL_FLAGS.model,
    method: choiceFlag('training objective (robust = dual: the Wong-Kolter dual bound; ibp / crown-ibp: certified training with the options below)', ['robust', 'dual', 'baseline', 'madry', 'ibp', 'crown-ibp'] as const, 'robust'),
    epochs: numberFlag('epochs', D.epochs, { integer: true, min: 1 }),
    batchSize: numberFlag('examples per batch', D.batchSize, { integer: true, min: 1 }),
    lr: numberFlag('learning rate', D.lr, { min: 0, exclusiveMin: true }),
    opt: choiceFlag('optimizer', ['adam', 'sgd'] as const, 'adam'),
    momentum: numberFlag('SGD momentum', 0.9, { min: 0 }),
    weightDecay: numberFlag('SGD weight decay (Adam: none, as the original)', 5e-4, { min: 0 }),
    epsilon: numberFlag('target radius (training after the ramp, and evaluation)', D.epsilon, { min: 0 }),
    startingEpsilon: numberFlag('first radius of the ramp (<= --epsilon)', D.startingEpsilon, { min: 0 }),
    scheduleLength: optionalNumberFlag(`epochs of the linear epsilon ramp (<= --epochs; default ${D.scheduleLength}, or --epochs if fewer)`, { integer: true, min: 0 }),
    clipGrad: optionalNumberFlag('clip the gradient 2-norm to this value (cifar.py uses 1)', { min: 0, exclusiveMin: true }),
    norm: choiceFlag('norm of the ball (robust)', ['linf', 'l2'] as const, 'linf'),
    bounded: switchFlag('intersect the l-inf ball with [0,1] (robust; the original mnist.py does)'),
    proj: optionalNumberFlag('robust training only: estimate the bounds from this many random projections', { integer: true, min: 1 }),
    trainLimit: limitFlag('training'),
    testLimit: limitFlag('test'),
    init: stringFlag('start from these weights (a relaxjs checkpoint, whose architecture is used unless --model is given, or a PyTorch .pth)', '<file>'),
    checkpoint: stringFlag('save a resumable training checkpoint here after every epoch (an existing file needs --resume or --overwrite)', '<file>'),
    resume: switchFlag('continue from --checkpoint when it exists (same settings required)'),
    ...CERTIFIED_TRAIN_FLAGS,
    ...OUT_FLAGS,
  },
  run(flags, ctx) {
    const method = flags.method === 'dual' ? 'robust' : flags.method;
    const checkpoint = flags.checkpoint && ctx.path(flags.checkpoint);
    const run = prepareRun(flags, ctx, () => {
      if (flags.resume && checkpoint === undefined) throw new UsageError('--resume needs --checkpoint <file>');
      if (flags.proj !== undefined && method !== 'robust') throw new UsageError(`--proj applies to --method robust only, not ${flags.method}`);
      checkBall(flags);
      checkOutputFile(checkpoint, '--checkpoint', flags.resume || flags.overwrite, 'pass --resume to continue its run, or --overwrite to start a new one');
      return checkedScheduleLength(flags, D.scheduleLength);
    }, { flag: '--init', path: flags.init, required: false });
    const { modelName, out, dataDir, model, checked: scheduleLength } = run;
    const train = limitDataset(loadSplit(flags.data, 'train', dataDir), flags.trainLimit, flags.seed, '--train-limit');
    const { test } = testSubset(flags.data, dataDir, flags.testLimit, flags.seed, '--test-limit');
    if (checkpoint) ctx.claim('--checkpoint', checkpoint);
    const { proj, seed } = flags;
    const perturbation: Perturbation = {
      norm: flags.norm, epsilon: flags.epsilon, ...(flags.bounded ? { box: { lower: 0, upper: 1 } } : {}), ...(proj === undefined ? {} : { projection: { k: proj, rng: seed } }),
    };
    if (checkpoint && flags.resume && method === 'robust' && existsSync(checkpoint)) refuseChangedPerturbation(checkpoint, perturbation);
    const resumeFrom = checkpoint && flags.resume ? resumedEpochs(checkpoint, flags.epochs, ctx) : undefined;
    if (method === 'ibp' || method === 'crown-ibp') return runCertifiedTraining(model, modelName, { ...flags, method }, { ctx, train, test, out, checkpoint, rampEpochs: scheduleLength });
    const ball = { norm: flags.norm, bounded: flags.bounded };
    const robust = proj === undefined ? ball
      : ({ epoch, batch }: { epoch: number; batch: number }): RobustLossOptions => ({ ...ball, projection: { k: proj, rng: deriveSeed(seed, 2, epoch, batch) } });
    const recorder = new RunRecorder(model, ctx, checkpoint, resumeFrom);
    const result = trainModel(model, {
      method, train, test, epochs: flags.epochs, epsilon: flags.epsilon, startingEpsilon: flags.startingEpsilon,
      scheduleLength, batchSize: flags.batchSize, optimizer: flags.opt, lr: flags.lr,
      momentum: flags.momentum, weightDecay: flags.opt === 'sgd' ? flags.weightDecay : 0, clipGrad: flags.clipGrad, robust, seed,
      checkpointPath: checkpoint, resume: flags.resume, ...(method === 'robust' ? { perturbation } : {}),
      onProgress: (p) => recorder.progress(p), onEpoch: (e) => recorder.epoch(e),
    });
    const { best, logs } = recorder;
    const history = result.history;
    const settings = { norm: flags.norm, epsilon: flags.epsilon, bounded: flags.bounded, ...(proj === undefined ? {} : { projection: proj }) };
    const json = { command: 'train', method, model: modelName, data: flags.data, trainN: train.n, testN: test.n, seed, settings, epochsDone: result.epochsDone, bestEpoch: best.epoch + 1, bestError: best.error, history };
    const text = summaryTable(history);
    if (out) writeDirAtomic(out, trainFiles(model, best, json, logs, text), flags.overwrite);
    return { text, json: { ...json, history: historyFromOne(history) } };
  },
});

/** The epochs a checkpoint to resume holds (undefined when it does not exist yet), announced on stderr. */
function resumedEpochs(checkpoint: string, epochs: number, ctx: CommandContext): number | undefined {
  if (!existsSync(checkpoint)) return undefined;
  const done = asBadInput('--checkpoint', checkpoint, () => loadTrainingCheckpoint(checkpoint).meta.epochsDone);
  ctx.note(done >= epochs ? `${checkpoint} already holds ${countOf(done, 'finished epoch')}: nothing left to train (raise --epochs to continue)`
    : `resuming from epoch ${done + 1} (${checkpoint} holds ${countOf(done, 'finished epoch')})`);
  return done;
}

/**
 * Refuses (exit 2) to resume a robust run whose checkpoint was trained against another
 * perturbation (norm, ε, box or projections), naming the fields that changed.
 */
function refuseChangedPerturbation(checkpoint: string, perturbation: Perturbation): void {
  const meta = asBadInput('--checkpoint', checkpoint, () => loadTrainingCheckpoint(checkpoint).meta);
  const settings = meta.settings as { perturbation?: PerturbationJson } | undefined;
  const saved = settings?.perturbation;
  const now = perturbationToJson(perturbation);
  if (saved === undefined || JSON.stringify(saved) === JSON.stringify(now)) return;
  const fields = ['norm', 'epsilon', 'box', 'projection'] as const;
  const changed = fields.filter((f) => JSON.stringify(saved[f]) !== JSON.stringify(now[f]));
  throw new UsageError(`--resume: ${checkpoint} was trained against the perturbation ${JSON.stringify(saved)}, this run asks for ${JSON.stringify(now)} `
    + `(changed: ${changed.join(', ')}); resume with the same --norm, --epsilon, --bounded and --proj, or start a new run`);
}

/**
 * `relaxjs train`: the original `examples/mnist.py` run through `trainModel` (src/train/fit.ts):
 * per epoch the StepLR-after-ramp learning rate and the scheduled ε, one training epoch
 * (baseline, robust or madry), an evaluation at the target ε (robust: exact certificate). At the
 * end `--out` receives, all at once: the model (last and best epoch), the original-format logs
 * (`{epoch} {i} {robust_ce} {robust_err} {ce} {err}`), the history and the training curves.
 * `--checkpoint` additionally saves a resumable training checkpoint after every epoch.
 * @module
 */
import { saveCheckpoint, type CheckpointTensor } from '../../io/checkpoint.js';
import type { DenseSequential, Sequential, StateDict } from '../../nn/index.js';
import { lineChartSvg, markdownTable, percent } from '../../report/index.js';
import { deriveSeed } from '../../train/streams.js';
import { MNIST_TRAINING_DEFAULTS as D } from '../../train/schedule.js';
import { trainModel, type EpochLog, type PassMeans, type TrainProgress } from '../../train/fit.js';
import { logLine } from '../../train/trainer.js';
import type { RobustLossOptions } from '../../relax/index.js';
import { writeDirAtomic, type FolderEntry } from '../../util/fs.js';
import { defineCommand, type CommandContext } from '../command.js';
import type { Progress } from '../progress.js';
import { UsageError } from '../errors.js';
import { choiceFlag, numberFlag, optionalNumberFlag, stringFlag, switchFlag } from '../flags.js';
import { DATA_FLAGS, limitDataset, limitFlag, loadSplit, MODEL_FLAGS, OUT_FLAGS, prepareRun } from '../setup.js';

/** The `relaxjs train` command (see the module doc and its `--help`). */
export const trainCommand = defineCommand({
  name: 'train',
  summary: 'train a model (baseline, provably robust, or PGD adversarial) with the original schedule',
  details: [
    'Per epoch t: lr = lr0 * 0.5^floor(max(t - schedule-length, 0) / 10) (StepLR after the ramp),',
    'epsilon_t = linspace(starting-epsilon, epsilon, schedule-length)[t], then epsilon; evaluation',
    'always uses --epsilon. robust minimises the robust cross-entropy of the dual network (Wong &',
    'Kolter 2018, eq. 14; with --proj k, its bounds are estimated from k random projections, as the',
    "original's --proj; evaluation stays exact); madry trains on 50-step PGD points; baseline on CE.",
  ],
  examples: [
    'relaxjs train --method baseline --epochs 2 --schedule-length 0 --train-limit 2000 --out runs/base',
    'relaxjs train --method robust --model mnist_500 --epochs 4 --schedule-length 2 --bounded --train-limit 1000 --test-limit 200 --out runs/robust',
    'relaxjs train --method robust --proj 50 --bounded --checkpoint runs/mnist.ckpt --resume --out runs/mnist',
  ],
  flags: {
    ...DATA_FLAGS,
    model: MODEL_FLAGS.model,
    method: choiceFlag('training objective', ['robust', 'baseline', 'madry'] as const, 'robust'),
    epochs: numberFlag('epochs', D.epochs, { integer: true, min: 1 }),
    batchSize: numberFlag('examples per batch', D.batchSize, { integer: true, min: 1 }),
    lr: numberFlag('learning rate', D.lr, { min: 0, exclusiveMin: true }),
    opt: choiceFlag('optimizer', ['adam', 'sgd'] as const, 'adam'),
    momentum: numberFlag('SGD momentum', 0.9, { min: 0 }),
    weightDecay: numberFlag('SGD weight decay (Adam: none, as the original)', 5e-4, { min: 0 }),
    epsilon: numberFlag('target radius (training after the ramp, and evaluation)', D.epsilon, { min: 0 }),
    startingEpsilon: numberFlag('first radius of the ramp', D.startingEpsilon, { min: 0 }),
    scheduleLength: numberFlag('epochs of the linear epsilon ramp (<= --epochs)', D.scheduleLength, { integer: true, min: 0 }),
    clipGrad: optionalNumberFlag('clip the gradient 2-norm to this value (cifar.py uses 1)', { min: 0, exclusiveMin: true }),
    norm: choiceFlag('norm of the ball (robust)', ['linf', 'l2'] as const, 'linf'),
    bounded: switchFlag('intersect the l-inf ball with [0,1] (robust; the original mnist.py does)'),
    proj: optionalNumberFlag('robust training only: estimate the bounds from this many random projections', { integer: true, min: 1 }),
    trainLimit: limitFlag('training'),
    testLimit: limitFlag('test'),
    checkpoint: stringFlag('save a resumable training checkpoint here after every epoch', '<file>'),
    resume: switchFlag('continue from --checkpoint when it exists (same settings required)'),
    ...OUT_FLAGS,
  },
  run(flags, ctx) {
    const { modelName, out, dataDir, model } = prepareRun(flags, ctx, () => {
      if (flags.scheduleLength > flags.epochs) throw new UsageError(`--schedule-length (${flags.scheduleLength}) must not exceed --epochs (${flags.epochs})`);
      if (flags.resume && flags.checkpoint === undefined) throw new UsageError('--resume needs --checkpoint <file>');
      if (flags.proj !== undefined && flags.method !== 'robust') throw new UsageError(`--proj applies to --method robust only, not ${flags.method}`);
    });
    const train = limitDataset(loadSplit(flags.data, 'train', dataDir), flags.trainLimit, flags.seed);
    const test = limitDataset(loadSplit(flags.data, 'test', dataDir), flags.testLimit, flags.seed + 1);
    const ball = { norm: flags.norm, bounded: flags.bounded };
    const { proj, seed } = flags;
    const robust = proj === undefined ? ball
      : ({ epoch, batch }: { epoch: number; batch: number }): RobustLossOptions => ({ ...ball, projection: { k: proj, rng: deriveSeed(seed, 2, epoch, batch) } });
    const recorder = new RunRecorder(model, ctx);
    const result = trainModel(model, {
      method: flags.method, train, test, epochs: flags.epochs, epsilon: flags.epsilon, startingEpsilon: flags.startingEpsilon,
      scheduleLength: flags.scheduleLength, batchSize: flags.batchSize, optimizer: flags.opt, lr: flags.lr,
      momentum: flags.momentum, weightDecay: flags.opt === 'sgd' ? flags.weightDecay : 0, clipGrad: flags.clipGrad, robust, seed,
      checkpointPath: flags.checkpoint && ctx.path(flags.checkpoint), resume: flags.resume,
      onProgress: (p) => recorder.progress(p), onEpoch: (e) => recorder.epoch(e),
    });
    const { best, logs } = recorder;
    const history = result.history;
    const json = { command: 'train', method: flags.method, model: modelName, data: flags.data, trainN: train.n, testN: test.n, seed, epochsDone: result.epochsDone, bestEpoch: best.epoch, bestError: best.error, history };
    const text = summaryTable(history);
    if (out) writeDirAtomic(out, trainFiles(model.stateDict(), best, json, logs, text), flags.overwrite);
    return { text, json };
  },
});

/**
 * Follows a training run: a progress bar per pass, the original-format log lines, the weights
 * of the epoch with the lowest test error bound, and a status line per epoch.
 */
class RunRecorder {
  readonly logs = { train: [] as string[], test: [] as string[] };
  best: { error: number; epoch: number; state: StateDict };
  private bar: Progress;

  constructor(private readonly model: Sequential | DenseSequential, private readonly ctx: CommandContext) {
    this.best = { error: Infinity, epoch: -1, state: model.stateDict() };
    this.bar = ctx.progress('', 0);
  }

  progress(p: TrainProgress): void {
    if (p.batch === 1) {
      this.bar.done();
      this.bar = this.ctx.progress(`epoch ${p.epoch + 1}/${p.epochs} ${p.phase}`, p.batches);
    }
    this.bar.tick(1, p.phase === 'train' ? `loss ${(p.record.robustLoss ?? p.record.loss).toFixed(4)}` : '');
    this.logs[p.phase].push(logLine(p.record));
  }

  epoch(entry: EpochLog): void {
    this.bar.done();
    const err = entry.test ? (attackError(entry.test) ?? entry.test.error) : Infinity;
    if (err < this.best.error) this.best = { error: err, epoch: entry.epoch, state: this.model.stateDict() };
    this.ctx.note(epochLine(entry));
  }
}

/** The robust (certified) or PGD error of a pass, when it has one. */
const attackError = (m: PassMeans | undefined) => m?.robustError ?? m?.pgdError;

function epochLine(e: EpochLog): string {
  const extra = e.test?.robustError !== undefined ? ` robust err ${percent(e.test.robustError)}` : e.test?.pgdError !== undefined ? ` PGD err ${percent(e.test.pgdError)}` : '';
  return `epoch ${e.epoch}: eps ${e.epsilon.toPrecision(3)} lr ${e.lr.toExponential(2)} | test err ${percent(e.test?.error)}${extra}`;
}

function summaryTable(history: readonly EpochLog[]): string {
  const rows = history.map((r) => [String(r.epoch), r.epsilon.toPrecision(3), r.train.loss.toFixed(4), percent(r.train.error),
    r.train.robustLoss?.toFixed(4) ?? '—', percent(r.train.robustError), percent(r.test?.error), percent(attackError(r.test))]);
  return markdownTable(['epoch', 'eps', 'train loss', 'train err', 'train robust loss', 'train robust err', 'test err', 'test robust/PGD err'], rows, Array(8).fill('right'));
}

/** A state dict as checkpoint tensors (same shapes and data). */
function checkpointTensors(sd: StateDict): Map<string, CheckpointTensor> {
  return new Map([...sd].map(([name, e]) => [name, { shape: [...e.shape], data: e.data }]));
}

function trainFiles(last: StateDict, best: { state: StateDict; epoch: number; error: number }, json: { history: readonly EpochLog[]; model: string; method: string; data: string }, logs: { train: string[]; test: string[] }, text: string): Record<string, FolderEntry> {
  const h = json.history;
  const series = (name: string, pick: (r: EpochLog) => number | undefined) => ({ name, points: h.map((r) => [r.epoch, pick(r) ?? Number.NaN] as [number, number]) });
  const drawn = (list: ReturnType<typeof series>[]) => list.filter((s) => s.points.some((p) => Number.isFinite(p[1])));
  const meta = { model: json.model, method: json.method, data: json.data };
  return {
    'model.ckpt': (path: string) => saveCheckpoint(path, checkpointTensors(last), { ...meta, epoch: h.length - 1 }),
    'best.ckpt': (path: string) => saveCheckpoint(path, checkpointTensors(best.state), { ...meta, epoch: best.epoch, err: best.error }),
    'train.log': logs.train.join('\n') + '\n',
    'test.log': logs.test.join('\n') + '\n',
    'history.json': JSON.stringify(json, null, 2) + '\n',
    'loss.svg': lineChartSvg({ title: `${json.model} ${json.method}: loss`, xLabel: 'epoch', yLabel: 'cross-entropy', series: drawn([
      series('train loss', (r) => r.train.loss), series('train robust loss', (r) => r.train.robustLoss), series('test loss', (r) => r.test?.loss), series('test robust loss', (r) => r.test?.robustLoss),
    ]) }),
    'error.svg': lineChartSvg({ title: `${json.model} ${json.method}: error`, xLabel: 'epoch', yLabel: 'error', yRange: [0, 1], series: drawn([
      series('train err', (r) => r.train.error), series('train robust err', (r) => r.train.robustError), series('test err', (r) => r.test?.error), series('test robust/PGD err', (r) => attackError(r.test)),
    ]) }),
    'report.md': `# relaxjs train (${json.method}, ${json.model}, ${json.data})\n\n${text}\nBest epoch ${best.epoch} (test error bound ${percent(best.error)}).\n\n![loss](loss.svg)\n![error](error.svg)\n`,
  };
}

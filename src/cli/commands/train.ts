/**
 * `relaxjs train`: the original `examples/mnist.py` loop: per epoch, set the learning rate
 * (StepLR after the ε ramp) and the scheduled ε, train one epoch (baseline, robust or madry),
 * evaluate at the target ε; finally write the model (last and best), the original-format logs,
 * the history and training curves, all at once into `--out`.
 * @module
 */
import { saveCheckpoint, type CheckpointTensor } from '../../io/checkpoint.js';
import { Adam, SGD, StepLR, type Optimizer } from '../../optim/index.js';
import type { DenseSequential, Sequential, StateDict } from '../../nn/index.js';
import { lineChartSvg, markdownTable, percent } from '../../report/index.js';
import { Rng } from '../../tensor/random.js';
import { epsilonSchedule, MNIST_TRAINING_DEFAULTS as D } from '../../train/schedule.js';
import { evaluate, logLine, passLength, trainEpoch, type EpochSummary, type TrainMethod } from '../../train/trainer.js';
import { writeDirAtomic, type FolderEntry } from '../../util/fs.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { choiceFlag, numberFlag, optionalNumberFlag, switchFlag } from '../flags.js';
import { robustObjective } from '../robust.js';
import { buildModel, checkOutFolder, DATA_FLAGS, limitDataset, limitFlag, loadSplit, MODEL_FLAGS, OUT_FLAGS } from '../setup.js';

/** One epoch of the history. */
interface EpochRow { epoch: number; epsilon: number; lr: number; train: Omit<EpochSummary, 'batches'>; test: Omit<EpochSummary, 'batches'> }

const strip = ({ batches: _b, ...rest }: EpochSummary): Omit<EpochSummary, 'batches'> => rest;

export const trainCommand = defineCommand({
  name: 'train',
  summary: 'train a model (baseline, provably robust, or PGD adversarial) with the original schedule',
  details: [
    'Per epoch t: lr = lr0 * gamma^floor(max(t - schedule-length, 0) / 10) (StepLR after the ramp),',
    'epsilon_t = linspace(starting-epsilon, epsilon, schedule-length)[t], then epsilon; evaluation',
    'always uses --epsilon. Method robust minimises the robust cross-entropy of the dual network',
    '(Wong & Kolter 2018, eq. 14); madry trains on 50-step PGD points; baseline on plain CE.',
  ],
  examples: [
    'relaxjs train --method baseline --epochs 2 --train-limit 2000 --out runs/base',
    'relaxjs train --method robust --model mnist_500 --epochs 3 --schedule-length 2 --train-limit 1000 --test-limit 200 --bounded --out runs/robust',
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
    weightDecay: numberFlag('SGD weight decay', 5e-4, { min: 0 }),
    epsilon: numberFlag('target radius (training after the ramp, and evaluation)', D.epsilon, { min: 0 }),
    startingEpsilon: numberFlag('first radius of the ramp', D.startingEpsilon, { min: 0 }),
    scheduleLength: numberFlag('epochs of the linear epsilon ramp (<= --epochs)', D.scheduleLength, { integer: true, min: 0 }),
    clipGrad: optionalNumberFlag('clip the gradient 2-norm to this value (cifar.py uses 1)', { min: 0, exclusiveMin: true }),
    norm: choiceFlag('norm of the ball (robust)', ['linf', 'l2'] as const, 'linf'),
    bounded: switchFlag('intersect the l-inf ball with [0,1] (robust; the original mnist.py does)'),
    trainLimit: limitFlag('training'),
    testLimit: limitFlag('test'),
    ...OUT_FLAGS,
  },
  run(flags, ctx) {
    const out = flags.out && ctx.path(flags.out);
    checkOutFolder(out, flags.overwrite);
    if (flags.scheduleLength > flags.epochs) throw new UsageError(`--schedule-length (${flags.scheduleLength}) must not exceed --epochs (${flags.epochs})`);
    const dataDir = flags.dataDir && ctx.path(flags.dataDir);
    const model = buildModel(flags.model, flags.data, flags.seed);
    const train = limitDataset(loadSplit(flags.data, 'train', dataDir), flags.trainLimit, flags.seed);
    const test = limitDataset(loadSplit(flags.data, 'test', dataDir), flags.testLimit, flags.seed + 1);
    const method: TrainMethod = flags.method;
    const schedule = epsilonSchedule({ epsilon: flags.epsilon, startingEpsilon: flags.startingEpsilon, scheduleLength: flags.scheduleLength, epochs: flags.epochs });
    const optimizer: Optimizer = flags.opt === 'adam'
      ? new Adam(model.parameters(), { lr: flags.lr })
      : new SGD(model.parameters(), { lr: flags.lr, momentum: flags.momentum, weightDecay: flags.weightDecay });
    const scheduler = new StepLR(optimizer, 10, 0.5);
    const robust = method === 'robust' ? robustObjective(flags) : undefined;
    const rng = new Rng(flags.seed);
    const history: EpochRow[] = [];
    const logs = { train: [] as string[], test: [] as string[] };
    let best = { error: Infinity, epoch: -1, state: model.stateDict() };
    for (let t = 0; t < flags.epochs; t++) {
      scheduler.step(Math.max(t - flags.scheduleLength, 0));
      const epsilon = schedule[t]!;
      const bar = ctx.progress(`epoch ${t + 1}/${flags.epochs} train`, passLength(train.n, flags.batchSize));
      const tr = trainEpoch(model, train, { method, epoch: t, epsilon, batchSize: flags.batchSize, optimizer, rng, clipGrad: flags.clipGrad, robust, onBatch: (r) => bar.tick(1, `loss ${(r.robustLoss ?? r.loss).toFixed(4)}`) });
      bar.done();
      const evalBar = ctx.progress(`epoch ${t + 1}/${flags.epochs} test`, passLength(test.n, flags.batchSize));
      const te = evaluate(model, test, { method, epoch: t, epsilon: flags.epsilon, batchSize: flags.batchSize, robust, onBatch: () => evalBar.tick() });
      evalBar.done();
      logs.train.push(...tr.batches.map(logLine));
      logs.test.push(...te.batches.map(logLine));
      history.push({ epoch: t, epsilon, lr: optimizer.lr, train: strip(tr), test: strip(te) });
      const err = te.robustError ?? te.pgdError ?? te.error;
      if (err < best.error) best = { error: err, epoch: t, state: model.stateDict() };
      ctx.note(epochLine(history[history.length - 1]!));
    }
    const json = { command: 'train', method, model: flags.model, data: flags.data, trainN: train.n, testN: test.n, seed: flags.seed, bestEpoch: best.epoch, bestError: best.error, history };
    const text = summaryTable(history);
    if (out) writeDirAtomic(out, trainFiles(model, best, json, logs, text), flags.overwrite);
    return { text, json };
  },
});

function epochLine(row: EpochRow): string {
  const te = row.test;
  const extra = te.robustError !== undefined ? ` robust err ${percent(te.robustError)}` : te.pgdError !== undefined ? ` PGD err ${percent(te.pgdError)}` : '';
  return `epoch ${row.epoch}: eps ${row.epsilon.toPrecision(3)} lr ${row.lr.toExponential(2)} | test err ${percent(te.error)}${extra}`;
}

function summaryTable(history: readonly EpochRow[]): string {
  const rows = history.map((r) => [String(r.epoch), r.epsilon.toPrecision(3), r.train.loss.toFixed(4), percent(r.train.error),
    r.train.robustLoss?.toFixed(4) ?? '—', percent(r.train.robustError), percent(r.test.error), percent(r.test.robustError ?? r.test.pgdError)]);
  return markdownTable(['epoch', 'eps', 'train loss', 'train err', 'train robust loss', 'train robust err', 'test err', 'test robust/PGD err'], rows, Array(8).fill('right'));
}

function trainFiles(model: Sequential | DenseSequential, best: { state: StateDict; epoch: number; error: number }, json: { history: EpochRow[]; model: string; method: string; data: string }, logs: { train: string[]; test: string[] }, text: string): Record<string, FolderEntry> {
  const h = json.history;
  const series = (name: string, pick: (r: EpochRow) => number | undefined) => ({ name, points: h.map((r) => [r.epoch, pick(r) ?? Number.NaN] as [number, number]) });
  const meta = { model: json.model, method: json.method, data: json.data };
  return {
    'model.ckpt': (path: string) => saveCheckpoint(path, checkpointTensors(model.stateDict()), { ...meta, epoch: h.length - 1 }),
    'best.ckpt': (path: string) => saveCheckpoint(path, checkpointTensors(best.state), { ...meta, epoch: best.epoch, err: best.error }),
    'train.log': logs.train.join('\n') + '\n',
    'test.log': logs.test.join('\n') + '\n',
    'history.json': JSON.stringify(json, null, 2) + '\n',
    'loss.svg': lineChartSvg({ title: `${json.model} ${json.method}: loss`, xLabel: 'epoch', yLabel: 'cross-entropy', series: [
      series('train loss', (r) => r.train.loss), series('train robust loss', (r) => r.train.robustLoss), series('test loss', (r) => r.test.loss), series('test robust loss', (r) => r.test.robustLoss),
    ].filter((s) => s.points.some((p) => Number.isFinite(p[1]))) }),
    'error.svg': lineChartSvg({ title: `${json.model} ${json.method}: error`, xLabel: 'epoch', yLabel: 'error', series: [
      series('train err', (r) => r.train.error), series('train robust err', (r) => r.train.robustError), series('test err', (r) => r.test.error), series('test robust/PGD err', (r) => r.test.robustError ?? r.test.pgdError),
    ].filter((s) => s.points.some((p) => Number.isFinite(p[1]))) }),
    'report.md': `# relaxjs train (${json.method}, ${json.model}, ${json.data})\n\n${text}\nBest epoch ${best.epoch} (test error bound ${percent(best.error)}).\n\n![loss](loss.svg)\n![error](error.svg)\n`,
  };
}

/** A state dict as checkpoint tensors (same shapes and data). */
function checkpointTensors(sd: StateDict): Map<string, CheckpointTensor> {
  return new Map([...sd].map(([name, e]) => [name, { shape: [...e.shape], data: e.data }]));
}

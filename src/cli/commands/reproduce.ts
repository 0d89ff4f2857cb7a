/**
 * `relaxjs reproduce`: the original README's MNIST table (base, FGS, PGD and robust error of a
 * normally trained and a robustly trained network), on a budget: both models are trained here
 * (or loaded with --baseline-weights / --robust-weights), then attacked and certified on the
 * same test subset.
 * @module
 */
import { attackDataset } from '../../attack/index.js';
import { batches } from '../../data/batches.js';
import type { Dataset } from '../../data/dataset.js';
import type { DenseSequential, Sequential } from '../../nn/index.js';
import { robustnessTable, type RobustnessRow } from '../../report/index.js';
import { Tensor } from '../../tensor/tensor.js';
import { trainModel } from '../../train/fit.js';
import { passLength } from '../../train/trainer.js';
import { writeDirAtomic } from '../../util/fs.js';
import { defineCommand, type CommandContext } from '../command.js';
import { choiceFlag, numberFlag, optionalNumberFlag, stringFlag, switchFlag } from '../flags.js';
import { certifyBatch, type BallOptions } from '../robust.js';
import { buildModel, checkedScheduleLength, checkOutFolder, checkWeightsPath, limitDataset, loadSplit, loadWeights, OUT_FLAGS, testSubset, type ModelName } from '../setup.js';

/** Settings shared by both models' training. */
interface Budget { model: ModelName; epochs: number; batchSize: number; lr: number; epsilon: number; startingEpsilon: number; scheduleLength: number; seed: number; ball: BallOptions }

/** The `relaxjs reproduce` command (see the module doc and its `--help`). */
export const reproduceCommand = defineCommand({
  name: 'reproduce',
  summary: "the README's MNIST table: normal vs robust network under FGS, PGD and the certificate",
  details: [
    'Trains a normal (baseline) and a robust network on a subset of the embedded MNIST digits (Adam,',
    'the original eps ramp), or loads them, then reports on the same test subset: base error, FGS and',
    'PGD (100 x 0.01) error, and the certified robust error (an upper bound on any attack).',
  ],
  examples: [
    'relaxjs reproduce --out runs/table',
    'relaxjs reproduce --model mnist_model --robust-weights ../shared/models/mnist.pth --test-limit 100 --out runs/table',
  ],
  flags: {
    model: choiceFlag('architecture (the README used mnist_model; mnist_500 is much cheaper to train robustly)', ['mnist_500', 'mnist_model', 'mnist_model_large'] as const, 'mnist_500'),
    baselineWeights: stringFlag('load the normal network instead of training it', '<file>'),
    robustWeights: stringFlag('load the robust network instead of training it', '<file>'),
    epochs: numberFlag('training epochs of each model', 2, { integer: true, min: 1 }),
    batchSize: numberFlag('examples per batch', 50, { integer: true, min: 1 }),
    lr: numberFlag('Adam learning rate', 1e-3, { min: 0, exclusiveMin: true }),
    epsilon: numberFlag('l-inf radius (training target, attacks, certificate)', 0.1, { min: 0 }),
    startingEpsilon: numberFlag('first radius of the robust training ramp (<= --epsilon)', 0.01, { min: 0 }),
    scheduleLength: optionalNumberFlag('epochs of the ramp (<= --epochs; default: half the epochs)', { integer: true, min: 0 }),
    bounded: switchFlag('train, attack and certify on the ball intersected with [0,1] (the original mnist.py trains so)'),
    pgdIterations: numberFlag('PGD steps of size 0.01 (the README: 100)', 100, { integer: true, min: 0 }),
    trainLimit: numberFlag('training examples (seeded random subset of the 8,000)', 2000, { integer: true, min: 1 }),
    testLimit: numberFlag('test examples (seeded random subset of the 2,000)', 200, { integer: true, min: 1 }),
    ...OUT_FLAGS,
  },
  run(flags, ctx) {
    const out = flags.out && ctx.path(flags.out);
    checkOutFolder(out, flags.overwrite);
    const scheduleLength = checkedScheduleLength(flags, Math.floor(flags.epochs / 2));
    const baseWeights = flags.baselineWeights === undefined ? undefined : checkWeightsPath(ctx.path(flags.baselineWeights), '--baseline-weights');
    const robustWeights = flags.robustWeights === undefined ? undefined : checkWeightsPath(ctx.path(flags.robustWeights), '--robust-weights');
    buildModel(flags.model, 'mnist', flags.seed); // checks the architecture fits MNIST before any work
    const trainSet = limitDataset(loadSplit('mnist', 'train', undefined), flags.trainLimit, flags.seed, '--train-limit');
    const { test } = testSubset('mnist', undefined, flags.testLimit, flags.seed, '--test-limit');
    if (out) ctx.claim('--out', out);
    const ball: BallOptions = { norm: 'linf', bounded: flags.bounded };
    const budget: Budget = { model: flags.model, epochs: flags.epochs, batchSize: flags.batchSize, lr: flags.lr, epsilon: flags.epsilon, startingEpsilon: flags.startingEpsilon, scheduleLength, seed: flags.seed, ball };
    const rows: RobustnessRow[] = [];
    for (const [label, method, weights] of [['Original', 'baseline', baseWeights], ['Robust', 'robust', robustWeights]] as const) {
      const model = buildModel(flags.model, 'mnist', flags.seed);
      if (weights) loadWeights(model, weights);
      else train(model, trainSet, method, budget, ctx);
      rows.push({ model: label, ...evaluateModel(model, test, { epsilon: flags.epsilon, batchSize: flags.batchSize, iterations: flags.pgdIterations, ball }, ctx, label) });
    }
    const table = robustnessTable(rows);
    const text = `embedded MNIST, ${flags.model}, ${trainSet.n} training / ${test.n} test examples, epsilon ${flags.epsilon}\n\n${table}`;
    const json = { command: 'reproduce', seed: flags.seed, model: flags.model, trainN: trainSet.n, testN: test.n, epsilon: flags.epsilon, epochs: flags.epochs, rows };
    if (out) writeDirAtomic(out, { 'report.md': `# relaxjs reproduce\n\n${text}`, 'results.json': JSON.stringify(json, null, 2) + '\n' }, flags.overwrite);
    return { text, json };
  },
});

/** Trains `model` in place with `trainModel` (Adam, the ε ramp, StepLR after it; no evaluation). */
function train(model: Sequential | DenseSequential, data: Dataset, method: 'baseline' | 'robust', b: Budget, ctx: CommandContext): void {
  let bar = ctx.progress('', 0);
  trainModel(model, {
    method, train: data, epochs: b.epochs, epsilon: b.epsilon, startingEpsilon: b.startingEpsilon, scheduleLength: b.scheduleLength,
    batchSize: b.batchSize, lr: b.lr, robust: b.ball, seed: b.seed,
    onProgress: (p) => {
      if (p.batch === 1) { bar.done(); bar = ctx.progress(`${method} epoch ${p.epoch + 1}/${p.epochs}`, p.batches); }
      bar.tick();
    },
  });
  bar.done();
}

/** Base, FGS, PGD and certified error of `model` on `test`. */
function evaluateModel(model: Sequential | DenseSequential, test: Dataset, settings: { epsilon: number; batchSize: number; iterations: number; ball: BallOptions }, ctx: CommandContext, label: string): Omit<RobustnessRow, 'model'> {
  const { epsilon, batchSize, iterations, ball } = settings;
  model.eval();
  const steps = passLength(test.n, batchSize);
  const attack = (kind: 'fgs' | 'pgd') => {
    const bar = ctx.progress(`${label} ${kind.toUpperCase()}`, steps);
    // with a bounded ball the attacks must stay in [0,1] too, or they would leave the certified set
    const s = attackDataset(kind, model, test, epsilon, { batchSize, iterations, clip01: ball.bounded, onBatch: () => bar.tick() });
    bar.done();
    return s;
  };
  const fgs = attack('fgs');
  const pgd = attack('pgd');
  const bar = ctx.progress(`${label} certify`, steps);
  let uncertified = 0;
  for (const batch of batches(test, batchSize)) {
    const X = new Tensor(batch.images, [batch.size, ...test.shape]);
    uncertified += certifyBatch(model, epsilon, X, batch.labels, ball).errors.reduce((a, e) => a + e, 0);
    bar.tick();
  }
  bar.done();
  return { baseError: fgs.cleanError, fgsError: fgs.attackError, pgdError: pgd.attackError, robustError: uncertified / Math.max(1, test.n) };
}

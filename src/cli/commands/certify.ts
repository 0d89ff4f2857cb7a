/**
 * `relaxjs certify`: the certified (robust) error of a trained model: the fraction of test
 * examples for which the dual bound cannot rule out a misclassification anywhere in the ball
 * (Wong & Kolter 2018, Thm. 2; the original's `evaluate_robust`).
 * @module
 */
import { batches } from '../../data/batches.js';
import type { Dataset } from '../../data/dataset.js';
import { evaluateCascade } from '../../train/cascade.js';
import { loadCascade } from '../../train/cascade-train.js';
import { passLength } from '../../train/trainer.js';
import { countOf, markdownTable, percent } from '../../report/index.js';
import { Tensor } from '../../tensor/tensor.js';
import { writeDirAtomic } from '../../util/fs.js';
import { defineCommand, type CommandContext } from '../command.js';
import { UsageError } from '../errors.js';
import { choiceFlag, numberFlag, switchFlag } from '../flags.js';
import { asBadInput, buildModel, checkWeightsPath, type CliModel } from '../model.js';
import { BOUND_METHODS, certifyBatch, type BallOptions } from '../robust.js';
import { BALL_FLAGS, checkBall, DATA_FLAGS, limitFlag, MODEL_FLAGS, OUT_FLAGS, prepareEvaluation, prepareRun, testSubset, type PreparedEvaluation } from '../setup.js';

/** The `relaxjs certify` command (see the module doc and its `--help`). */
export const certifyCommand = defineCommand({
  name: 'certify',
  summary: 'certified robust error of a trained model (dual bound, exact)',
  details: [
    'For every test example, bounds the worst logit difference over the eps-ball with the dual',
    'network; an example counts as certified when no other class can reach its own class\'s logit.',
    'The robust error is an upper bound on the error of any attack within the ball. With --cascade the',
    'weights are a cascade (e.g. ../shared/models/mnist_small_0_3_cascade.pth): each example is taken by',
    'the first stage that certifies its own prediction (the original evaluate_robust_cascade).',
  ],
  examples: [
    'relaxjs certify --weights ../shared/models/mnist.pth --epsilon 0.1 --limit 100',
    'relaxjs certify --data fashion-mnist --weights ../shared/models/fashion_mnist.pth --limit 50 --json',
    'relaxjs certify --cascade --weights ../shared/models/mnist_small_0_3_cascade.pth --epsilon 0.3 --bounded --limit 100',
  ],
  flags: { ...DATA_FLAGS, ...MODEL_FLAGS, ...BALL_FLAGS,
    method: choiceFlag('bound method: dual (Wong-Kolter), ibp, crown, crown-ibp, alpha-crown (20 Adam steps)', BOUND_METHODS, 'dual'),
    batchSize: numberFlag('examples per batch', 50, { integer: true, min: 1 }), limit: limitFlag('test'),
    cascade: switchFlag('the weights hold a cascade of models (a .pth list of state dicts or a relaxjs cascade file); certify as the cascade'),
    ...OUT_FLAGS },
  run(flags, ctx) {
    if (flags.cascade && flags.method !== 'dual') throw new UsageError(`--method ${flags.method}: --cascade certifies with the dual only (use --method dual)`);
    const { modelName, out, weights, model, test, testIndices, cascade }: PreparedEvaluation & { cascade?: CliModel[] } = flags.cascade ? prepareCascade(flags, ctx) : prepareEvaluation(flags, ctx, () => checkBall(flags));
    const { clean, certified } = cascade ? certifyCascade(cascade, test, flags, ctx) : certifyModel(model, test, flags, ctx);
    const robust = certified.reduce((a, c) => a + 1 - c, 0);
    const json = {
      command: 'certify', model: cascade ? `cascade of ${cascade.length} ${modelName}` : modelName, weights, data: flags.data, n: test.n, epsilon: flags.epsilon, norm: flags.norm, method: flags.method,
      bounded: flags.bounded, seed: flags.seed, cleanError: clean / Math.max(1, test.n), robustError: robust / Math.max(1, test.n),
    };
    const text = `${flags.data} test, ${countOf(test.n, 'example')}, ${flags.norm} ball of radius ${flags.epsilon}${flags.bounded ? ' within [0,1]' : ''}\n\n`
      + markdownTable(['', 'Base error', 'Robust error (certified bound)'], [[json.model, percent(json.cleanError), percent(json.robustError)]], ['right', 'right', 'right']);
    if (out) {
      writeDirAtomic(out, {
        'report.md': `# relaxjs certify\n\n${text}`,
        // certified[k] is the outcome of the example at index indices[k] of the test split
        'results.json': JSON.stringify({ ...json, indices: testIndices, certified: Array.from(certified) }, null, 2) + '\n',
      }, flags.overwrite);
    }
    return { text, json };
  },
});

/** The flags the certificate loops read. */
interface LoopFlags extends BallOptions { readonly epsilon: number; readonly batchSize: number }

/** Per-example certificates of one model: `certified[k]` 1 when example k is certified; `clean` = misclassified count. */
function certifyModel(model: CliModel, test: Dataset, flags: LoopFlags, ctx: CommandContext): { clean: number; certified: Uint8Array } {
  const certified = new Uint8Array(test.n);
  let clean = 0;
  let at = 0;
  const bar = ctx.progress('certify', passLength(test.n, flags.batchSize));
  for (const batch of batches(test, flags.batchSize)) {
    const X = new Tensor(batch.images, [batch.size, ...test.shape]);
    const result = certifyBatch(model, flags.epsilon, X, batch.labels, flags);
    result.errors.forEach((e, b) => { certified[at + b] = 1 - e; });
    result.cleanErrors.forEach((e) => { clean += e; });
    at += batch.size;
    bar.tick(1, `robust err ${percent(1 - certified.subarray(0, at).reduce((a, c) => a + c, 0) / at)}`);
  }
  bar.done();
  return { clean, certified };
}

/**
 * {@link prepareEvaluation} for `--cascade`: the same checks and test subset, the stages (each a
 * `--model`, default the dataset's, zoo network) read from `--weights`.
 */
function prepareCascade(flags: Parameters<typeof prepareEvaluation>[0] & BallOptions, ctx: CommandContext): PreparedEvaluation & { cascade: CliModel[] } {
  const run = prepareRun(flags, ctx, () => {
    checkBall(flags);
    return checkWeightsPath(flags.weights && ctx.path(flags.weights));
  });
  const weights = run.checked;
  const { models } = asBadInput('--weights', weights, () => loadCascade(weights, () => buildModel(flags.model, flags.data, flags.seed)));
  const { test, indices } = testSubset(flags.data, run.dataDir, flags.limit, flags.seed);
  return { ...run, weights, test, testIndices: indices, cascade: models as CliModel[] };
}

/** Per-example outcomes of a cascade (`certified` 1 = not a robust error). */
function certifyCascade(models: readonly CliModel[], test: Dataset, flags: LoopFlags, ctx: CommandContext): { clean: number; certified: Uint8Array } {
  models.forEach((m) => m.eval());
  const bar = ctx.progress('certify cascade', passLength(test.n, flags.batchSize));
  const result = evaluateCascade(models, test, flags.epsilon, { norm: flags.norm, bounded: flags.bounded }, flags.batchSize, () => bar.tick());
  bar.done();
  const { errors, cleanErrors } = result.certificate;
  return { clean: cleanErrors.reduce((a, e) => a + e, 0), certified: errors.map((e) => 1 - e) };
}

/**
 * `relaxjs certify`: the certified (robust) error of a trained model: the fraction of test
 * examples for which the dual bound cannot rule out a misclassification anywhere in the ball
 * (Wong & Kolter 2018, Thm. 2; the original's `evaluate_robust`).
 * @module
 */
import { batches } from '../../data/batches.js';
import { passLength } from '../../train/trainer.js';
import { markdownTable, percent } from '../../report/index.js';
import { Tensor } from '../../tensor/tensor.js';
import { writeDirAtomic } from '../../util/fs.js';
import { defineCommand } from '../command.js';
import { numberFlag } from '../flags.js';
import { certifyBatch } from '../robust.js';
import { BALL_FLAGS, DATA_FLAGS, limitFlag, MODEL_FLAGS, OUT_FLAGS, prepareEvaluation } from '../setup.js';

/** The `relaxjs certify` command (see the module doc and its `--help`). */
export const certifyCommand = defineCommand({
  name: 'certify',
  summary: 'certified robust error of a trained model (dual bound, exact)',
  details: [
    'For every test example, bounds the worst logit difference over the eps-ball with the dual',
    'network; an example counts as certified when no other class can reach its own class\'s logit.',
    'The robust error is an upper bound on the error of any attack within the ball.',
  ],
  examples: [
    'relaxjs certify --weights ../shared/models/mnist.pth --epsilon 0.1 --limit 100',
    'relaxjs certify --data fashion-mnist --weights ../shared/models/fashion_mnist.pth --limit 50 --json',
  ],
  flags: { ...DATA_FLAGS, ...MODEL_FLAGS, ...BALL_FLAGS, batchSize: numberFlag('examples per batch', 50, { integer: true, min: 1 }), limit: limitFlag('test'), ...OUT_FLAGS },
  run(flags, ctx) {
    const { modelName, out, weights, model, test } = prepareEvaluation(flags, ctx);
    const certified = new Uint8Array(test.n);
    let clean = 0;
    let robust = 0;
    let at = 0;
    const bar = ctx.progress('certify', passLength(test.n, flags.batchSize));
    for (const batch of batches(test, flags.batchSize)) {
      const X = new Tensor(batch.images, [batch.size, ...test.shape]);
      const result = certifyBatch(model, flags.epsilon, X, batch.labels, flags);
      result.errors.forEach((e, b) => { robust += e; certified[at + b] = 1 - e; });
      result.cleanErrors.forEach((e) => { clean += e; });
      at += batch.size;
      bar.tick(1, `robust err ${percent(robust / at)}`);
    }
    bar.done();
    const json = {
      command: 'certify', model: modelName, weights, data: flags.data, n: test.n, epsilon: flags.epsilon, norm: flags.norm,
      bounded: flags.bounded, seed: flags.seed, cleanError: clean / Math.max(1, test.n), robustError: robust / Math.max(1, test.n),
    };
    const text = `${flags.data} test, ${test.n} examples, ${flags.norm} ball of radius ${flags.epsilon}${flags.bounded ? ' within [0,1]' : ''}\n\n`
      + markdownTable(['', 'Base error', 'Robust error (certified bound)'], [[modelName, percent(json.cleanError), percent(json.robustError)]], ['right', 'right', 'right']);
    if (out) {
      writeDirAtomic(out, {
        'report.md': `# relaxjs certify\n\n${text}`,
        'results.json': JSON.stringify({ ...json, certified: Array.from(certified) }, null, 2) + '\n',
      }, flags.overwrite);
    }
    return { text, json };
  },
});

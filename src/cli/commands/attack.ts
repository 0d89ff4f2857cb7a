/**
 * `relaxjs attack`: the empirical columns of the original README's table (base, FGS and PGD
 * error) for a trained model on a test set, with the original `_fgs` / `_pgd` settings.
 * @module
 */
import { attackDataset, PGD_DEFAULTS, type AttackKind } from '../../attack/index.js';
import { passLength } from '../../train/trainer.js';
import { countOf, markdownTable, percent } from '../../report/index.js';
import { writeDirAtomic } from '../../util/fs.js';
import { defineCommand } from '../command.js';
import { choiceFlag, numberFlag, switchFlag } from '../flags.js';
import { DATA_FLAGS, limitFlag, MODEL_FLAGS, OUT_FLAGS, prepareEvaluation } from '../setup.js';

/** The `relaxjs attack` command (see the module doc and its `--help`). */
export const attackCommand = defineCommand({
  name: 'attack',
  summary: 'FGS / PGD error of a trained model on the test set',
  details: [
    'Runs the fast gradient sign attack (one step of size epsilon) and projected gradient descent',
    '(--iterations sign steps of size --step, each projected back onto the l-inf ball) as the',
    "original examples/attacks.py does: no random start, no [0,1] clipping unless --clip01.",
  ],
  examples: [
    'relaxjs attack --weights ../shared/models/mnist.pth --limit 200',
    'relaxjs attack --weights run/model.ckpt --attack pgd --epsilon 0.1 --iterations 40 --json',
  ],
  flags: {
    ...DATA_FLAGS,
    ...MODEL_FLAGS,
    epsilon: numberFlag('l-inf radius of the attack', 0.1, { min: 0 }),
    attack: choiceFlag('which attacks', ['fgs', 'pgd', 'both'] as const, 'both'),
    iterations: numberFlag('PGD steps', PGD_DEFAULTS.iterations, { integer: true, min: 0 }),
    step: numberFlag('PGD step size', PGD_DEFAULTS.step, { min: 0 }),
    clip01: switchFlag('also clamp every iterate to [0,1] (the train_madry variant)'),
    batchSize: numberFlag('examples per batch', 50, { integer: true, min: 1 }),
    limit: limitFlag('test'),
    ...OUT_FLAGS,
  },
  run(flags, ctx) {
    const { modelName, out, weights, model, test } = prepareEvaluation(flags, ctx);
    const kinds: AttackKind[] = flags.attack === 'both' ? ['fgs', 'pgd'] : [flags.attack];
    const errors: Partial<Record<AttackKind, number>> = {};
    let cleanError = Number.NaN;
    for (const kind of kinds) {
      const bar = ctx.progress(kind.toUpperCase(), passLength(test.n, flags.batchSize));
      const summary = attackDataset(kind, model, test, flags.epsilon, {
        batchSize: flags.batchSize, iterations: flags.iterations, step: flags.step, clip01: flags.clip01, onBatch: () => bar.tick(),
      });
      bar.done();
      errors[kind] = summary.attackError;
      cleanError = summary.cleanError;
    }
    const json = {
      command: 'attack', model: modelName, weights, data: flags.data, n: test.n, epsilon: flags.epsilon,
      // FGS is one step of size epsilon: the PGD settings apply only when PGD ran
      ...(errors.pgd === undefined ? {} : { iterations: flags.iterations, step: flags.step }), clip01: flags.clip01, seed: flags.seed,
      cleanError, fgsError: errors.fgs ?? null, pgdError: errors.pgd ?? null,
    };
    // the columns of the attacks that ran (a certified "Robust error" is `relaxjs certify`'s)
    const columns = kinds.map((k) => `${k.toUpperCase()} error`);
    const table = markdownTable(['', 'Base error', ...columns], [[modelName, percent(cleanError), ...kinds.map((k) => percent(errors[k]))]], Array(2 + kinds.length).fill('right'));
    const text = `${flags.data} test, ${countOf(test.n, 'example')}, epsilon ${flags.epsilon}\n\n${table}`;
    if (out) {
      writeDirAtomic(out, { 'report.md': `# relaxjs attack\n\n${text}`, 'results.json': JSON.stringify(json, null, 2) + '\n' }, flags.overwrite);
    }
    return { text, json };
  },
});

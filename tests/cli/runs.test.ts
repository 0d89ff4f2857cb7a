// Small real runs of every command, in-process: outputs, report folders and their contents.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/run.js';
import { radiusHistogram } from '../../src/cli/commands/radius.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';
import { checkWellFormedXml, readPng } from '../report/helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'relaxjs-runs-'));
const run = async (argv: string[]) => {
  const io = captureIo({ cwd: scratch });
  const code = await runCli(argv, io);
  const out = io.out.join('');
  if (code !== 0) throw new Error(`relaxjs ${argv.join(' ')} exited ${code}: ${io.err.join('')}`);
  return { out, err: io.err.join(''), json: () => JSON.parse(out) as Record<string, unknown> };
};

test('train (baseline, tiny) writes the whole report folder; the checkpoint holds the state dict', async () => {
  const r = await run(['train', '--method', 'baseline', '--model', 'mnist_500', '--epochs', '2', '--schedule-length', '1',
    '--train-limit', '100', '--test-limit', '20', '--batch-size', '50', '--out', 'base', '--seed', '3']);
  assert.ok(r.out.includes('| epoch |'), r.out);
  const dir = join(scratch, 'base');
  assert.equal(readdirSync(dir).sort(), ['best.ckpt', 'error.svg', 'history.json', 'loss.svg', 'model.ckpt', 'report.md', 'test.log', 'train.log']);
  const trainLog = readFileSync(join(dir, 'train.log'), 'utf8').trim().split('\n');
  assert.is(trainLog.length, 4, '2 epochs x 2 batches');
  assert.match(trainLog[3]!, /^2 2 \d+\.\d+(e-\d+)? 0(\.\d+)?$/, 'epoch and batch counted from 1');
  const history = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')) as { history: { epsilon: number; lr: number }[] };
  assert.equal(history.history.map((h) => h.epsilon), [0, 0], 'baseline trains without a radius');
  assert.equal(history.history.map((h) => h.lr), [1e-3, 1e-3]);
  const ckpt = loadCheckpoint(join(dir, 'model.ckpt'));
  assert.equal([...ckpt.tensors.keys()], ['1.weight', '1.bias', '3.weight', '3.bias']);
  assert.equal(ckpt.tensors.get('1.weight')!.shape, [500, 784]);
  checkWellFormedXml(readFileSync(join(dir, 'loss.svg'), 'utf8'));
  checkWellFormedXml(readFileSync(join(dir, 'error.svg'), 'utf8'));
});

test('attack, certify and radius run on the trained checkpoint (--json)', async () => {
  const weights = join(scratch, 'base', 'model.ckpt');
  const a = (await run(['attack', '--model', 'mnist_500', '--weights', weights, '--limit', '10', '--iterations', '3', '--json'])).json();
  assert.is(a.n, 10);
  for (const k of ['cleanError', 'fgsError', 'pgdError'] as const) assert.ok((a[k] as number) >= 0 && (a[k] as number) <= 1, k);
  const c = (await run(['certify', '--model', 'mnist_500', '--weights', weights, '--limit', '4', '--epsilon', '0.01', '--json'])).json();
  assert.is(c.n, 4);
  assert.ok((c.robustError as number) >= (c.cleanError as number), 'a certified error is never below the clean error');
  await run(['radius', '--model', 'mnist_500', '--weights', weights, '--limit', '3', '--steps', '2', '--max-epsilon', '0.05', '--out', 'rad']);
  const radii = JSON.parse(readFileSync(join(scratch, 'rad', 'results.json'), 'utf8')) as { radii: number[] };
  assert.is(radii.radii.length, 3);
  for (const v of radii.radii) assert.ok([0, Math.fround(0.0125), Math.fround(0.025), Math.fround(0.0375), Math.fround(0.05)].includes(v), `radius ${v} is a bisection point`);
  checkWellFormedXml(readFileSync(join(scratch, 'rad', 'radius.svg'), 'utf8'));
});

test('toy2d writes SVG and PNG pictures for both models and a results table', async () => {
  const r = await run(['toy2d', '--points', '6', '--steps', '15', '--grid', '12', '--pixels', '48', '--out', 'toy']);
  assert.match(r.out, /\| baseline \|/);
  assert.match(r.out, /\| robust {3}\|/);
  const dir = join(scratch, 'toy');
  assert.equal(readdirSync(dir).sort(), ['regions-baseline.png', 'regions-baseline.svg', 'regions-robust.png', 'regions-robust.svg', 'report.md', 'results.json']);
  const png = readPng(readFileSync(join(dir, 'regions-robust.png')));
  assert.equal([png.width, png.height], [44 + 48 + 16, 34 + 48 + 26 + 26], 'the 48-pixel plot with room for title, axes and legend');
  const dark = (y0: number, y1: number) => { let n = 0; for (let y = y0; y < y1; y++) for (let x = 0; x < png.width; x++) if (png.rgba[4 * (y * png.width + x)]! < 60) n++; return n; };
  assert.ok(dark(0, 30) > 20, 'a title above the plot');
  assert.ok(dark(34 + 48 + 26, png.height) > 20, 'a legend below the axis');
  const svg = readFileSync(join(dir, 'regions-baseline.svg'), 'utf8');
  const names = checkWellFormedXml(svg);
  assert.is(names.filter((n) => n === 'circle').length, 6 + (svg.match(/>class \d</g) ?? []).length, 'the points and one legend dot per class');
  assert.ok(svg.includes('>class 0<') && svg.includes('ε-box, ε = 0.08'), 'the SVG legend');
});

test('reproduce prints the README table; bench times the standard step in a child process', async () => {
  const r = await run(['reproduce', '--epochs', '1', '--train-limit', '10', '--test-limit', '4', '--batch-size', '10', '--pgd-iterations', '10', '--bounded', '--json']);
  const rows = r.json().rows as { model: string; baseError: number; robustError: number; pgdError: number }[];
  assert.equal(rows.map((x) => x.model), ['Original', 'Robust']);
  for (const row of rows) assert.ok(row.robustError >= row.pgdError, 'the certified error bounds the PGD error');
  const b = (await run(['bench', '--quick', '--only', 'train_step_standard_b50', '--json'])).json();
  const workloads = b.workloads as Record<string, { status: string; median_s: number; timed_runs: number }>;
  assert.equal(Object.keys(workloads), ['train_step_standard_b50']);
  assert.is(workloads.train_step_standard_b50!.status, 'ok');
  assert.ok(workloads.train_step_standard_b50!.median_s > 0);
  assert.is(workloads.train_step_standard_b50!.timed_runs, 1);
  assert.not.ok(existsSync(join(scratch, 'bench')));
});

test('radius histogram keeps radii capped at fround(max-epsilon) in the last bin', () => {
  const h = radiusHistogram([0, 0.015, Math.fround(0.05), Math.fround(0.05)], 5, 0.05);
  assert.equal(h.counts, [1, 1, 0, 0, 2]);
});

test.after(() => rmSync(scratch, { recursive: true, force: true }));
test.run();

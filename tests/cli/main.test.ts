// `relaxjs main`, the default job (`npm start` with no arguments): the dispatch of no arguments
// or flags only, its help, argument checks that leave no folder behind, and one tiny real run
// (100 digits, 1 epoch, 16 hidden units) with its table, report folder, progress bars and --resume.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegisteredCommand } from '../../src/cli/command.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { captureIo } from '../../src/cli/io.js';
import { claimNewRunDir, claimOutput } from '../../src/cli/outputs.js';
import { mainHelp, runCli } from '../../src/cli/run.js';
import { checkWellFormedXml } from '../report/helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'relaxjs-main-cli-'));
/** Runs the CLI in a fresh empty working directory under `scratch`. */
const run = async (argv: string[], options: { isTTY?: boolean; cwd?: string } = {}) => {
  const cwd = options.cwd ?? mkdtempSync(join(scratch, 'cwd-'));
  const io = captureIo({ cwd, isTTY: options.isTTY });
  const code = await runCli(argv, io);
  return { code, cwd, out: io.out.join(''), err: io.err.join('') };
};

test('no arguments, or flags without a command, run main with exactly those arguments', async () => {
  const calls: (readonly string[])[] = [];
  const main = COMMANDS.find((c) => c.name === 'main')!;
  const stub: RegisteredCommand = { ...main, execute: async (argv) => { calls.push(argv); return { result: { text: 'ran', json: {} }, json: false }; } };
  const table = [stub, ...COMMANDS.filter((c) => c !== main)];
  const io = captureIo();
  assert.is(await runCli([], io, table), 0);
  assert.is(await runCli(['--epochs', '20', '--epsilon', '0.1'], io, table), 0);
  assert.equal(calls, [[], ['--epochs', '20', '--epsilon', '0.1']]);
  assert.is(io.out.join(''), 'ran\nran\n');
});

test('help: main --help, flags-only --help, and the top-level help says no arguments = main', async () => {
  for (const argv of [['main', '--help'], ['--epochs', '3', '--help']]) {
    const r = await run(argv);
    assert.is(r.code, 0);
    assert.is(r.err, '');
    assert.ok(r.out.startsWith('relaxjs main: '), r.out);
    for (const flag of ['--epsilon', '--train-size', '--test-size', '--epochs', '--starting-epsilon', '--schedule-length', '--hidden', '--batch-size', '--lr', '--pgd-iterations', '--out', '--resume', '--seed', '--json', '--backend']) {
      assert.ok(r.out.includes(`  ${flag} `) || r.out.includes(`  ${flag}\n`), `main --help lacks ${flag}`);
    }
  }
  assert.match(mainHelp(), /no command: runs 'main'/);
  assert.is((await run(['--help'])).out, mainHelp());
});

test('bad arguments exit 2 with one line before any work: no runs/ folder, an occupied --out left alone', async () => {
  for (const argv of [['main', '--epochs', '-1'], ['--epochs', '-1']]) {
    const r = await run(argv);
    assert.is(r.code, 2);
    assert.is(r.err, 'relaxjs: --epochs must be an integer >= 1, got -1\n');
    assert.is(r.out, '');
    assert.equal(readdirSync(r.cwd), [], 'no report folder');
  }
  const resume = await run(['main', '--resume']);
  assert.is(resume.err, 'relaxjs: --resume needs --out <the report folder of the run to continue>\n');
  const missing = await run(['main', '--resume', '--out', 'gone']);
  assert.is(missing.err, `relaxjs: --out ${join(missing.cwd, 'gone')} does not exist, so there is no run to resume\n`);
  const cwd = mkdtempSync(join(scratch, 'cwd-'));
  mkdirSync(join(cwd, 'taken'));
  writeFileSync(join(cwd, 'taken', 'keep.txt'), 'mine');
  const taken = await run(['main', '--out', 'taken'], { cwd });
  assert.is(taken.code, 2);
  assert.is(taken.err, `relaxjs: --out ${join(cwd, 'taken')} already exists and is not empty (pass --resume to continue the run in it, or choose another folder)\n`);
  assert.equal(readdirSync(join(cwd, 'taken')), ['keep.txt']);
});

const TINY = ['--train-size', '100', '--test-size', '20', '--epochs', '1', '--hidden', '16', '--pgd-iterations', '10'];

test('a tiny run prints the settings, bars per task, the table once and the report folder; --resume repeats it', async () => {
  const r = await run(['main', ...TINY], { isTTY: true });
  assert.is(r.code, 0, r.err);
  const runs = readdirSync(join(r.cwd, 'runs'));
  assert.is(runs.length, 1);
  assert.match(runs[0]!, /^\d{4}-\d\d-\d\d_\d{6}$/, 'the dated default folder');
  const dir = join(r.cwd, 'runs', runs[0]!);
  assert.equal(readdirSync(dir).sort(), ['crown-ibp.ckpt', 'results.json', 'robust.ckpt', 'robust.jsonl', 'standard.ckpt', 'standard.jsonl', 'table.md', 'training-curve.svg']);
  assert.match(r.err, /^main job: standard vs robust MLP 784-16-10, embedded MNIST 100 train \/ 20 test digits, l-inf eps 0.1 \(ramp 0.01 -> 0.1 over 1 epoch, input box \[0,1\]\), 1 epoch,/, 'one epoch, not 1 epochs');
  for (const label of ['[1/6] train standard', '[2/6] evaluate standard FGS', '[2/6] evaluate standard PGD', '[3/6] train robust', '[4/6] evaluate robust certify', '[5/6] train crown-ibp', '[6/6] evaluate crown-ibp certify']) assert.ok(r.err.includes(`\r${label} [`), `no bar ${label}`);
  assert.match(r.out, /^\| +\| Base error \| FGS error \| PGD error \| Robust error \|\n/);
  assert.match(r.out, /\| +robust \(16 hidden\) \| +\d+(\.\d)?% \|/);
  assert.ok(r.out.endsWith(`Report folder: ${dir}\n`), r.out);
  assert.not.ok(r.err.includes('Base error'), 'the table is printed once, on stdout');
  const table = r.out.slice(0, r.out.indexOf('\n\n'));
  assert.ok(readFileSync(join(dir, 'table.md'), 'utf8').includes(table), 'table.md holds the printed table');
  checkWellFormedXml(readFileSync(join(dir, 'training-curve.svg'), 'utf8'));
  const again = await run(['main', ...TINY, '--out', dir, '--resume', '--json'], { cwd: r.cwd });
  assert.is(again.code, 0, again.err);
  assert.is(again.err, '', '--json: no status lines, no bars');
  const json = JSON.parse(again.out) as { command: string; outDir: string; table: string; settings: { scheduleLength: number } };
  assert.equal([json.command, json.outDir, json.settings.scheduleLength], ['main', dir, 1]);
  assert.ok(r.out.startsWith(json.table.trimEnd()), 'resumed from the checkpoints: the same table');
});

test('item 6: main --resume after more epochs keeps the curves of the epochs before it and says where it resumes', async () => {
  const cwd = mkdtempSync(join(scratch, 'cwd-'));
  const args = ['main', '--train-size', '100', '--test-size', '20', '--hidden', '16', '--pgd-iterations', '2', '--schedule-length', '1', '--out', 'r'];
  assert.is((await run([...args, '--epochs', '1'], { cwd })).code, 0);
  const again = await run([...args, '--epochs', '2', '--resume'], { cwd });
  assert.is(again.code, 0, again.err);
  assert.match(again.err, /standard: resuming from epoch 2 of 2 \(.*standard.ckpt holds 1 finished epoch\)/);
  const svg = readFileSync(join(cwd, 'r', 'training-curve.svg'), 'utf8');
  assert.ok(svg.includes('running mean (restarts each epoch)'), 'the legend explains the jump at each epoch');
  const first = /<polyline points="([^"]*)"/.exec(svg)![1]!.trim().split(' ');
  assert.is(first.length, 4, 'standard train error: 2 batches in each of the 2 epochs');
});

test('item 2: runs never share a folder: new dated folders get -2, -3; a folder in use is refused (exit 2)', async () => {
  const base = join(scratch, 'runs-same-second', 'stamp');
  assert.equal([claimNewRunDir(base), claimNewRunDir(base), claimNewRunDir(base)], [base, `${base}-2`, `${base}-3`]);
  const release = claimOutput(join(scratch, 'busy'), '--out');
  assert.throws(() => claimOutput(join(scratch, 'busy'), '--out'), /--out .*busy is in use by another relaxjs run \(process \d+; lock file .*\.busy\.lock\)/);
  const cwd = mkdtempSync(join(scratch, 'cwd-'));
  writeFileSync(join(cwd, '.shared.lock'), `${process.pid}\n`);
  const r = await run(['main', '--train-size', '100', '--test-size', '20', '--epochs', '1', '--out', 'shared'], { cwd });
  assert.is(r.code, 2);
  assert.match(r.err, /^relaxjs: --out .*shared is in use by another relaxjs run/);
  release();
  assert.not.ok(existsSync(join(scratch, '.busy.lock')), 'released');
  writeFileSync(join(scratch, '.stale.lock'), '999999999\n'); // a process that no longer runs
  claimOutput(join(scratch, 'stale'), '--out')();
});

test.after(() => rmSync(scratch, { recursive: true, force: true }));
test.run();

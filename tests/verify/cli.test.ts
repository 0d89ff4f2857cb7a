// `relaxjs verify` end to end: one instance, a benchmark folder in worker processes, and the
// split over machines: --shard i/3 for i = 1..3 then --merge gives the same table as one run.
// Runs on ../shared/vnncomp2021/test when present, else on a generated benchmark of the same layout.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { captureIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/run.js';
import { buildModel, weights } from '../helpers/onnx-models.js';
import { seededRandom } from '../../src/verify/attack.js';

const scratch = mkdtempSync(join(tmpdir(), 'relaxjs-verify-'));
const SHARED_TEST = new URL('../../../shared/vnncomp2021/test/', import.meta.url).pathname;

/** A generated benchmark: 2-4-2 MLPs, properties y0 - y1 <= t for several t. */
function generatedBenchmark(): string {
  const dir = join(scratch, 'bench');
  mkdirSync(dir, { recursive: true });
  const rand = seededRandom(5);
  const model = buildModel([1, 2], [
    { op: 'Gemm', inputs: ['x', 'w0', 'b0'], output: 'z', attrs: { transB: 1 } }, { op: 'Relu', inputs: ['z'], output: 'r' },
    { op: 'Gemm', inputs: ['r', 'w1', 'b1'], output: 'y', attrs: { transB: 1 } },
  ], { w0: weights(rand, [4, 2], 1), b0: weights(rand, [4]), w1: weights(rand, [2, 4], 1), b1: weights(rand, [2]) });
  writeFileSync(join(dir, 'net.onnx'), model);
  const lines = [-3, -0.5, 0, 0.5, 3].map((t, k) => {
    writeFileSync(join(dir, `p${k}.vnnlib`), `(declare-const X_0 Real)\n(declare-const X_1 Real)\n(declare-const Y_0 Real)\n(declare-const Y_1 Real)\n(assert (>= X_0 -1))\n(assert (<= X_0 1))\n(assert (>= X_1 -1))\n(assert (<= X_1 1))\n(assert (<= (- Y_0 Y_1) ${t}))\n`);
    return `net.onnx,p${k}.vnnlib,20`;
  });
  writeFileSync(join(dir, 'gen_instances.csv'), lines.join('\n') + '\n');
  return dir;
}

const BENCH = existsSync(SHARED_TEST) ? SHARED_TEST : generatedBenchmark();

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo({ cwd: scratch });
  const code = await runCli(['verify', ...argv], io);
  return { code, out: io.out.join(''), err: io.err.join('') };
}

const table = (dir: string): string[] => readFileSync(join(scratch, dir, 'results.csv'), 'utf8').trim().split('\n').map((l) => l.split(',').slice(0, 3).join(','));

test(`--shard i/3 then --merge equals one run (${BENCH === SHARED_TEST ? 'vnncomp2021/test' : 'generated benchmark'})`, async () => {
  const whole = await cli('--benchmark', BENCH, '--jobs', '2', '--out', 'all');
  assert.is(whole.code, 0, whole.err);
  for (const i of [1, 2, 3]) {
    const r = await cli('--benchmark', BENCH, '--shard', `${i}/3`, '--out', `shards/s${i}`);
    assert.is(r.code, 0, r.err);
  }
  const merged = await cli('--benchmark', BENCH, '--merge', 'shards', '--out', 'merged');
  assert.is(merged.code, 0, merged.err);
  assert.equal(table('merged'), table('all'));
  const rows = table('all').slice(1);
  assert.ok(rows.every((r) => /,(sat|unsat)$/.test(r)), `every instance answered: ${rows.join(' ')}`);
  if (BENCH === SHARED_TEST) {
    const truth = readFileSync(join(BENCH, 'truth.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 2).join(',') + ',' + l.split(',')[3]);
    assert.equal(rows, truth);
  }
  const sat = rows.find((r) => r.endsWith(',sat'));
  if (sat) {
    const [onnx, vnnlib] = sat.split(',');
    const file = readFileSync(join(scratch, 'all', 'instances', `${onnx!.replace('.onnx', '')}__${vnnlib!.replace('.vnnlib', '')}.txt`), 'utf8');
    assert.match(file, /^sat\n\(\(X_0 [-0-9.e]+\)\n/);
  }
});

test('an existing results.csv in --out is resumed (nothing re-run)', async () => {
  const r = await cli('--benchmark', BENCH, '--out', 'all');
  assert.is(r.code, 0, r.err);
  assert.match(r.err, /already done, 0 to run/);
});

test('bad input: exit 2 with the argument named', async () => {
  const missing = await cli('nope.onnx', 'nope.vnnlib');
  assert.is(missing.code, 2);
  assert.match(missing.err, /<model\.onnx> nope\.onnx: no such file/);
  const shard = await cli('--benchmark', BENCH, '--shard', '4/3');
  assert.is(shard.code, 2);
  assert.match(shard.err, /--shard must be i\/n with 1 <= i <= n/);
  const noList = await cli('--benchmark', scratch);
  assert.is(noList.code, 2);
  assert.match(noList.err, /no \*_instances\.csv/);
});

test('a single instance: the answer, and the result file in VNN-COMP form', async () => {
  const list = existsSync(join(BENCH, 'test_instances.csv')) ? 'test_instances.csv' : 'gen_instances.csv';
  const [onnx, vnnlib] = readFileSync(join(BENCH, list), 'utf8').trim().split('\n')[0]!.split(',');
  const r = await cli(join(BENCH, onnx!), join(BENCH, vnnlib!), '--timeout', '20', '--result', 'one.txt');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /^(sat|unsat) \(/, r.out);
  assert.match(readFileSync(join(scratch, 'one.txt'), 'utf8'), /^(sat|unsat)\n/);
});

test.after(() => rmSync(scratch, { recursive: true, force: true }));

test.run();

// scripts/check-reference.ts as other tooling runs it: one line per case in the sorted order of
// the case names, then `N passed, M failed`, exit 0 only when all pass; `--jobs 2` (child
// processes, scripts/check-reference-pool.ts) prints the same lines as `--jobs 1`. Runs on the
// four lirpa fixtures with cheap methods.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = 'tests/fixtures/lirpa';
const NAMES = ['conv_avgpool_linf_1_a', 'conv_bn_linf_1_a', 'conv_maxpool_linf_1_a', 'resblock_linf_1_a'];

function check(...args: string[]): { code: number | null; lines: string[]; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-reference.ts', ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, lines: r.stdout.trim().split('\n'), stderr: r.stderr };
}

test('--jobs 2 prints every case in name order and the summary, as --jobs 1 does', () => {
  const two = check(FIXTURES, '--methods', 'ibp,crown', '--jobs', '2');
  assert.is(two.code, 0, two.stderr);
  assert.is(two.lines.at(-1), '4 passed, 0 failed');
  assert.equal(two.lines.slice(1, -1).map((l) => /^ok {3}(\S+):/.exec(l)?.[1]), NAMES);
  const one = check(FIXTURES, '--methods', 'ibp,crown', '--jobs', '1');
  assert.equal(one.lines, two.lines);
});

test('--float32 prints each error beside how far rounding the data moves float64', () => {
  const r = check(FIXTURES, '--float32', '--methods', 'crown', '--cases', 'conv_bn');
  assert.is(r.code, 0, r.stderr);
  assert.match(r.lines[1]!, /^ok {3}conv_bn_linf_1_a: crown \d\.\de-\d+ \(data rounding \d\.\de-\d+\)$/);
  assert.match(r.lines[0]!, /lirpa-format cases 0\.0001, floor 0\.05/);
});

test('a bad --jobs is refused before any case runs, naming the flag', () => {
  const r = check(FIXTURES, '--jobs', '0');
  assert.is(r.code, 1);
  assert.match(r.stderr, /--jobs must be an integer in \[1, 64\], got 0/);
  assert.is(r.lines.at(-1), '0 passed, 1 failed');
});

test.run();

// The one real subprocess: bin/relaxjs.mjs (tsx registered in-process) runs src/cli/main.ts,
// which must turn runCli's code into the process exit status and keep stdout clean on errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

test('bin/relaxjs.mjs: a bad flag exits 2 with the one-line message on stderr and nothing on stdout', () => {
  const r = spawnSync(process.execPath, ['bin/relaxjs.mjs', 'train', '--epsilon', '-1'], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 60_000 });
  assert.is(r.error, undefined);
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stderr, 'relaxjs: --epsilon must be a number >= 0, got -1\n');
  assert.is(r.stdout, '');
});
test.run();

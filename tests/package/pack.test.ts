// The package as a user gets it: `npm pack` (prepack builds dist/), install the tarball into an empty
// temporary project (dependencies from the local npm cache, else the registry), then run the README's
// library example with plain `node` (no tsx there: it is a dev dependency) and the `relaxjs` bin.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, CI: '1', npm_config_fund: 'false', npm_config_audit: 'false' }, timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The one ```js block of the README's "## Library" section. */
function readmeExample(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Library'));
  const block = /```js\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README: no ```js block in the Library section');
  return block[1]!;
}

/** Newest modification time under `dir` (ms). */
function newest(dir: string): number {
  return Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
}

/** `npm pack` (its prepack rebuilds dist/), or without scripts when dist/ is newer than every source (npm install just built it). */
function packArgs(work: string): string[] {
  const built = join(repoRoot, 'dist', 'index.js');
  const fresh = existsSync(built) && statSync(built).mtimeMs > Math.max(newest(join(repoRoot, 'src')), statSync(join(repoRoot, 'tsconfig.json')).mtimeMs);
  return ['pack', '--json', '--pack-destination', work, ...(fresh ? ['--ignore-scripts'] : [])];
}

test('npm pack -> install into an empty project -> the README example runs with node, the bin runs dist', () => {
  const work = mkdtempSync(join(tmpdir(), 'relaxjs-pack-'));
  try {
    const packed = run(npm, packArgs(work), repoRoot);
    const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const files = info[0]!.files.map((f) => f.path);
    for (const need of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'bin/relaxjs.mjs', 'build/wasm/relaxjs-kernels.wasm']) {
      assert.ok(files.includes(need), `the tarball lacks ${need}`);
    }
    assert.not.ok(files.some((f) => f.startsWith('src/') || f.startsWith('tests/')), 'sources and tests stay out of the tarball');
    const project = join(work, 'app');
    run('mkdir', ['-p', project], work);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, info[0]!.filename)], project);
    assert.not.ok(existsSync(join(project, 'node_modules', 'tsx')), 'tsx is a dev dependency: not installed for users');
    writeFileSync(join(project, 'example.mjs'), readmeExample());
    const out = run(process.execPath, ['example.mjs'], project).stdout;
    assert.match(out, /robust loss \d+\.\d+, uncertified \d+ \/ 32/);
    assert.match(out, /certified \d+ of 32 test digits at ε = 0\.1/);
    assert.match(out, /first ReLU bounds: \[32,16,14,14\]/);
    const bin = spawnSync(join(project, 'node_modules', '.bin', 'relaxjs'), ['train', '--epsilon', '-1'], { cwd: project, encoding: 'utf8' });
    assert.is(bin.status, 2, `the bin's bad-flag exit code (stderr: ${bin.stderr})`);
    assert.match(bin.stderr, /epsilon/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test.run();

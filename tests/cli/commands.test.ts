// Every command's --help, and for every command a bad argument: a one-line `relaxjs: ...`
// message naming the flag, a non-zero exit code, nothing on stdout and no --out folder.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { captureIo } from '../../src/cli/io.js';
import { mainHelp, runCli } from '../../src/cli/run.js';
import { getBackend } from '../../src/tensor/registry.js';

const scratch = mkdtempSync(join(tmpdir(), 'relaxjs-cli-'));
const run = async (argv: string[]) => {
  const io = captureIo({ cwd: scratch });
  const code = await runCli(argv, io);
  return { code, out: io.out.join(''), err: io.err.join('') };
};

test('the command table holds the seven commands of the issue, main and verify', () => {
  assert.equal(COMMANDS.map((c) => c.name).sort(), ['attack', 'bench', 'certify', 'main', 'radius', 'reproduce', 'toy2d', 'train', 'verify']);
  const help = mainHelp();
  for (const c of COMMANDS) assert.ok(help.includes(`  ${c.name} `), c.name);
});

for (const command of COMMANDS) {
  test(`${command.name} --help: exit 0, usage, every flag, the global flags`, async () => {
    for (const argv of [[command.name, '--help'], ['help', command.name], [command.name, '--epsilon', 'nonsense', '--help']]) {
      const r = await run(argv);
      assert.is(r.code, 0, argv.join(' '));
      assert.is(r.err, '');
      assert.ok(r.out.startsWith(`relaxjs ${command.name}: `));
      assert.ok(r.out.includes(`Usage: relaxjs ${command.name} `), 'usage line'); // verify also takes positional files
      for (const flag of ['--seed <int>', '--json', '--help', 'Examples:']) assert.ok(r.out.includes(flag), `${command.name} help lacks ${flag}`);
    }
  });
}

/** One bad argument per command, with the exact message expected on stderr. */
const BAD: [string, string[], string][] = [
  ['train', ['--epsilon', '-1'], 'relaxjs: --epsilon must be a number >= 0, got -1'],
  ['train', ['--schedule-length', '30', '--epochs', '5'], 'relaxjs: --schedule-length (30) must not exceed --epochs (5)'],
  ['train', ['--model', 'har_500'], 'relaxjs: --model har_500 takes HAR feature vectors, but --data mnist has 28x28 images'],
  ['certify', ['--weights', 'missing.pth'], `relaxjs: --weights ${join(scratch, 'missing.pth')} is not a file`],
  ['certify', [], 'relaxjs: --weights is required: a PyTorch .pth state dict or a relaxjs checkpoint'],
  ['attack', ['--attack', 'cw', '--weights', 'x.pth'], 'relaxjs: --attack must be one of fgs, pgd, both, got cw'],
  ['radius', ['--steps', '100'], 'relaxjs: --steps must be an integer >= 0 and <= 40, got 100'],
  ['toy2d', ['--points', '1'], 'relaxjs: --points must be an integer >= 2 and <= 200, got 1'],
  ['reproduce', ['--robust-weights', 'nope.pth'], `relaxjs: --robust-weights ${join(scratch, 'nope.pth')} is not a file`],
  ['bench', ['--runs', '0'], 'relaxjs: --runs must be an integer >= 1, got 0'],
  ['main', ['--epochs', '-1'], 'relaxjs: --epochs must be an integer >= 1, got -1'],
  ['main', ['--train-size', '9000'], 'relaxjs: --train-size must be an integer >= 1 and <= 8000, got 9000'],
  ['main', ['--epochs', '3', '--schedule-length', '4'], 'relaxjs: --schedule-length (4) must not exceed --epochs (3)'],
  ['main', ['--epsilon', '0.005'], 'relaxjs: --starting-epsilon (0.01) must not exceed --epsilon (0.005)'],
  ['main', ['--lr', '0'], 'relaxjs: --lr must be a number > 0, got 0'],
  ['train', ['--resume'], 'relaxjs: --resume needs --checkpoint <file>'],
  ['train', ['--method', 'baseline', '--proj', '50'], 'relaxjs: --proj applies to --method robust only, not baseline'],
  ['train', ['--data', 'har'], 'relaxjs: --data har needs --data-dir <the "UCI HAR Dataset" folder>'],
];

for (const [name, argv, message] of BAD) {
  test(`${name} ${argv.join(' ')}: exit 2, one clear line, no report folder`, async () => {
    const out = join(scratch, `out-${name}-${argv.join('_').replace(/[^\w-]/g, '')}`);
    const r = await run([name, ...argv, '--out', out]);
    assert.is(r.code, 2);
    assert.is(r.err, message + '\n');
    assert.is(r.out, '');
    assert.not.ok(existsSync(out), 'no partial report folder');
  });
}

test('bench --only with an unknown row: exit 2, one line naming it and the known rows', async () => {
  const r = await run(['bench', '--only', 'certify,matmul_1024_gflops']);
  assert.is(r.code, 2);
  assert.match(r.err, /^relaxjs: --only: unknown row certify; expected some of certify_exact_b50, .*conv2d_1to16_k4s2p1_N5000_ms\n$/);
  assert.is(r.out, '');
});

test('dispatcher errors: no command (in a table without main), unknown command, unknown flag, top-level help and version', async () => {
  const io = captureIo({ cwd: scratch });
  assert.is(await runCli([], io, COMMANDS.filter((c) => c.name !== 'main')), 2);
  assert.ok(io.err.join('').endsWith('relaxjs: missing command\n'));
  const unknown = await run(['trian']);
  assert.is(unknown.code, 2);
  assert.is(unknown.err, "relaxjs: unknown command 'trian' (commands: main, train, certify, attack, radius, toy2d, reproduce, bench, verify)\n");
  const flag = await run(['toy2d', '--epsilom', '0.1']);
  assert.is(flag.err, "relaxjs: unknown flag --epsilom for 'toy2d' (see relaxjs toy2d --help)\n");
  assert.is((await run(['--help'])).code, 0);
  assert.match((await run(['--version'])).out, /^\d+\.\d+\.\d+\n$/);
});

test('an existing non-empty --out folder is refused before any work, and left as it was', async () => {
  const out = join(scratch, 'taken');
  mkdirSync(out);
  writeFileSync(join(out, 'keep.txt'), 'mine');
  const r = await run(['toy2d', '--steps', '1', '--out', out]);
  assert.is(r.code, 2);
  assert.is(r.err, `relaxjs: --out ${out} already exists and is not empty (pass --overwrite to replace it)\n`);
  assert.equal(readdirSync(out), ['keep.txt']);
});

test('a weights file that is not a checkpoint is bad input: exit 2, one line naming the file, nothing written', async () => {
  const weights = join(scratch, 'not-a-checkpoint.pth');
  writeFileSync(weights, 'garbage');
  const out = join(scratch, 'never');
  const r = await run(['certify', '--weights', weights, '--limit', '2', '--out', out]);
  assert.is(r.code, 2);
  assert.ok(r.err.startsWith(`relaxjs: --weights ${weights}: `), r.err);
  assert.is(r.err.trim().split('\n').length, 1);
  assert.not.ok(existsSync(out));
});

test('--json=true prints exactly one JSON object; --backend runs on that backend and restores the previous one', async () => {
  const before = getBackend();
  const r = await run(['toy2d', '--method', 'baseline', '--points', '3', '--steps', '2', '--grid', '4', '--json=true', '--backend', 'js']);
  assert.is(r.code, 0, r.err);
  const parsed = JSON.parse(r.out) as { command: string; results: unknown[] };
  assert.is(parsed.command, 'toy2d');
  assert.is(parsed.results.length, 1);
  assert.is(getBackend(), before);
  const bad = await run(['toy2d', '--backend', 'cuda']);
  assert.is(bad.code, 2);
  assert.match(bad.err, /^relaxjs: --backend must be one of js, wasm, gpujs/);
});

test.after(() => rmSync(scratch, { recursive: true, force: true }));
test.run();

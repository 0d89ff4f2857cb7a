// Issue 14, the CLI as people run it: checkpoints that describe their network (--model optional,
// train --init, the cascade), radius's misclassified count, outputs checked before any work,
// bad input files and flag combinations as exit 2, one set of flag rules for every command, and
// train --resume keeping the logs of the epochs before the interruption. All in-process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { captureIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/run.js';
import { loadCheckpoint } from '../../src/io/checkpoint.js';

const scratch = mkdtempSync(join(tmpdir(), 'relaxjs-reliability-'));
const sharedModels = resolve(fileURLToPath(new URL('../..', import.meta.url)), '..', 'shared', 'models');
const run = async (argv: string[]) => {
  const io = captureIo({ cwd: scratch });
  const code = await runCli(argv, io);
  return { code, out: io.out.join(''), err: io.err.join(''), json: () => JSON.parse(io.out.join('')) as Record<string, unknown> };
};
const ok = async (argv: string[]) => {
  const r = await run(argv);
  if (r.code !== 0) throw new Error(`relaxjs ${argv.join(' ')} exited ${r.code}: ${r.err}`);
  return r;
};
/** Exit 2 with exactly one line on stderr matching `message`, nothing on stdout. */
const refused = async (argv: string[], message: RegExp) => {
  const r = await run(argv);
  assert.is(r.code, 2, `${argv.join(' ')}: ${r.err}`);
  assert.match(r.err.trimEnd(), message);
  assert.is(r.err.trim().split('\n').length, 1, r.err);
  assert.is(r.out, '');
};
const TINY = ['--model', 'mnist_500', '--train-limit', '100', '--test-limit', '100', '--batch-size', '50'];

test('setup: a tiny baseline run whose checkpoints record their architecture', async () => {
  await ok(['train', '--method', 'baseline', '--epochs', '1', ...TINY, '--out', 'base']);
  const meta = loadCheckpoint(join(scratch, 'base', 'model.ckpt')).meta as { architecture?: { layers: { type: string; out?: number }[] } };
  assert.equal(meta.architecture?.layers.map((l) => l.type), ['Flatten', 'Linear', 'ReLU', 'Linear']);
  assert.is(meta.architecture?.layers[1]?.out, 500);
});

test('item 3: certify, attack and radius rebuild our checkpoint\'s network without --model', async () => {
  const weights = join(scratch, 'base', 'model.ckpt');
  assert.is((await ok(['certify', '--weights', weights, '--limit', '5', '--json'])).json().n, 5);
  assert.match((await ok(['certify', '--weights', weights, '--limit', '1'])).out, /^mnist test, 1 example, linf/, 'item 9: 1 example, not 1 examples');
  assert.is((await ok(['attack', '--weights', weights, '--limit', '5', '--attack', 'fgs', '--json'])).json().n, 5);
  assert.is((await ok(['radius', '--weights', weights, '--limit', '5', '--steps', '1', '--json'])).json().n, 5);
});

test('item 3: train --init starts from a checkpoint (architecture and weights)', async () => {
  const init = join(scratch, 'base', 'model.ckpt');
  await ok(['train', '--method', 'baseline', '--init', init, '--epochs', '1', '--lr', '1e-12', '--train-limit', '50', '--test-limit', '10', '--out', 'init']);
  const before = loadCheckpoint(init).tensors.get('1.weight')!.data;
  const after = loadCheckpoint(join(scratch, 'init', 'model.ckpt')).tensors.get('1.weight')!.data;
  assert.is(after.length, 500 * 784);
  assert.ok(after.every((v, i) => Math.abs(v - before[i]!) < 1e-6), 'a step of lr 1e-12 leaves the initial weights');
});

if (existsSync(join(sharedModels, 'mnist_small_0_3_cascade.pth'))) {
  test('item 3: the cascade checkpoint certifies as a cascade; without --cascade it is refused naming the flag', async () => {
    const cascade = join(sharedModels, 'mnist_small_0_3_cascade.pth');
    const r = (await ok(['certify', '--cascade', '--weights', cascade, '--epsilon', '0.3', '--bounded', '--limit', '4', '--json'])).json();
    assert.is(r.model, 'cascade of 3 mnist_model');
    assert.ok((r.robustError as number) >= (r.cleanError as number));
    await refused(['certify', '--weights', cascade, '--limit', '4'], /^relaxjs: --weights .*cascade.pth holds a cascade of 3 models; certify it with --cascade/);
  });
}

test('item 4: radius counts as misclassified only the examples not certified at 0', async () => {
  const weights = join(scratch, 'base', 'model.ckpt');
  const c = (await ok(['certify', '--weights', weights, '--limit', '20', '--epsilon', '0', '--json'])).json();
  const r = (await ok(['radius', '--weights', weights, '--limit', '20', '--max-epsilon', '1e9', '--steps', '2', '--json'])).json();
  assert.is(r.notCertifiedAtZero, Math.round((c.cleanError as number) * 20), JSON.stringify([r, c]));
  assert.is((r.notCertifiedAtZero as number) + (r.belowResolution as number), 20, 'nothing is certified at 2.5e8');
});

test('item 5: --out and --checkpoint are checked before any work', async () => {
  writeFileSync(join(scratch, 'a-file'), 'x');
  await refused(['train', ...TINY, '--out', 'a-file/sub'], /^relaxjs: --out .*a-file\/sub: .*a-file is a file, not a folder$/);
  await refused(['train', ...TINY, '--checkpoint', 'a-file/c.ckpt'], /^relaxjs: --checkpoint .*a-file\/c.ckpt: .*a-file is a file, not a folder$/);
  writeFileSync(join(scratch, 'old.ckpt'), 'x');
  await refused(['train', ...TINY, '--checkpoint', 'old.ckpt'], /^relaxjs: --checkpoint .*old.ckpt already exists \(pass --resume to continue its run, or --overwrite to start a new one\)$/);
  assert.is(readFileSync(join(scratch, 'old.ckpt'), 'utf8'), 'x', 'left as it was');
});

test('item 7: bad, truncated and wrong-architecture weights, corrupt IDX files, l2 with --bounded: exit 2', async () => {
  const good = readFileSync(join(scratch, 'base', 'model.ckpt'));
  writeFileSync(join(scratch, 'cut.ckpt'), good.subarray(0, good.length - 100));
  await refused(['certify', '--weights', 'cut.ckpt', '--limit', '2'], /^relaxjs: --weights .*cut.ckpt: truncated tensor 3\./);
  await refused(['certify', '--weights', join(scratch, 'base', 'model.ckpt'), '--model', 'mnist_model'], /^relaxjs: --weights .*model.ckpt: .*size mismatch|^relaxjs: --weights .*model.ckpt: /);
  const idx = join(scratch, 'idx');
  mkdirSync(idx);
  writeFileSync(join(idx, 't10k-images-idx3-ubyte.gz'), gzipSync(Buffer.alloc(5000)).subarray(0, 30));
  writeFileSync(join(idx, 't10k-labels-idx1-ubyte'), Buffer.alloc(10));
  await refused(['certify', '--data', 'fashion-mnist', '--data-dir', idx, '--weights', join(scratch, 'base', 'model.ckpt')], /^relaxjs: --data fashion-mnist: .*t10k-images-idx3-ubyte.gz/);
  await refused(['certify', '--norm', 'l2', '--bounded', '--weights', 'x.pth'], /^relaxjs: --bounded applies to --norm linf only/);
});

test('item 8: one set of flag rules: strict numbers, starting-epsilon, limits refused, the ramp clamped', async () => {
  await refused(['certify', '--epsilon', '0x10'], /^relaxjs: --epsilon must be a number >= 0, got 0x10$/);
  await refused(['train', '--epochs', '1e1x'], /^relaxjs: --epochs must be an integer >= 1, got 1e1x$/);
  await refused(['train', '--starting-epsilon', '0.5', '--epsilon', '0.1'], /^relaxjs: --starting-epsilon \(0.5\) must not exceed --epsilon \(0.1\)$/);
  await refused(['reproduce', '--test-limit', '5000'], /^relaxjs: --test-limit 5000 exceeds the 2000 examples of the split/);
  await refused(['certify', '--weights', join(scratch, 'base', 'model.ckpt'), '--limit', '1e9'], /^relaxjs: --limit 1000000000 exceeds the 2000 examples/);
  const t = (await ok(['train', '--method', 'baseline', '--epochs', '2', ...TINY, '--json'])).json() as { history: { epoch: number }[] };
  assert.equal(t.history.map((h) => h.epoch), [1, 2], 'no --schedule-length needed; epochs counted from 1');
});

test('item 8: train --test-limit and certify --limit with one --seed evaluate the same examples', async () => {
  const t = (await ok(['train', '--method', 'baseline', '--epochs', '1', ...TINY, '--seed', '5', '--out', 'same'])).json;
  void t;
  const history = JSON.parse(readFileSync(join(scratch, 'same', 'history.json'), 'utf8')) as { history: { test: { error: number } }[] };
  const c = (await ok(['certify', '--weights', join(scratch, 'same', 'model.ckpt'), '--limit', '100', '--seed', '5', '--epsilon', '0', '--json'])).json();
  assert.ok(Math.abs(history.history[0]!.test.error - (c.cleanError as number)) < 1e-9, `${history.history[0]!.test.error} vs ${c.cleanError as number}`);
});

test('item 6: train --resume keeps the log lines of the epochs before it and says where it resumes', async () => {
  const args = ['train', '--method', 'baseline', ...TINY, '--schedule-length', '1', '--checkpoint', 'r.ckpt'];
  await ok([...args, '--epochs', '1']);
  const r = await ok([...args, '--epochs', '2', '--resume', '--out', 'resumed']);
  assert.match(r.err, /resuming from epoch 2 \(.*r.ckpt holds 1 finished epoch\)/);
  const lines = readFileSync(join(scratch, 'resumed', 'train.log'), 'utf8').trim().split('\n');
  assert.equal(lines.map((l) => l.split(' ').slice(0, 2).join(' ')), ['1 1', '1 2', '2 1', '2 2']);
  assert.is(readFileSync(join(scratch, 'resumed', 'test.log'), 'utf8').trim().split('\n').length, 4);
});

test('issue 9: the checkpoint records one perturbation value; resuming --proj 5 with --proj 7 --norm l2 is refused, naming what changed', async () => {
  const args = ['train', '--method', 'robust', '--model', 'mnist_500', '--train-limit', '50', '--test-limit', '10', '--batch-size', '50', '--epsilon', '0.05', '--schedule-length', '1', '--checkpoint', 'p.ckpt'];
  await ok([...args, '--proj', '5', '--epochs', '1']);
  const settings = (loadCheckpoint(join(scratch, 'p.ckpt')).meta as { settings?: { perturbation?: unknown } }).settings;
  assert.equal(settings?.perturbation, { norm: 'linf', epsilon: 0.05, projection: { k: 5, seed: 0 } });
  await refused([...args, '--proj', '7', '--norm', 'l2', '--epochs', '2', '--resume'],
    /^relaxjs: --resume: .*p\.ckpt was trained against the perturbation \{"norm":"linf","epsilon":0\.05,"projection":\{"k":5,"seed":0\}\}, this run asks for \{"norm":"l2","epsilon":0\.05,"projection":\{"k":7,"seed":0\}\} \(changed: norm, projection\); resume with the same/);
});

test('item 8: a bad RELAXJS_THREADS (abc, 0, 0x10) is a usage error before any work: exit 2 naming the variable', async () => {
  const before = process.env.RELAXJS_THREADS;
  try {
    for (const value of ['abc', '0', '0x10']) {
      process.env.RELAXJS_THREADS = value;
      await refused(['certify', '--limit', '1'], /^relaxjs: wasm backend: RELAXJS_THREADS must be a whole number of threads from 1 to 256, got '/);
    }
  } finally {
    if (before === undefined) delete process.env.RELAXJS_THREADS;
    else process.env.RELAXJS_THREADS = before;
  }
});

test.after(() => rmSync(scratch, { recursive: true, force: true }));
test.run();

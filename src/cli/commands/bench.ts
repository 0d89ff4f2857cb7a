/**
 * `relaxjs bench`: times the workloads of `../shared/bench/pytorch-reference.json` (the original
 * PyTorch library on this machine kind) with our stack and prints the ratio to the reference:
 * one Adam step on plain cross-entropy, an exact certificate of 50 examples, and one Adam step on
 * the exact robust loss, all on the mnist_model conv net and 50 Fashion-MNIST test images.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { backward, crossEntropy } from '../../autograd/index.js';
import type { Dataset } from '../../data/dataset.js';
import { take } from '../../data/dataset.js';
import { zoo } from '../../nn/index.js';
import { Adam } from '../../optim/index.js';
import { markdownTable } from '../../report/index.js';
import { getBackend } from '../../tensor/registry.js';
import { Tensor } from '../../tensor/tensor.js';
import { defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { choiceFlag, numberFlag, stringFlag } from '../flags.js';
import { certifyBatch } from '../robust.js';
import { robustObjective } from '../../train/objective.js';
import { checkWeightsPath, loadSplit, loadWeights } from '../setup.js';

const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
const WORKLOADS = {
  standard: 'train_step_standard_b50',
  certify: 'certify_exact_b50',
  'robust-step': 'train_step_exact_b50',
} as const;
type Workload = keyof typeof WORKLOADS;

/** Reference seconds per workload (`openblas_s`), or an empty map without a reference file. */
function readReference(path: string | undefined): Map<string, number> {
  if (path === undefined) return new Map();
  if (!existsSync(path)) throw new UsageError(`--reference ${path} does not exist`);
  const json = JSON.parse(readFileSync(path, 'utf8')) as { workloads?: Record<string, { openblas_s?: number }> };
  return new Map(Object.entries(json.workloads ?? {}).flatMap(([k, v]) => (typeof v.openblas_s === 'number' ? [[k, v.openblas_s] as [string, number]] : [])));
}

/** The first 50 Fashion-MNIST test images when installed, else the first 50 embedded MNIST test digits. */
function benchData(): { ds: Dataset; name: string } {
  try {
    return { ds: take(loadSplit('fashion-mnist', 'test', undefined), 50), name: 'Fashion-MNIST test[0:50]' };
  } catch {
    return { ds: take(loadSplit('mnist', 'test', undefined), 50), name: 'embedded MNIST test[0:50] (Fashion-MNIST not installed)' };
  }
}

/** Median wall time in seconds of `repeats` runs of `fn` after one warm-up run. */
function time(fn: () => void, repeats: number, now: () => number): number {
  fn();
  const runs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = now();
    fn();
    runs.push((now() - start) / 1000);
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)]!;
}

/** The `relaxjs bench` command (see the module doc and its `--help`). */
export const benchCommand = defineCommand({
  name: 'bench',
  summary: 'time the PyTorch reference workloads (train step, certificate) and print the ratio',
  details: [
    'Workloads (batch 50, mnist_model conv net, eps 0.1, l-inf, unbounded): standard = one Adam step',
    'on cross-entropy; certify = exact certificate with the weights of --weights; robust-step = one',
    'Adam step on the exact robust loss of a fresh model (slow). quick = standard + certify.',
    'Reported: median of --repeats runs after a warm-up, and ours / PyTorch (OpenBLAS) seconds.',
  ],
  examples: ['relaxjs bench', 'relaxjs bench --workload all --repeats 1 --backend wasm --json'],
  flags: {
    workload: choiceFlag('what to time', ['quick', 'standard', 'certify', 'robust-step', 'all'] as const, 'quick'),
    repeats: numberFlag('timed runs per workload (after one warm-up)', 3, { integer: true, min: 1 }),
    weights: stringFlag('weights for certify (default ../shared/models/fashion_mnist.pth)', '<file>'),
    reference: stringFlag('reference timings (default ../shared/bench/pytorch-reference.json when present)', '<file>'),
  },
  run(flags, ctx) {
    const chosen: Workload[] = flags.workload === 'quick' ? ['standard', 'certify'] : flags.workload === 'all' ? ['standard', 'certify', 'robust-step'] : [flags.workload];
    const defaultRef = SHARED + 'bench/pytorch-reference.json';
    const reference = readReference(flags.reference !== undefined ? ctx.path(flags.reference) : existsSync(defaultRef) ? defaultRef : undefined);
    const weights = chosen.includes('certify') ? checkWeightsPath(flags.weights !== undefined ? ctx.path(flags.weights) : SHARED + 'models/fashion_mnist.pth') : undefined;
    const { ds, name } = benchData();
    const X = new Tensor(ds.images, [ds.n, ...ds.shape]);
    const y = ds.labels;
    const ball = { norm: 'linf', bounded: false } as const;
    const results: { workload: Workload; reference: string; seconds: number; pytorchSeconds: number | null; ratio: number | null }[] = [];
    for (const w of chosen) {
      const model = zoo.mnistModel(flags.seed);
      if (w === 'certify') loadWeights(model, weights!);
      const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
      const robust = robustObjective(ball);
      const step = {
        standard: () => { optimizer.zeroGrad(); backward(crossEntropy(model.forward(X), y)); optimizer.step(); },
        certify: () => { certifyBatch(model.eval(), 0.1, X, y, ball); },
        'robust-step': () => { optimizer.zeroGrad(); backward(robust(model, 0.1, X, y).loss); optimizer.step(); },
      }[w];
      ctx.note(`timing ${w} ...`);
      const seconds = time(step, flags.repeats, () => ctx.io.now());
      const ref = reference.get(WORKLOADS[w]) ?? null;
      results.push({ workload: w, reference: WORKLOADS[w], seconds, pytorchSeconds: ref, ratio: ref === null ? null : seconds / ref });
    }
    const backend = getBackend().name;
    const table = markdownTable(['workload', 'ours (s)', 'PyTorch (s)', 'ratio'],
      results.map((r) => [r.workload, r.seconds.toPrecision(3), r.pytorchSeconds?.toPrecision(3) ?? '—', r.ratio === null ? '—' : `${r.ratio.toPrecision(3)}x`]), ['left', 'right', 'right', 'right']);
    return { text: `backend ${backend}, data ${name}, median of ${flags.repeats}\n\n${table}`, json: { command: 'bench', backend, data: name, repeats: flags.repeats, results } };
  },
});

/**
 * Checks that bounding backwards (rows, windows; `boundDirection: 'backward'` / `'auto'`) gives
 * the same certificates as the original forward algorithm (`'forward'`, Wong & Kolter's Alg. 1)
 * on the pretrained Fashion-MNIST net: the same uncertified set, and the largest differences of
 * the robust logits and of every ReLU's bounds (relative to the field's largest magnitude).
 *
 *   npx tsx scripts/compare-bound-directions.ts [--n 50] [--epsilon 0.1] [--float64] [--backend js]
 *       [--model ../shared/models/fashion_mnist.pth] [--directions forward,auto,backward]
 *
 * cpuSeconds times `certify` only. The last line printed is one JSON object {"n", "directions": {name: {uncertified, cpuSeconds}},
 * "sameCertifiedSet", "maxLogitDiff", "maxBoundDiff"}; the exit code is 1 if the sets differ.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { certifyModel, fashionBatch } from '../src/bench/workloads.js';
import { FASHION_MNIST_DIR } from '../src/data/idx.js';
import { noGrad } from '../src/autograd/index.js';
import { DualNetwork, certify } from '../src/relax/index.js';
import type { BoundDirection } from '../src/relax/rows/bound-cost.js';
import { setBackend } from '../src/tensor/registry.js';
import type { Tensor } from '../src/tensor/tensor.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface Run { uncertified: number[]; logits: Float64Array; bounds: Float64Array[]; cpuSeconds: number; used: string[] }

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}

function run(direction: BoundDirection, n: number, epsilon: number, float64: boolean, model: string): Run {
  const notes: string[] = [];
  const net = certifyModel(model, notes);
  if (float64) net.to('float64');
  const run: Run = { uncertified: [], logits: new Float64Array(0), bounds: [], cpuSeconds: 0, used: [] };
  const logits: number[] = [];
  for (let from = 0; from < n; from += 50) {
    const size = Math.min(50, n - from);
    const batch = fashionBatch(FASHION_MNIST_DIR, from, size, notes);
    const X: Tensor = float64 ? batch.X.to('float64') : batch.X;
    const cpu0 = process.cpuUsage();
    const result = certify(net, epsilon, X, batch.y, { boundDirection: direction });
    const cpu = process.cpuUsage(cpu0);
    run.cpuSeconds += (cpu.user + cpu.system) / 1e6;
    const dual = noGrad(() => new DualNetwork(net, X, epsilon, { boundDirection: direction }));
    result.errors.forEach((e, b) => { if (e) run.uncertified.push(from + b); });
    logits.push(...result.logits.data);
    dual.reluBounds().forEach(({ lower, upper }, i) => {
      run.bounds[i] = Float64Array.from([...(run.bounds[i] ?? []), ...lower.data, ...upper.data]);
    });
    run.used = dual.boundDirections;
  }
  for (const note of new Set(notes)) process.stderr.write(`note: ${note}\n`);
  run.logits = Float64Array.from(logits);
  return run;
}

/** Largest |a − b| over the largest |b|. */
function relativeDiff(a: Float64Array, b: Float64Array): number {
  let diff = 0, scale = 0;
  b.forEach((v, i) => { diff = Math.max(diff, Math.abs(a[i]! - v)); scale = Math.max(scale, Math.abs(v)); });
  return scale > 0 ? diff / scale : diff;
}

function main(): void {
  const n = Number(option('--n', '50'));
  const epsilon = Number(option('--epsilon', '0.1'));
  const float64 = process.argv.includes('--float64');
  const model = option('--model', path.resolve(repoRoot, '..', 'shared', 'models', 'fashion_mnist.pth'));
  const directions = option('--directions', 'forward,auto,backward').split(',') as BoundDirection[];
  setBackend(option('--backend', process.env.RELAXJS_BACKEND || 'js'));
  const runs = new Map(directions.map((d) => [d, run(d, n, epsilon, float64, model)]));
  const reference = runs.get(directions[0]!)!;
  let same = true, maxLogitDiff = 0, maxBoundDiff = 0;
  for (const [direction, r] of runs) {
    const sameSet = r.uncertified.join() === reference.uncertified.join();
    same &&= sameSet;
    const logitDiff = relativeDiff(r.logits, reference.logits);
    const boundDiff = Math.max(0, ...r.bounds.map((b, i) => relativeDiff(b, reference.bounds[i]!)));
    maxLogitDiff = Math.max(maxLogitDiff, logitDiff);
    maxBoundDiff = Math.max(maxBoundDiff, boundDiff);
    console.log(`${direction.padEnd(9)} [${r.used.join(', ')}] uncertified ${r.uncertified.length}/${n}${sameSet ? '' : ' (DIFFERENT SET)'}  logits Δ ${logitDiff.toExponential(2)}  bounds Δ ${boundDiff.toExponential(2)}  cpu ${r.cpuSeconds.toFixed(2)} s`);
  }
  const summary = Object.fromEntries([...runs].map(([d, r]) => [d, { uncertified: r.uncertified, cpuSeconds: r.cpuSeconds, directions: r.used }]));
  console.log(JSON.stringify({ n, dtype: float64 ? 'float64' : 'float32', directions: summary, sameCertifiedSet: same, maxLogitDiff, maxBoundDiff }));
  process.exitCode = same ? 0 : 1;
}

main();

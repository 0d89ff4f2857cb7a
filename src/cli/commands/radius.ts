/**
 * `relaxjs radius`: for every test example, the largest radius at which the dual bound still
 * certifies it, found by bisection with a per-example ε, and a histogram of those radii.
 *
 * Soundness: the reported radius of an example is always a value at which its certificate was
 * actually computed and held (0 when it is not certified even at ε = 0, i.e. misclassified);
 * the true certified radius lies in [radius, radius + maxEpsilon / 2^steps) when certification
 * is monotone in ε, and is at least `radius` in any case.
 * @module
 */
import { batches } from '../../data/batches.js';
import { countOf, histogram, histogramSvg, markdownTable, type Histogram } from '../../report/index.js';
import { Tensor } from '../../tensor/tensor.js';
import type { DenseSequential, Sequential } from '../../nn/index.js';
import { writeDirAtomic } from '../../util/fs.js';
import { defineCommand } from '../command.js';
import { choiceFlag, numberFlag, switchFlag } from '../flags.js';
import { BOUND_METHODS, certifyBatch, type BallOptions } from '../robust.js';
import { checkBall, DATA_FLAGS, limitFlag, MODEL_FLAGS, OUT_FLAGS, prepareEvaluation } from '../setup.js';

/** Per-example outcome of {@link certifiedRadii}. */
export interface CertifiedRadii {
  /** The largest radius at which the certificate was computed and held (0 when none above 0 was). */
  readonly radius: Float64Array;
  /** 1 when even `maxEpsilon` is certified (then the radius is `maxEpsilon` and only a lower bound). */
  readonly capped: Uint8Array;
  /** 1 when the certificate holds at ε = 0, i.e. the example is classified correctly; 0 = misclassified. */
  readonly certifiedAtZero: Uint8Array;
}

/**
 * Certified radii of one batch by bisection on `[0, maxEpsilon]` (all examples at once, each
 * with its own ε). An example certified at 0 whose every bisection point failed keeps radius 0
 * but `certifiedAtZero` 1: its radius lies below the resolution `maxEpsilon / 2^steps`.
 */
export function certifiedRadii(net: Sequential | DenseSequential, X: Tensor, y: Int32Array, maxEpsilon: number, steps: number, ball: BallOptions): CertifiedRadii {
  const B = y.length;
  const check = (eps: Float64Array): Uint8Array => certifyBatch(net, new Tensor(Float32Array.from(eps), [B]), X, y, ball).errors.map((e) => 1 - e);
  const lo = new Float64Array(B);
  const hi = new Float64Array(B).fill(maxEpsilon);
  const atZero = check(lo);
  const capped = check(hi);
  const radius = new Float64Array(B);
  for (let b = 0; b < B; b++) if (capped[b]) radius[b] = Math.fround(maxEpsilon); // the value certify saw
  for (let s = 0; s < steps; s++) {
    const mid = lo.map((l, b) => (l + hi[b]!) / 2);
    const ok = check(mid);
    for (let b = 0; b < B; b++) {
      if (ok[b]) lo[b] = mid[b]!; else hi[b] = mid[b]!;
    }
  }
  for (let b = 0; b < B; b++) if (!capped[b]) radius[b] = atZero[b] ? Math.fround(lo[b]!) : 0;
  return { radius, capped, certifiedAtZero: atZero };
}

/**
 * The histogram of radii over [0, maxEpsilon]. Capped radii are `fround(maxEpsilon)`, which may
 * lie a hair above `maxEpsilon`; the range is widened to keep them in the last bin.
 */
export function radiusHistogram(radii: readonly number[], bins: number, maxEpsilon: number): Histogram {
  return histogram(radii, bins, [0, Math.max(maxEpsilon, ...radii)]);
}

/** The `relaxjs radius` command (see the module doc and its `--help`). */
export const radiusCommand = defineCommand({
  name: 'radius',
  summary: 'largest certified radius per test example (bisection) and its histogram',
  details: [
    'Bisects on [0, --max-epsilon] with a per-example radius; each reported radius is one at which',
    'the certificate was computed and held. "misclassified" counts the examples not certified even at',
    'radius 0; "below resolution" those certified at 0 but at no bisection point (radius < max-epsilon / 2^steps).',
  ],
  examples: ['relaxjs radius --weights ../shared/models/mnist.pth --limit 50 --out runs/radius'],
  flags: {
    ...DATA_FLAGS, ...MODEL_FLAGS,
    norm: choiceFlag('norm of the ball', ['linf', 'l2'] as const, 'linf'),
    bounded: switchFlag('intersect the l-inf ball with the input box [0,1]'),
    method: choiceFlag('bound method: dual (Wong-Kolter), ibp, crown, crown-ibp, alpha-crown', BOUND_METHODS, 'dual'),
    maxEpsilon: numberFlag('upper end of the search', 0.3, { min: 0, exclusiveMin: true }),
    steps: numberFlag('bisection steps (resolution max-epsilon / 2^steps)', 8, { integer: true, min: 0, max: 40 }),
    bins: numberFlag('histogram bins', 20, { integer: true, min: 1 }),
    batchSize: numberFlag('examples per batch', 50, { integer: true, min: 1 }),
    limit: limitFlag('test'),
    ...OUT_FLAGS,
  },
  run(flags, ctx) {
    const { modelName, out, weights, model, test } = prepareEvaluation(flags, ctx, () => checkBall(flags));
    const radii: number[] = [];
    let capped = 0;
    let misclassified = 0;
    let belowResolution = 0;
    const bar = ctx.progress('radius', Math.ceil(test.n / flags.batchSize));
    for (const batch of batches(test, flags.batchSize)) {
      const X = new Tensor(batch.images, [batch.size, ...test.shape]);
      const r = certifiedRadii(model, X, batch.labels, flags.maxEpsilon, flags.steps, flags);
      radii.push(...r.radius);
      capped += r.capped.reduce((a, c) => a + c, 0);
      r.certifiedAtZero.forEach((ok, b) => { if (!ok) misclassified++; else if (r.radius[b] === 0) belowResolution++; });
      bar.tick();
    }
    bar.done();
    const sorted = [...radii].sort((a, b) => a - b);
    const quantile = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : Number.NaN);
    const stats = { mean: radii.reduce((a, b) => a + b, 0) / Math.max(1, radii.length), median: quantile(0.5), q10: quantile(0.1), q90: quantile(0.9) };
    const json = { command: 'radius', model: modelName, weights, data: flags.data, n: test.n, norm: flags.norm, bounded: flags.bounded, method: flags.method, maxEpsilon: flags.maxEpsilon, steps: flags.steps, seed: flags.seed, notCertifiedAtZero: misclassified, belowResolution, resolution: flags.maxEpsilon / 2 ** flags.steps, atLeastMax: capped, ...stats };
    const fmt = (v: number) => v.toFixed(4);
    const text = `${flags.data} test, ${countOf(test.n, 'example')}, ${flags.norm} radius searched in [0, ${flags.maxEpsilon}] (${countOf(flags.steps, 'bisection step')})\n\n`
      + markdownTable(['mean', '10%', 'median', '90%', 'radius 0 (misclassified)', `below resolution (< ${json.resolution.toPrecision(3)})`, `>= ${flags.maxEpsilon}`],
        [[fmt(stats.mean), fmt(stats.q10), fmt(stats.median), fmt(stats.q90), String(misclassified), String(belowResolution), String(capped)]], Array(7).fill('right'));
    if (out) {
      const svg = histogramSvg(radiusHistogram(radii, flags.bins, flags.maxEpsilon), { title: `certified ${flags.norm} radius (${modelName}, ${countOf(test.n, 'example')})`, xLabel: 'largest certified epsilon', yLabel: 'examples' });
      writeDirAtomic(out, { 'report.md': `# relaxjs radius\n\n${text}\n![histogram](radius.svg)\n`, 'radius.svg': svg, 'results.json': JSON.stringify({ ...json, radii }, null, 2) + '\n' }, flags.overwrite);
    }
    return { text, json };
  },
});

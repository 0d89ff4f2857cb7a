/**
 * Report pieces of the experiments: a binomial confidence interval for an error rate measured
 * on a subset, and the training-curve chart of a run's epoch log.
 * @module
 */
import { lineChartSvg, type Series } from '../report/index.js';
import type { EpochLog } from './fit.js';

/**
 * The 95% Wilson score interval `[lo, hi]` of a proportion with `k` successes in `n` trials
 * (z = 1.96); `[0, 1]` for n = 0.
 */
export function wilsonInterval(k: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** One labelled run for {@link trainingCurveSvg}. */
export interface LabelledHistory {
  readonly name: string;
  readonly history: readonly EpochLog[];
}

/**
 * Error per epoch (x = epoch 1, 2, …): training error and, where logged, training robust error,
 * test error and test robust (certified) error, one line each per run.
 */
export function trainingCurveSvg(runs: readonly LabelledHistory[], title = 'Training curves'): string {
  const series: Series[] = [];
  const add = (name: string, history: readonly EpochLog[], pick: (h: EpochLog) => number | undefined): void => {
    const points = history.flatMap((h) => {
      const v = pick(h);
      return v === undefined || !Number.isFinite(v) ? [] : [[h.epoch + 1, v] as const];
    });
    if (points.length > 0) series.push({ name, points });
  };
  for (const { name, history } of runs) {
    add(`${name}: train error`, history, (h) => h.train.error);
    add(`${name}: train robust error`, history, (h) => h.train.robustError);
    add(`${name}: test error`, history, (h) => h.test?.error);
    add(`${name}: test certified error`, history, (h) => h.test?.robustError);
    add(`${name}: test PGD error`, history, (h) => h.test?.pgdError);
  }
  return lineChartSvg({ title, xLabel: 'epoch', yLabel: 'error', series, yRange: [0, 1] });
}

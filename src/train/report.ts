/**
 * Report pieces of the experiments: a binomial confidence interval for an error rate measured
 * on a subset, and the training-curve chart of a run's epoch log.
 * @module
 */
import { lineChartSvg, type Series } from '../report/index.js';
import type { EpochLog } from './fit.js';
import type { BatchRecord } from './trainer.js';

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

/** One labelled run for {@link trainingCurveSvg}: its epoch log and, optionally, its training batches. */
export interface LabelledHistory {
  readonly name: string;
  readonly history: readonly EpochLog[];
  /** Training batch records in order; drawn as the epoch's running mean (the original's AverageMeter). */
  readonly batches?: readonly BatchRecord[];
}

/** Points (epoch + done fraction, running mean of `key` within the epoch) of a run's training batches. */
function runningMeans(records: readonly BatchRecord[], key: 'error' | 'robustError' | 'pgdError'): [number, number][] {
  const out: [number, number][] = [];
  let epoch = -1;
  let sum = 0;
  let count = 0;
  for (const r of records) {
    if (r.epoch !== epoch) { epoch = r.epoch; sum = 0; count = 0; }
    const v = r[key];
    if (v === undefined) continue;
    sum += v * r.size;
    count += r.size;
    out.push([r.epoch + (r.batch + 1) / r.batches, sum / count]);
  }
  return out;
}

/**
 * Error against epochs (x = epochs done): training error and robust error (the epoch's running
 * mean after every batch when `batches` are given, else the epoch means), and the test error,
 * certified error and PGD error after each epoch, one line each per run.
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
  for (const { name, history, batches } of runs) {
    if (batches && batches.length > 0) {
      // the original's AverageMeter: a running mean that restarts with each epoch, hence the
      // jump at each whole epoch; the legend says so
      for (const [key, label] of [['error', 'train error, running mean (restarts each epoch)'], ['robustError', 'train robust error, running mean (restarts each epoch)'], ['pgdError', 'train PGD error, running mean (restarts each epoch)']] as const) {
        const points = runningMeans(batches, key);
        if (points.length > 0) series.push({ name: `${name}: ${label}`, points });
      }
    } else {
      add(`${name}: train error`, history, (h) => h.train.error);
      add(`${name}: train robust error`, history, (h) => h.train.robustError);
    }
    add(`${name}: test error`, history, (h) => h.test?.error);
    add(`${name}: test certified error`, history, (h) => h.test?.robustError);
    add(`${name}: test PGD error`, history, (h) => h.test?.pgdError);
  }
  return lineChartSvg({ title, xLabel: 'epoch', yLabel: 'error', series, yRange: [0, 1], integerX: true, legendBelow: true });
}

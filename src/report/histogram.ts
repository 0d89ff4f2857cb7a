/**
 * Histograms, used for the distribution of certified radii (the largest ε each example is
 * certified at).
 * @module
 */
import { axes, frame, linearScale, niceTicks, num, SERIES_COLORS, svgDocument } from './svg.js';

/** Bin edges (`bins + 1`, increasing) and counts (`bins`). */
export interface Histogram {
  readonly edges: readonly number[];
  readonly counts: readonly number[];
}

/**
 * Counts finite `values` in `bins` equal bins over `[min, max]` (default: the data's range).
 * Bins are half-open `[e_i, e_{i+1})` except the last, which includes `max`; values outside
 * the range are not counted.
 * @throws RangeError if `bins` is not a positive integer or `max < min`.
 */
export function histogram(values: ArrayLike<number>, bins = 20, range?: readonly [number, number]): Histogram {
  if (!Number.isInteger(bins) || bins <= 0) throw new RangeError(`histogram: bins must be a positive integer, got ${bins}`);
  const finite = Array.from(values).filter(Number.isFinite);
  let [lo, hi] = range ?? [finite.length ? Math.min(...finite) : 0, finite.length ? Math.max(...finite) : 1];
  if (hi < lo) throw new RangeError(`histogram: range max ${hi} is below min ${lo}`);
  if (hi === lo) hi = lo + 1;
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
  const counts = new Array<number>(bins).fill(0);
  for (const v of finite) {
    if (v < lo || v > hi) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]!++;
  }
  return { edges, counts };
}

/** Options of {@link histogramSvg}. */
export interface HistogramChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel?: string;
  readonly width?: number;
  readonly height?: number;
}

/** An SVG bar chart of a {@link Histogram}: one bar per bin, y axis from 0. */
export function histogramSvg(h: Histogram, options: HistogramChartOptions): string {
  const { width = 640, height = 400 } = options;
  if (h.counts.length === 0 || h.edges.length !== h.counts.length + 1) throw new Error('histogramSvg: need bins + 1 edges for bins counts');
  const f = frame(width, height);
  const xTicks = niceTicks(h.edges[0]!, h.edges[h.edges.length - 1]!, 6);
  const yTicks = niceTicks(0, Math.max(1, ...h.counts), 5);
  const x = linearScale(xTicks[0]!, xTicks[xTicks.length - 1]!, f.left, f.right);
  const y = linearScale(0, yTicks[yTicks.length - 1]!, f.bottom, f.top);
  const body = axes(f, x, y, xTicks, yTicks, { title: options.title, xLabel: options.xLabel, yLabel: options.yLabel ?? 'count' });
  h.counts.forEach((c, i) => {
    if (c === 0) return;
    const x0 = x(h.edges[i]!);
    const x1 = x(h.edges[i + 1]!);
    body.push(`<rect x="${num(x0)}" y="${num(y(c))}" width="${num(Math.max(0.5, x1 - x0 - 1))}" height="${num(y(0) - y(c))}" fill="${SERIES_COLORS[0]}"><title>[${h.edges[i]}, ${h.edges[i + 1]}): ${c}</title></rect>`);
  });
  return svgDocument(width, height, body, options.title);
}

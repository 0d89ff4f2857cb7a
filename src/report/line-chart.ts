/**
 * Line charts of training curves (clean / robust loss and error per epoch or batch).
 * @module
 */
import { axes, escapeXml, frame, linearScale, niceTicks, num, SERIES_COLORS, svgDocument } from './svg.js';

/** One curve: a name for the legend and its `[x, y]` points, in drawing order. */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

/** Options of {@link lineChartSvg}. */
export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Outer size in pixels (default 640 × 400). */
  readonly width?: number;
  readonly height?: number;
  /** Fixed y range (default: the data's range, padded to nice ticks). */
  readonly yRange?: readonly [number, number];
  /** Ticks on whole x values only (epochs): never a fractional tick such as 1.5. */
  readonly integerX?: boolean;
  /** Draw the legend under the plot (the picture grows by its height) instead of over its top right corner. */
  readonly legendBelow?: boolean;
}

/** Nice ticks over [lo, hi]; with `integer`, a step of at least 1 from a whole number. */
function xTicksFor(lo: number, hi: number, integer: boolean): number[] {
  const ticks = niceTicks(lo, hi, 6);
  if (!integer || ticks.every(Number.isInteger)) return ticks;
  const first = Math.floor(lo);
  const last = Math.max(first + 1, Math.ceil(hi));
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/**
 * An SVG line chart: one polyline per series (non-finite points are skipped, breaking the
 * line), axes with nice ticks, and a legend at the top right.
 * @throws Error if there is no series or no finite point at all.
 */
export function lineChartSvg(options: LineChartOptions): string {
  const { width = 640, height = 400, series } = options;
  if (series.length === 0) throw new Error('lineChartSvg: series must not be empty');
  const finite = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  if (finite.length === 0) throw new Error('lineChartSvg: no finite point to draw');
  const f = frame(width, height);
  const xTicks = xTicksFor(Math.min(...finite.map((p) => p[0])), Math.max(...finite.map((p) => p[0])), options.integerX === true);
  const [ylo, yhi] = options.yRange ?? [Math.min(...finite.map((p) => p[1])), Math.max(...finite.map((p) => p[1]))];
  const yTicks = niceTicks(ylo, yhi, 5);
  const x = linearScale(xTicks[0]!, xTicks[xTicks.length - 1]!, f.left, f.right);
  const y = linearScale(yTicks[0]!, yTicks[yTicks.length - 1]!, f.bottom, f.top);
  const body = axes(f, x, y, xTicks, yTicks, options);
  series.forEach((s, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length]!;
    for (const run of finiteRuns(s.points)) {
      const pts = run.map(([px, py]) => `${num(x(px))},${num(y(py))}`).join(' ');
      body.push(run.length === 1
        ? `<circle cx="${num(x(run[0]![0]))}" cy="${num(y(run[0]![1]))}" r="2.5" fill="${color}"/>`
        : `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
  });
  const names = series.map((s) => s.name);
  if (!options.legendBelow) {
    body.push(...legend(names, f.right - 8, f.top + 8));
    return svgDocument(width, height, body, options.title);
  }
  body.push(...legend(names, f.left + legendWidth(names), height));
  return svgDocument(width, height + 12 + 18 * names.length, body, options.title);
}

/** Splits points into maximal runs of finite points. */
function finiteRuns(points: readonly (readonly [number, number])[]): (readonly [number, number])[][] {
  const runs: (readonly [number, number])[][] = [[]];
  for (const p of points) {
    if (Number.isFinite(p[0]) && Number.isFinite(p[1])) runs[runs.length - 1]!.push(p);
    else if (runs[runs.length - 1]!.length > 0) runs.push([]);
  }
  return runs.filter((r) => r.length > 0);
}

/** The width of the legend box of `names` (about 7 px per character of the longest). */
function legendWidth(names: readonly string[]): number {
  return 28 + 7 * Math.max(...names.map((n) => n.length));
}

/** A legend box anchored at its top-right corner. */
function legend(names: readonly string[], right: number, top: number): string[] {
  const w = legendWidth(names);
  const out = [`<rect x="${num(right - w)}" y="${num(top)}" width="${num(w)}" height="${num(8 + 18 * names.length)}" fill="#ffffff" fill-opacity="0.85" stroke="#999999"/>`];
  names.forEach((name, i) => {
    const cy = top + 13 + 18 * i;
    const color = SERIES_COLORS[i % SERIES_COLORS.length]!;
    out.push(`<line x1="${num(right - w + 6)}" y1="${num(cy)}" x2="${num(right - w + 20)}" y2="${num(cy)}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${num(right - w + 24)}" y="${num(cy)}" dominant-baseline="middle">${escapeXml(name)}</text>`);
  });
  return out;
}

/**
 * The small SVG toolkit behind every chart: XML escaping, number formatting, "nice" axis ticks,
 * linear scales, and a plot frame with axes, ticks, labels and a title. Pure string building:
 * no dependencies, deterministic output (same data, same bytes).
 * @module
 */

/** Escapes the five XML special characters for text and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A coordinate with at most 2 decimals and no trailing zeros (keeps files small and stable). */
export function num(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`svg: coordinate must be finite, got ${v}`);
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** A tick label: up to 4 significant digits, no exponent for ordinary magnitudes. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e6) return String(Number(v.toPrecision(4)));
  return v.toExponential(1);
}

/**
 * Ticks at multiples of 1, 2 or 5 × 10^k covering `[lo, hi]`, about `count` of them
 * (the classic "nice numbers" choice). A degenerate range is widened by ±0.5 (or ±10%).
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) throw new Error(`niceTicks: range must be finite, got [${lo}, ${hi}]`);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 0.5 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const first = Math.floor(lo / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v <= hi + step * 1e-9 || ticks.length < 2; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < hi - step * 1e-9) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

/** A linear map from a data interval `[d0, d1]` onto a pixel interval `[p0, p1]`. */
export interface Scale {
  (v: number): number;
  readonly domain: readonly [number, number];
}

/** Builds a {@link Scale}; a zero-width domain maps everything to the middle. */
export function linearScale(d0: number, d1: number, p0: number, p1: number): Scale {
  const span = d1 - d0;
  const f = ((v: number) => (span === 0 ? (p0 + p1) / 2 : p0 + ((v - d0) / span) * (p1 - p0))) as Scale;
  Object.defineProperty(f, 'domain', { value: [d0, d1] as const });
  return f;
}

/** Outer size and inner plot rectangle of a chart. */
export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** A frame with room for a title, axis labels and tick labels. */
export function frame(width: number, height: number): Frame {
  if (!(width >= 100 && height >= 80)) throw new Error(`svg: chart size must be at least 100x80, got ${width}x${height}`);
  return { width, height, left: 64, right: width - 16, top: 36, bottom: height - 48 };
}

/** Wraps chart elements into a standalone SVG document with a white background. */
export function svgDocument(width: number, height: number, body: readonly string[], title: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Labels of the axes and the title. */
export interface AxisText {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
}

/**
 * Axes, grid lines, tick marks and labels, the title and axis labels for a plot whose data
 * scales are `x` and `y` with tick positions `xTicks` and `yTicks`.
 */
export function axes(f: Frame, x: Scale, y: Scale, xTicks: readonly number[], yTicks: readonly number[], text: AxisText): string[] {
  const out: string[] = [];
  for (const t of yTicks) {
    const py = num(y(t));
    out.push(`<line x1="${num(f.left)}" y1="${py}" x2="${num(f.right)}" y2="${py}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${num(f.left - 6)}" y="${py}" text-anchor="end" dominant-baseline="middle">${escapeXml(tickLabel(t))}</text>`);
  }
  for (const t of xTicks) {
    const px = num(x(t));
    out.push(`<line x1="${px}" y1="${num(f.bottom)}" x2="${px}" y2="${num(f.bottom + 4)}" stroke="#333333"/>`);
    out.push(`<text x="${px}" y="${num(f.bottom + 16)}" text-anchor="middle">${escapeXml(tickLabel(t))}</text>`);
  }
  out.push(`<rect x="${num(f.left)}" y="${num(f.top)}" width="${num(f.right - f.left)}" height="${num(f.bottom - f.top)}" fill="none" stroke="#333333"/>`);
  out.push(`<text x="${num(f.width / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(text.title)}</text>`);
  out.push(`<text x="${num((f.left + f.right) / 2)}" y="${num(f.height - 10)}" text-anchor="middle">${escapeXml(text.xLabel)}</text>`);
  const cy = num((f.top + f.bottom) / 2);
  out.push(`<text x="16" y="${cy}" text-anchor="middle" transform="rotate(-90 16 ${cy})">${escapeXml(text.yLabel)}</text>`);
  return out;
}

/** Colours for data series, chosen to stay distinct for common colour-vision deficiencies. */
export const SERIES_COLORS: readonly string[] = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000'];

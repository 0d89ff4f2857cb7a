/**
 * 2D decision regions with the ε-boxes of the training points: the picture of the original
 * paper's toy example (`examples/2D.ipynb`), where a robust classifier keeps every box
 * `{x' : ‖x' − x‖∞ ≤ ε}` inside the region of the point's own class.
 * @module
 */
import { classColor, hex } from './palette.js';
import { escapeXml, linearScale, niceTicks, num, svgDocument, tickLabel } from './svg.js';

/** The plotted rectangle of the plane. */
export interface Extent {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
}

/** The unit square, the toy problem's domain. */
export const UNIT_SQUARE: Extent = Object.freeze({ x0: 0, x1: 1, y0: 0, y1: 1 });

/**
 * Predicted classes on a `size × size` grid. Cell `(r, c)` (row 0 at the **top**) holds the
 * class at its centre `x = x0 + (c + ½)/size · (x1 − x0)`, `y = y1 − (r + ½)/size · (y1 − y0)`;
 * `classes[r · size + c]`.
 */
export interface ClassGrid {
  readonly size: number;
  readonly classes: ArrayLike<number>;
}

/** A labelled point of the plane. */
export interface LabelledPoint {
  readonly x: number;
  readonly y: number;
  readonly label: number;
}

/** Everything one decision-region picture shows. */
export interface Regions2d {
  readonly title: string;
  readonly extent: Extent;
  readonly grid: ClassGrid;
  readonly points: readonly LabelledPoint[];
  /** Half side of the l∞ box drawn around each point (0: no boxes). */
  readonly epsilon: number;
}

/**
 * The centres of the grid cells, `[size², 2]` row-major as `(x, y)` pairs, in the order of
 * {@link ClassGrid.classes}: feed them to a model and take the argmax to fill a grid.
 */
export function gridCentres(size: number, extent: Extent = UNIT_SQUARE): Float32Array {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`gridCentres: size must be a positive integer, got ${size}`);
  const out = new Float32Array(2 * size * size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      out[2 * (r * size + c)] = extent.x0 + ((c + 0.5) / size) * (extent.x1 - extent.x0);
      out[2 * (r * size + c) + 1] = extent.y1 - ((r + 0.5) / size) * (extent.y1 - extent.y0);
    }
  }
  return out;
}

/** Checks that a grid holds `size²` classes. */
export function checkGrid(grid: ClassGrid): void {
  if (!Number.isInteger(grid.size) || grid.size <= 0) throw new RangeError(`regions: grid.size must be a positive integer, got ${grid.size}`);
  if (grid.classes.length !== grid.size * grid.size) {
    throw new RangeError(`regions: grid.classes has ${grid.classes.length} entries, expected size² = ${grid.size * grid.size}`);
  }
}

/** One line of legend from (x, y): per class of the points its region tint and dot, then the ε-box. */
function regionsLegend(data: Regions2d, x: number, y: number): string[] {
  const out: string[] = [];
  let at = x;
  for (const label of [...new Set(data.points.map((p) => p.label))].sort((a, b) => a - b)) {
    const color = classColor(label);
    out.push(`<rect x="${num(at)}" y="${num(y)}" width="16" height="16" fill="${hex(color.region)}" stroke="#999999"/>`);
    out.push(`<circle cx="${num(at + 8)}" cy="${num(y + 8)}" r="4.5" fill="${hex(color.point)}" stroke="#000000"/>`);
    out.push(`<text x="${num(at + 22)}" y="${num(y + 8)}" dominant-baseline="middle">class ${label}</text>`);
    at += 90;
  }
  if (data.epsilon > 0) {
    out.push(`<rect x="${num(at + 1)}" y="${num(y + 1)}" width="14" height="14" fill="none" stroke="#000000" stroke-width="1.5"/>`);
    out.push(`<text x="${num(at + 22)}" y="${num(y + 8)}" dominant-baseline="middle">ε-box, ε = ${escapeXml(tickLabel(data.epsilon))}</text>`);
  }
  return out;
}

/**
 * An SVG picture: region cells (merged into horizontal runs), each point's ε-box outlined in
 * black, the points as dots in their class colour, axes ticks at nice values, a legend below.
 * @param side - width and height of the square plot area in pixels (default 480).
 */
export function regionsSvg(data: Regions2d, side = 480): string {
  checkGrid(data.grid);
  const pad = { left: 48, top: 36, right: 16, bottom: 64 };
  const { extent: e, grid } = data;
  const x = linearScale(e.x0, e.x1, pad.left, pad.left + side);
  const y = linearScale(e.y0, e.y1, pad.top + side, pad.top);
  const cell = side / grid.size;
  const body: string[] = [
    `<clipPath id="plot-area"><rect x="${pad.left}" y="${pad.top}" width="${side}" height="${side}"/></clipPath>`,
    '<g clip-path="url(#plot-area)" shape-rendering="crispEdges">',
  ];
  for (let r = 0; r < grid.size; r++) {
    for (let c = 0; c < grid.size;) {
      const k = grid.classes[r * grid.size + c]!;
      let end = c + 1;
      while (end < grid.size && grid.classes[r * grid.size + end] === k) end++;
      // overlap by half a pixel so no seam shows between rows
      body.push(`<rect x="${num(pad.left + c * cell)}" y="${num(pad.top + r * cell)}" width="${num((end - c) * cell + 0.5)}" height="${num(cell + 0.5)}" fill="${hex(classColor(k).region)}"/>`);
      c = end;
    }
  }
  body.push('</g>', '<g clip-path="url(#plot-area)">');
  for (const p of data.points) {
    if (data.epsilon <= 0) continue;
    body.push(`<rect x="${num(x(p.x - data.epsilon))}" y="${num(y(p.y + data.epsilon))}" width="${num(x(p.x + data.epsilon) - x(p.x - data.epsilon))}" height="${num(y(p.y - data.epsilon) - y(p.y + data.epsilon))}" fill="none" stroke="#000000" stroke-width="1.5"/>`);
  }
  body.push('</g>');
  for (const p of data.points) {
    body.push(`<circle cx="${num(x(p.x))}" cy="${num(y(p.y))}" r="5" fill="${hex(classColor(p.label).point)}" stroke="#000000"/>`);
  }
  body.push(`<rect x="${pad.left}" y="${pad.top}" width="${side}" height="${side}" fill="none" stroke="#333333"/>`);
  for (const t of niceTicks(e.x0, e.x1, 5).filter((t) => t >= e.x0 && t <= e.x1)) {
    body.push(`<text x="${num(x(t))}" y="${num(pad.top + side + 16)}" text-anchor="middle">${escapeXml(tickLabel(t))}</text>`);
  }
  for (const t of niceTicks(e.y0, e.y1, 5).filter((t) => t >= e.y0 && t <= e.y1)) {
    body.push(`<text x="${num(pad.left - 6)}" y="${num(y(t))}" text-anchor="end" dominant-baseline="middle">${escapeXml(tickLabel(t))}</text>`);
  }
  const width = pad.left + side + pad.right;
  body.push(`<text x="${num(width / 2)}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(data.title)}</text>`);
  body.push(...regionsLegend(data, pad.left, pad.top + side + 30));
  return svgDocument(width, pad.top + side + pad.bottom, body, data.title);
}

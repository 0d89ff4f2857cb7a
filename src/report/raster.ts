/**
 * Rasterises a {@link Regions2d} picture into an RGBA image (for the PNG encoder): region
 * tints by nearest grid cell, black ε-box outlines, class-coloured dots with a dark rim; and the
 * whole figure around it (title, axes, legend) with {@link rasterizeRegionsFigure}.
 * @module
 */
import { drawText, GLYPH_HEIGHT, textWidth } from './bitmap-font.js';
import { classColor, type Rgb } from './palette.js';
import type { RgbaImage } from './png.js';
import { checkGrid, type Regions2d } from './regions.js';
import { niceTicks, tickLabel } from './svg.js';

/** A mutable RGBA canvas with the few drawing primitives the regions picture needs. */
class Canvas {
  readonly rgba: Uint8Array;
  constructor(readonly width: number, readonly height: number) {
    this.rgba = new Uint8Array(4 * width * height);
  }

  /** Sets pixel (px, py) when it lies on the canvas. */
  set(px: number, py: number, [r, g, b]: Rgb): void {
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const i = 4 * (py * this.width + px);
    this.rgba[i] = r; this.rgba[i + 1] = g; this.rgba[i + 2] = b; this.rgba[i + 3] = 255;
  }

  /** Outline of the pixel rectangle [ax, bx] × [ay, by], `thickness` pixels inward. */
  outline(ax: number, ay: number, bx: number, by: number, thickness: number, color: Rgb): void {
    for (let t = 0; t < thickness; t++) {
      for (let px = ax; px <= bx; px++) { this.set(px, ay + t, color); this.set(px, by - t, color); }
      for (let py = ay; py <= by; py++) { this.set(ax + t, py, color); this.set(bx - t, py, color); }
    }
  }

  /** A filled disc of the given radius with a one-pixel rim. */
  disc(cx: number, cy: number, radius: number, fill: Rgb, rim: Rgb): void {
    const r = Math.ceil(radius);
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        const d = Math.hypot(dx, dy);
        if (d <= radius) this.set(Math.round(cx) + dx, Math.round(cy) + dy, d > radius - 1.2 ? rim : fill);
      }
    }
  }
}

/**
 * Renders the regions picture at `side × side` pixels (default 400). Pixel (px, py) takes the
 * class of the grid cell containing its centre; row 0 is the top (largest y), as in the grid.
 */
export function rasterizeRegions(data: Regions2d, side = 400): RgbaImage {
  checkGrid(data.grid);
  if (!Number.isInteger(side) || side <= 0) throw new RangeError(`rasterizeRegions: side must be a positive integer, got ${side}`);
  const { grid, extent: e } = data;
  const canvas = new Canvas(side, side);
  for (let py = 0; py < side; py++) {
    const r = Math.min(grid.size - 1, Math.floor(((py + 0.5) / side) * grid.size));
    for (let px = 0; px < side; px++) {
      const c = Math.min(grid.size - 1, Math.floor(((px + 0.5) / side) * grid.size));
      canvas.set(px, py, classColor(grid.classes[r * grid.size + c]!).region);
    }
  }
  const toPx = (x: number) => ((x - e.x0) / (e.x1 - e.x0)) * side;
  const toPy = (y: number) => ((e.y1 - y) / (e.y1 - e.y0)) * side;
  const thickness = Math.max(1, Math.round(side / 250));
  for (const p of data.points) {
    if (data.epsilon <= 0) continue;
    canvas.outline(Math.round(toPx(p.x - data.epsilon)), Math.round(toPy(p.y + data.epsilon)),
      Math.round(toPx(p.x + data.epsilon)), Math.round(toPy(p.y - data.epsilon)), thickness, [0, 0, 0]);
  }
  for (const p of data.points) canvas.disc(toPx(p.x), toPy(p.y), Math.max(3, side / 90), classColor(p.label).point, [0, 0, 0]);
  return { width: side, height: side, rgba: canvas.rgba };
}

/** Margins of {@link rasterizeRegionsFigure} around the plot, in pixels. */
const FIGURE = { left: 44, top: 34, right: 16, axis: 26, legend: 26 } as const;

/**
 * The regions picture as a whole figure: the plot of {@link rasterizeRegions} (`side × side`)
 * with a frame, tick labels on both axes, the title above it and a legend below it (a swatch per
 * class of the points, region tint with its dot, and the ε-box outline), text in the 5×7 bitmap font.
 */
export function rasterizeRegionsFigure(data: Regions2d, side = 400): RgbaImage {
  const plot = rasterizeRegions(data, side);
  const width = FIGURE.left + side + FIGURE.right;
  const height = FIGURE.top + side + FIGURE.axis + FIGURE.legend;
  const canvas = new Canvas(width, height);
  canvas.rgba.fill(255);
  for (let py = 0; py < side; py++) canvas.rgba.set(plot.rgba.subarray(4 * py * side, 4 * (py + 1) * side), 4 * ((FIGURE.top + py) * width + FIGURE.left));
  const ink: Rgb = [0, 0, 0];
  const write = (text: string, x: number, y: number, scale = 1) => drawText(text, Math.round(x), Math.round(y), scale, (px, py) => canvas.set(px, py, ink));
  canvas.outline(FIGURE.left - 1, FIGURE.top - 1, FIGURE.left + side, FIGURE.top + side, 1, [51, 51, 51]);
  const e = data.extent;
  for (const t of niceTicks(e.x0, e.x1, 5).filter((t) => t >= e.x0 && t <= e.x1)) {
    const px = FIGURE.left + ((t - e.x0) / (e.x1 - e.x0)) * side;
    for (let k = 1; k <= 4; k++) canvas.set(Math.round(px), FIGURE.top + side + k, ink);
    write(tickLabel(t), px - textWidth(tickLabel(t)) / 2, FIGURE.top + side + 8);
  }
  for (const t of niceTicks(e.y0, e.y1, 5).filter((t) => t >= e.y0 && t <= e.y1)) {
    const py = FIGURE.top + ((e.y1 - t) / (e.y1 - e.y0)) * side;
    for (let k = 1; k <= 4; k++) canvas.set(FIGURE.left - 1 - k, Math.round(py), ink);
    write(tickLabel(t), FIGURE.left - 8 - textWidth(tickLabel(t)), py - GLYPH_HEIGHT / 2);
  }
  const titleScale = textWidth(data.title, 2) <= width - 8 ? 2 : 1;
  write(data.title, (width - textWidth(data.title, titleScale)) / 2, (FIGURE.top - GLYPH_HEIGHT * titleScale) / 2, titleScale);
  drawLegend(canvas, data, FIGURE.left, FIGURE.top + side + FIGURE.axis, write);
  return { width, height, rgba: canvas.rgba };
}

/** One line of legend entries from (x, y): each class of the points, then the ε-box. */
function drawLegend(canvas: Canvas, data: Regions2d, x: number, y: number, write: (text: string, x: number, y: number) => void): void {
  let at = x;
  for (const label of [...new Set(data.points.map((p) => p.label))].sort((a, b) => a - b)) {
    const color = classColor(label);
    for (let dy = 0; dy < 14; dy++) for (let dx = 0; dx < 14; dx++) canvas.set(at + dx, y + dy, color.region);
    canvas.disc(at + 7, y + 7, 4, color.point, [0, 0, 0]);
    write(`class ${label}`, at + 20, y + 4);
    at += 20 + textWidth(`class ${label}`) + 16;
  }
  if (data.epsilon <= 0) return;
  canvas.outline(at, y, at + 13, y + 13, 2, [0, 0, 0]);
  write(`eps-box (eps = ${tickLabel(data.epsilon)})`, at + 20, y + 4);
}

/**
 * Rasterises a {@link Regions2d} picture into an RGBA image (for the PNG encoder): region
 * tints by nearest grid cell, black ε-box outlines, class-coloured dots with a dark rim.
 * @module
 */
import { classColor, type Rgb } from './palette.js';
import type { RgbaImage } from './png.js';
import { checkGrid, type Regions2d } from './regions.js';

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

/**
 * Drawing for the demo page: decision regions with the points and their ε-boxes (green border =
 * certified, red = not), and the digit panel's table of certified radii per class margin.
 * @module
 */
import { classColor } from '../src/report/palette.js';
import type { DigitResult, ToyRun } from './protocol.js';

/** A toy point in [0,1]² with its class. */
export interface Point { x: number; y: number; label: number }

const rgb = (c: readonly number[]): string => `rgb(${c.join(',')})`;

/** Regions of `run` (or a blank square before training), the points, and their ε-boxes. */
export function drawToy(canvas: HTMLCanvasElement, points: readonly Point[], run: ToyRun | null, epsilon: number): void {
  const g = canvas.getContext('2d')!;
  const W = canvas.width, H = canvas.height;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, W, H);
  if (run) {
    const size = Math.round(Math.sqrt(run.grid.length));
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        g.fillStyle = rgb(classColor(run.grid[r * size + c]!).region);
        g.fillRect(Math.floor((c * W) / size), Math.floor((r * H) / size), Math.ceil(W / size), Math.ceil(H / size));
      }
    }
  }
  points.forEach((p, i) => {
    const cx = p.x * W, cy = (1 - p.y) * H;
    if (run) {
      g.strokeStyle = run.errors[i] === 0 ? '#0a0' : '#d00';
      g.lineWidth = 2;
      g.strokeRect(cx - epsilon * W, cy - epsilon * H, 2 * epsilon * W, 2 * epsilon * H);
    }
    g.fillStyle = rgb(classColor(p.label).point);
    g.beginPath(); g.arc(cx, cy, 5, 0, 2 * Math.PI); g.fill();
  });
}

/** The prediction and, per class j, the certified radius of the margin f_pred − f_j as a bar. */
export function drawDigitPanel(table: HTMLElement, status: HTMLElement, result: DigitResult): void {
  const finite = result.radius.filter((r) => Number.isFinite(r));
  const overall = Math.min(...finite);
  status.textContent = `prediction ${result.prediction}; certified l∞ radius (all margins) ${overall.toFixed(4)}`;
  table.innerHTML = '<tr><th>class j</th><th>logit</th><th>radius of f_pred − f_j</th><th></th></tr>' + result.radius.map((r, j) =>
    `<tr><td>${j}</td><td>${result.logits[j]!.toFixed(2)}</td><td>${j === result.prediction ? 'predicted' : r.toFixed(4)}</td>` +
    `<td>${Number.isFinite(r) ? `<span class="bar" style="width:${Math.round(400 * r)}px"></span>` : ''}</td></tr>`).join('');
}

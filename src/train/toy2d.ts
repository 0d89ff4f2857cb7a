/**
 * The 2D toy experiment of the original notebook (`examples/2D.ipynb`, docs/dual-math.md §11.6):
 * 12 points in [0,1]² at pairwise l1 distance > 2r (r = 0.16) with random labels, a
 * 2-100-100-100-100-2 ReLU network fitted full-batch with Adam (lr 1e-3, 1000 steps) once on
 * plain cross-entropy and once on the robust loss at ε = r/2 (l∞ ball, unbounded), and the
 * decision regions of both with every point's ε-box. The robust network keeps each box inside
 * its point's region, and the dual bound proves it.
 * @module
 */
import { argmax, backward, crossEntropy, noGrad } from '../autograd/index.js';
import type { Dataset } from '../data/dataset.js';
import { toy2dPoints } from '../data/toy2d.js';
import { Linear, ReLU, Sequential } from '../nn/index.js';
import { Adam } from '../optim/index.js';
import { encodePng, gridCentres, rasterizeRegions, regionsSvg, UNIT_SQUARE, type ClassGrid, type Extent, type Regions2d, type RgbaImage } from '../report/index.js';
import { certify } from '../relax/index.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { robustObjective } from './objective.js';
import type { RobustObjective } from './trainer.js';

/** The notebook's network: Linear(2,100), ReLU, 3 × [Linear(100,100), ReLU], Linear(100,2). */
export function toyNetwork(seed: number, hidden = 100, depth = 4): Sequential {
  const rng = new Rng(seed);
  const layers = [new Linear(2, hidden, { rng }), new ReLU()];
  for (let i = 1; i < depth; i++) layers.push(new Linear(hidden, hidden, { rng }), new ReLU());
  return new Sequential(...layers, new Linear(hidden, 2, { rng }));
}

/** Options of {@link fitToy}. */
export interface FitToyOptions {
  /** Full-batch Adam steps (default 1000). */
  readonly steps?: number;
  /** Adam learning rate (default 1e-3). */
  readonly lr?: number;
  /** Train on the robust loss at this radius; plain cross-entropy when absent. */
  readonly robust?: { readonly objective: RobustObjective; readonly epsilon: number };
  /** Called after each step with the loss. */
  readonly onStep?: (step: number, loss: number) => void;
}

/** Fits `model` to all points at once; returns the loss after every step. */
export function fitToy(model: Sequential, X: Tensor, y: Int32Array, options: FitToyOptions = {}): number[] {
  const { steps = 1000, lr = 1e-3 } = options;
  const optimizer = new Adam(model.parameters(), { lr });
  const losses: number[] = [];
  model.train();
  for (let step = 0; step < steps; step++) {
    const loss = options.robust
      ? options.robust.objective(model, options.robust.epsilon, X, y, { epoch: 0, batch: step }).loss
      : crossEntropy(model.forward(X), y);
    optimizer.zeroGrad();
    backward(loss);
    optimizer.step();
    losses.push(loss.item());
    options.onStep?.(step, losses[step]!);
  }
  return losses;
}

/** The model's predicted class at the centre of every cell of a `size × size` grid. */
export function decisionGrid(model: Sequential, size = 100, extent: Extent = UNIT_SQUARE): ClassGrid {
  const centres = gridCentres(size, extent);
  const logits = noGrad(() => model.eval().forward(new Tensor(centres, [size * size, 2])));
  return { size, classes: argmax(logits, 1) };
}

/** Options of {@link runToy2d}; defaults are the notebook's latest revision. */
export interface Toy2dExperimentOptions {
  readonly points?: number;
  readonly r?: number;
  /** Radius of the robust loss and the boxes (default r/2). */
  readonly epsilon?: number;
  readonly steps?: number;
  readonly hidden?: number;
  readonly seed?: number;
  /** Grid cells per side of the pictures (default 100, as the notebook). */
  readonly gridSize?: number;
  readonly onStep?: (model: 'standard' | 'robust', step: number, steps: number, loss: number) => void;
}

/** One trained network of the experiment. */
export interface Toy2dRun {
  readonly model: Sequential;
  readonly losses: readonly number[];
  readonly grid: ClassGrid;
  /** Fraction of the points misclassified, and not certified at ε (exact dual bound). */
  readonly error: number;
  readonly certifiedError: number;
  readonly picture: Regions2d;
}

/** What {@link runToy2d} returns: the data, both runs, and the pictures. */
export interface Toy2dExperiment {
  readonly data: Dataset;
  readonly epsilon: number;
  readonly standard: Toy2dRun;
  readonly robust: Toy2dRun;
  /** The two decision-region pictures as SVG, and side by side as one PNG. */
  readonly svg: { readonly standard: string; readonly robust: string };
  readonly png: Uint8Array;
}

/** Runs the notebook: the points, a standard and a robust network, their regions and certificates. */
export function runToy2d(options: Toy2dExperimentOptions = {}): Toy2dExperiment {
  const { points = 12, r = 0.16, steps = 1000, hidden = 100, seed = 0, gridSize = 100 } = options;
  const epsilon = options.epsilon ?? r / 2;
  const data = toy2dPoints(points, r, new Rng(seed));
  const X = new Tensor(data.images, [data.n, 2]);
  const run = (name: 'standard' | 'robust', robust: FitToyOptions['robust']): Toy2dRun => {
    const model = toyNetwork(seed + (name === 'robust' ? 1 : 0), hidden);
    const losses = fitToy(model, X, data.labels, { steps, robust, onStep: (step, loss) => options.onStep?.(name, step + 1, steps, loss) });
    const result = certify(model.eval(), epsilon, X, data.labels);
    const mean = (flags: Uint8Array) => flags.reduce((a, f) => a + f, 0) / data.n;
    const grid = decisionGrid(model, gridSize);
    const title = `${name === 'robust' ? 'Robust' : 'Standard'} training (ε = ${epsilon}): ${data.n - result.errors.reduce((a, f) => a + f, 0)}/${data.n} certified`;
    const picture: Regions2d = { title, extent: UNIT_SQUARE, grid, epsilon, points: Array.from({ length: data.n }, (_, i) => ({ x: data.images[2 * i]!, y: data.images[2 * i + 1]!, label: data.labels[i]! })) };
    return { model, losses, grid, error: mean(result.cleanErrors), certifiedError: mean(result.errors), picture };
  };
  const standard = run('standard', undefined);
  const robust = run('robust', { objective: robustObjective(), epsilon });
  return {
    data, epsilon, standard, robust,
    svg: { standard: regionsSvg(standard.picture), robust: regionsSvg(robust.picture) },
    png: encodePng(sideBySide([rasterizeRegions(standard.picture, 400), rasterizeRegions(robust.picture, 400)], 16)),
  };
}

/** Images of equal height placed left to right with `gap` white pixels between them. */
export function sideBySide(images: readonly RgbaImage[], gap = 0): RgbaImage {
  const height = Math.max(...images.map((im) => im.height));
  const width = images.reduce((a, im) => a + im.width, 0) + gap * (images.length - 1);
  const rgba = new Uint8Array(4 * width * height).fill(255);
  let x0 = 0;
  for (const im of images) {
    for (let y = 0; y < im.height; y++) rgba.set(im.rgba.subarray(4 * y * im.width, 4 * (y + 1) * im.width), 4 * (y * width + x0));
    x0 += im.width + gap;
  }
  return { width, height, rgba };
}

/**
 * The demo's 2D toy training, shared by the page's worker and the Node side of tests/browser (so
 * both run the very same code): a normal or robust network of the notebook's shape, fitted
 * full-batch with Adam, then certified at ε by the exact dual bound.
 * @module
 */
import { Tensor, certify } from '../src/index.js';
import { decisionGrid, fitToy, toyNetwork } from '../src/train/toy2d.js';
import { robustObjective } from '../src/train/objective.js';
import type { ToyRun, ToySettings } from './protocol.js';

/** Trains one toy network on the settings' points; `onStep` sees each step's loss and the mean step time so far. */
export function trainToy(settings: ToySettings, robust: boolean, onStep?: (step: number, loss: number, stepMs: number) => void): ToyRun {
  const { xs, labels, steps, epsilon, seed, gridSize } = settings;
  const X = new Tensor(Float32Array.from(xs), [labels.length, 2]);
  const y = Int32Array.from(labels);
  const model = toyNetwork(seed + (robust ? 1 : 0), settings.hidden);
  const started = performance.now();
  const losses = fitToy(model, X, y, {
    steps, robust: robust ? { objective: robustObjective(), epsilon } : undefined,
    onStep: (step, loss) => onStep?.(step + 1, loss, (performance.now() - started) / (step + 1)),
  });
  const stepMs = (performance.now() - started) / Math.max(1, steps);
  const result = certify(model.eval(), epsilon, X, y);
  return { losses, errors: [...result.errors], cleanErrors: [...result.cleanErrors], grid: Array.from(decisionGrid(model, gridSize).classes), stepMs };
}

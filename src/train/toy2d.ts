/**
 * The 2D toy experiment of the original notebook (`examples/2D.ipynb`): a 2-100-100-100-100-2
 * ReLU network fitted full-batch with Adam (lr 1e-3, 1000 steps) to a dozen separated points,
 * either on plain cross-entropy or on the robust loss at ε = r/2, and its decision regions.
 * @module
 */
import { argmax, backward, crossEntropy, noGrad } from '../autograd/index.js';
import { Linear, ReLU, Sequential } from '../nn/index.js';
import { Adam } from '../optim/index.js';
import { gridCentres, UNIT_SQUARE, type ClassGrid, type Extent } from '../report/regions.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
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
      ? options.robust.objective(model, options.robust.epsilon, X, y).loss
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

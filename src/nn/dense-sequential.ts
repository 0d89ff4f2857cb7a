/**
 * The original's `DenseSequential`: a Sequential that keeps every intermediate output
 * [x_0 = input, x_1, …] and gives a {@link Dense} layer all of them (so it can add skip
 * connections), while any other layer sees only the last one:
 *
 *   x_{t+1} = layer_t.forwardAll([x_0 … x_t])  (Dense),   x_{t+1} = layer_t(x_t)  (otherwise).
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Layer } from './layer.js';
import { LayerChain } from './sequential.js';

/** Layers with access to all earlier outputs; entries named `i.<name>` as in `Sequential`. */
export class DenseSequential extends LayerChain {
  readonly kind = 'denseSequential' as const;

  constructor(...layers: Layer[]) {
    super(layers);
  }

  /** The last output x_k. */
  forward(x: Tensor): Tensor {
    const xs = this.outputs(x);
    return xs[xs.length - 1]!;
  }

  /** Every output [x_0 = x, x_1, …, x_k] (k = number of layers). */
  outputs(x: Tensor): Tensor[] {
    const xs = [x];
    for (const layer of this.layers) {
      xs.push(layer.kind === 'dense' ? layer.forwardAll(xs) : layer.forward(xs[xs.length - 1]!));
    }
    return xs;
  }
}

/**
 * A chain of layers, PyTorch `nn.Sequential`: x_{i+1} = layer_i(x_i). Sub-layer i's entries are
 * named `i.<name>` (`0.weight`, `2.bias`, ...), as in a PyTorch state dict.
 * @module
 */
import type { Tensor } from '../tensor/tensor.js';
import type { Layer } from './layer.js';
import { Module } from './module.js';

/**
 * A container of layers applied in order, sub-layer i registered as `i` (entries `i.<name>`).
 * Base of {@link Sequential} and the original's `DenseSequential`, which differ only in what
 * each layer is given: the last output, or every output so far.
 */
export abstract class LayerChain extends Module {
  /** The layers, in application order. */
  readonly layers: readonly Layer[];

  constructor(layers: readonly Layer[]) {
    super();
    this.layers = layers;
    layers.forEach((layer, i) => this.registerModule(String(i), layer));
  }
}

/** Applies its layers in order. */
export class Sequential extends LayerChain {
  readonly kind = 'sequential' as const;

  constructor(...layers: Layer[]) {
    super(layers);
  }

  /** layer_{k−1}(… layer_0(x)). */
  forward(x: Tensor): Tensor {
    let out = x;
    for (const layer of this.layers) out = layer.forward(out);
    return out;
  }
}

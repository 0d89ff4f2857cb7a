/**
 * The residual block of the auto_LiRPA references (`../shared/reference/lirpa/README.md`):
 *
 *   out = conv_b(relu(conv_a(x))) + skip(x),
 *
 * with `conv_a`, `conv_b` C → C, 3×3, stride 1, padding 1, and `skip` C → C, k×k, stride 1,
 * padding ⌊k/2⌋ (k odd, so every branch keeps [C, H, W]). Parameters `conv_a.weight`, …,
 * `skip.bias`. In the original's terms it is `conv_a, ReLU, Dense(skip, None, conv_b)` inside a
 * DenseSequential ({@link Residual.asDense}), which is how bound propagation reads it.
 * @module
 */
import { add, relu } from '../autograd/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2d } from './conv2d.js';
import { Dense } from './dense.js';
import { DenseSequential } from './dense-sequential.js';
import type { Layer } from './layer.js';
import { checkPositiveInt, type InitOptions } from './linear.js';
import { Module } from './module.js';
import { ReLU } from './relu.js';
import type { Sequential } from './sequential.js';

/** `conv_b(relu(conv_a(x))) + skip(x)` on [B, C, H, W]. */
export class Residual extends Module {
  readonly kind = 'residual' as const;
  /** 3×3, C → C, padding 1. */
  readonly convA: Conv2d;
  /** 3×3, C → C, padding 1. */
  readonly convB: Conv2d;
  /** k×k, C → C, padding ⌊k/2⌋. */
  readonly skip: Conv2d;

  /**
   * @param channels - C.
   * @param skipKernel - k, odd (1 = a 1×1 projection).
   * @param options - seeded initialisation (as Conv2d) and `bias` (default true) of all three convolutions.
   */
  constructor(readonly channels: number, readonly skipKernel: number, options: InitOptions) {
    super();
    checkPositiveInt('Residual', { channels, skipKernel });
    if (skipKernel % 2 !== 1) throw new Error(`Residual: skipKernel must be odd (padding k//2 keeps the shape), got ${skipKernel}`);
    this.convA = new Conv2d(channels, channels, 3, { ...options, padding: 1 });
    this.convB = new Conv2d(channels, channels, 3, { ...options, padding: 1 });
    this.skip = new Conv2d(channels, channels, skipKernel, { ...options, padding: (skipKernel - 1) / 2 });
    this.registerModule('conv_a', this.convA);
    this.registerModule('conv_b', this.convB);
    this.registerModule('skip', this.skip);
  }

  /** x [B, C, H, W] → [B, C, H, W]. */
  forward(x: Tensor): Tensor {
    return add(this.convB.forward(relu(this.convA.forward(x))), this.skip.forward(x));
  }

  /**
   * The same block as three DenseSequential layers sharing these parameters:
   * `conv_a`, `ReLU`, `Dense(skip, null, conv_b)` (the Dense's first entry reads the block's
   * input, three outputs back; its last reads the ReLU's output).
   */
  asDense(): Layer[] {
    return [this.convA, new ReLU(), new Dense(this.skip, null, this.convB)];
  }
}

/**
 * The network with every top-level {@link Residual} replaced by its {@link Residual.asDense}
 * layers, as a DenseSequential (parameters shared, so gradients reach the original's tensors);
 * a network without residual blocks is returned as it is. Dense layers after a block are
 * re-indexed so each entry still reads the same output.
 */
export function expandResiduals<N extends Sequential | DenseSequential>(net: N): N | DenseSequential {
  if (!net.layers.some((l) => l.kind === 'residual')) return net;
  const position = [0]; // position[t] = index of old output t in the new output list
  const layers: Layer[] = [];
  net.layers.forEach((layer, i) => {
    if (layer.kind === 'residual') layers.push(...layer.asDense());
    else if (layer.kind === 'dense' && net.kind === 'denseSequential') layers.push(reindexDense(layer, i, position, layers.length));
    else layers.push(layer);
    position.push(layers.length);
  });
  return new DenseSequential(...layers);
}

/** A Dense at old index `i` (reading old outputs i+1−k … i) rebuilt for new index `at`. */
function reindexDense(layer: Dense, i: number, position: readonly number[], at: number): Dense {
  const k = layer.ws.length;
  const reads = layer.ws.map((w, j) => (w ? position[i + 1 - k + j]! : -1));
  const oldest = Math.min(...reads.filter((r) => r >= 0));
  const ws: (Layer | null)[] = new Array<Layer | null>(at + 1 - oldest).fill(null);
  layer.ws.forEach((w, j) => { if (w) ws[reads[j]! - oldest] = w; });
  return new Dense(...ws);
}

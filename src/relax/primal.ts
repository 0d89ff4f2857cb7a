/**
 * The clean forward pass z_0 = X, z_{i+1} = layer_i(z_0..z_i) that the dual network needs for
 * layers whose dual depends on the data, i.e. a `BatchNorm2d` in training mode (its batch
 * statistics are those of its input z_i over the whole batch; the original's shape pass). It
 * differs from `net.forward` in one way: a training-mode BatchNorm2d normalises with the batch
 * statistics **without** moving its running buffers, so building a dual network never changes the
 * model. Differentiable (the statistics carry gradient into earlier layers).
 * @module
 */
import { add, div, mean, mul, reshape, sqrt, square, sub } from '../autograd/index.js';
import type { BatchNorm2d } from '../nn/batchnorm2d.js';
import type { Layer } from '../nn/layer.js';
import type { Tensor } from '../tensor/tensor.js';

/** Per-channel mean and biased variance `[C]` of x `[B, C, H, W]` (differentiable). */
export function channelStatistics(x: Tensor): { mu: Tensor; variance: Tensor } {
  if (x.rank !== 4) throw new Error(`channelStatistics: x must be [B, C, H, W], got [${x.shape.join(', ')}]`);
  const C = x.shape[1]!;
  if (x.size / C < 2) throw new Error(`channelStatistics: batch statistics need more than 1 value per channel, got [${x.shape.join(', ')}]`);
  const channelMean = (t: Tensor): Tensor => mean(mean(mean(t, 3, true), 2, true), 0, true);
  const mu = channelMean(x);
  const variance = channelMean(square(sub(x, mu)));
  return { mu: reshape(mu, [C]), variance: reshape(variance, [C]) };
}

/** A training-mode BatchNorm2d applied with x's batch statistics, buffers untouched. */
function batchNormPure(layer: BatchNorm2d, x: Tensor): Tensor {
  const C = layer.numFeatures;
  const { mu, variance } = channelStatistics(x);
  const scale = div(layer.weight, sqrt(add(variance, layer.eps)));
  const shift = sub(layer.bias, mul(mu, scale));
  return add(mul(x, reshape(scale, [1, C, 1, 1])), reshape(shift, [1, C, 1, 1]));
}

/** Every activation `[z_0 = X, z_1, …, z_L]` of the layers on X (Dense layers read the whole history). */
export function primalActivations(layers: readonly Layer[], X: Tensor): Tensor[] {
  const zs = [X];
  for (const layer of layers) {
    const last = zs[zs.length - 1]!;
    if (layer.kind === 'dense') zs.push(layer.forwardAll(zs));
    else if (layer.kind === 'batchnorm2d' && layer.training) zs.push(batchNormPure(layer, last));
    else zs.push(layer.forward(last));
  }
  return zs;
}

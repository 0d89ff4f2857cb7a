/**
 * PyTorch's default initialisation of `Linear` and `Conv2d`, drawn from a seeded {@link Rng}.
 *
 * PyTorch calls `kaiming_uniform_(weight, a=√5)`: gain = √(2 / (1 + a²)) = √(1/3), std =
 * gain / √fan_in, bound = √3 · std = 1 / √fan_in, so weight ~ U(−1/√fan_in, 1/√fan_in); the
 * bias is drawn from the same interval. fan_in = in_features (Linear) or C · kh · kw (Conv2d).
 * @module
 */
import type { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** The bound 1/√fan_in of PyTorch's default weight and bias initialisation. */
export function defaultInitBound(fanIn: number): number {
  if (!(fanIn > 0)) throw new Error(`defaultInitBound: fanIn must be positive, got ${fanIn}`);
  return 1 / Math.sqrt(fanIn);
}

/** A float32 tensor of `shape` with entries ~ U(−1/√fanIn, 1/√fanIn). */
export function defaultInit(shape: readonly number[], fanIn: number, rng: Rng): Tensor {
  // from plain JavaScript `new Linear(4, 2)` arrives here without options: say what is missing
  if (!rng || typeof (rng as Partial<Rng>).uniform !== 'function') throw new Error('layer initialisation needs options.rng, an Rng (e.g. { rng: new Rng(0) }), so weights are reproducible');
  const bound = defaultInitBound(fanIn);
  return Tensor.uniform(shape, rng, -bound, bound);
}

/**
 * Overwrites `weight` with N(0, √(2/n)), n = kh · kw · out_channels: the He initialisation that
 * the original's `cifar_model` and `cifar_model_resnet` apply to every convolution.
 */
export function heNormalFanOut(weight: Tensor, rng: Rng): void {
  const [out, , kh, kw] = weight.shape as [number, number, number, number];
  rng.fillNormal(weight.data, 0, Math.sqrt(2 / (kh * kw * out)));
}

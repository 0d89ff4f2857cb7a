/**
 * 2-D convolution, PyTorch `nn.Conv2d` (cross-correlation, groups = 1, dilation = 1):
 * x [B, C, H, W] → y [B, O, Ho, Wo], Ho = ⌊(H + 2p − kh)/s⌋ + 1, with weight [O, C, kh, kw] and
 * optional bias [O]. Like `Linear`, it is an affine map of the flattened input in the dual network.
 * @module
 */
import { conv2d } from '../autograd/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { defaultInit } from './init.js';
import { checkPositiveInt, type InitOptions } from './linear.js';
import { Module } from './module.js';

/** A size given once for both axes or as [height, width]. */
export type Size2 = number | readonly [number, number];

/** Options of {@link Conv2d}: initialisation plus stride (default 1) and zero padding (default 0). */
export interface Conv2dLayerOptions extends InitOptions {
  stride?: Size2;
  padding?: Size2;
}

function pairOf(v: Size2): readonly [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Convolution layer with parameters `weight` [O, C, kh, kw] and (optionally) `bias` [O]. */
export class Conv2d extends Module {
  readonly kind = 'conv2d' as const;
  /** [kh, kw]. */
  readonly kernelSize: readonly [number, number];
  /** [sh, sw]. */
  readonly stride: readonly [number, number];
  /** Zero padding [ph, pw] on each side. */
  readonly padding: readonly [number, number];

  /**
   * @param inChannels - C.
   * @param outChannels - O.
   * @param kernelSize - k or [kh, kw].
   * @param options - seeded generator (weight and bias ~ U(−1/√(C·kh·kw), +)), `bias`, `stride`, `padding`.
   */
  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Size2, options: Conv2dLayerOptions) {
    super();
    if (options === undefined) throw new Error('Conv2d: options is required: { rng: Rng, stride?, padding?, bias? } (the Rng draws the initial weights)');
    this.kernelSize = pairOf(kernelSize);
    this.stride = pairOf(options.stride ?? 1);
    this.padding = pairOf(options.padding ?? 0);
    const [kh, kw] = this.kernelSize;
    checkPositiveInt('Conv2d', { inChannels, outChannels, kh, kw, strideH: this.stride[0], strideW: this.stride[1] });
    if (this.padding.some((p) => !Number.isInteger(p) || p < 0)) {
      throw new Error(`Conv2d: padding must be non-negative integers, got [${this.padding.join(', ')}]`);
    }
    const fanIn = inChannels * kh * kw;
    this.registerParameter('weight', defaultInit([outChannels, inChannels, kh, kw], fanIn, options.rng));
    if (options.bias ?? true) this.registerParameter('bias', defaultInit([outChannels], fanIn, options.rng));
  }

  /** [O, C, kh, kw]. */
  get weight(): Tensor { return this.parameter('weight'); }
  /** [O], or null without bias. */
  get bias(): Tensor | null { return this.optionalParameter('bias'); }

  /** x [B, C, H, W] → [B, O, Ho, Wo]. */
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }

  /** Output [O, Ho, Wo] for an input of per-example shape [C, H, W]. */
  outputShape(inputShape: readonly number[]): [number, number, number] {
    const [, H, W] = inputShape as [number, number, number];
    const ho = Math.floor((H + 2 * this.padding[0] - this.kernelSize[0]) / this.stride[0]) + 1;
    const wo = Math.floor((W + 2 * this.padding[1] - this.kernelSize[1]) / this.stride[1]) + 1;
    return [this.outChannels, ho, wo];
  }
}

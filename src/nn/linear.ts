/**
 * Fully connected layer, PyTorch `nn.Linear`: y = x Wᵀ + b with W [out, in], b [out].
 * In the dual network this is an affine map W z + b (Wong & Kolter 2018, eq. 2).
 * @module
 */
import { linear } from '../autograd/index.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { defaultInit } from './init.js';
import { Module } from './module.js';

/** Construction options shared by the parametrised layers. */
export interface InitOptions {
  /** Draws the default initialisation (see `init.ts`). */
  rng: Rng;
  /** Whether the layer has a bias (default true). */
  bias?: boolean;
}

/** `y = x Wᵀ + b`: x [B, in] → y [B, out]. Parameters `weight` [out, in], `bias` [out]. */
export class Linear extends Module {
  readonly kind = 'linear' as const;

  /**
   * @param inFeatures - input width `in`.
   * @param outFeatures - output width `out`.
   * @param options - seeded generator for U(−1/√in, 1/√in) init; `bias: false` to omit b.
   */
  constructor(readonly inFeatures: number, readonly outFeatures: number, options: InitOptions) {
    super();
    checkPositiveInt('Linear', { inFeatures, outFeatures });
    if (options === undefined) throw new Error('Linear: options is required: { rng: Rng, bias?: boolean } (the Rng draws the initial weights)');
    this.registerParameter('weight', defaultInit([outFeatures, inFeatures], inFeatures, options.rng));
    if (options.bias ?? true) this.registerParameter('bias', defaultInit([outFeatures], inFeatures, options.rng));
  }

  /** W [out, in]. */
  get weight(): Tensor { return this.parameter('weight'); }
  /** b [out], or null without bias. */
  get bias(): Tensor | null { return this.optionalParameter('bias'); }

  /** x [..., in] → [..., out]. */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

/** Throws naming the argument unless every value is a positive integer. */
export function checkPositiveInt(layer: string, values: Record<string, number>): void {
  for (const [name, v] of Object.entries(values)) {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${layer}: ${name} must be a positive integer, got ${v}`);
  }
}

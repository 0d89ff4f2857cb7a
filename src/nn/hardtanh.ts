/**
 * HardTanh, PyTorch `nn.Hardtanh(min_val, max_val)`: y = min(max(x, min), max) element-wise
 * (defaults −1, 1). Piecewise linear with two kinks; its relaxation lives in `src/relax`.
 * @module
 */
import { clamp } from '../autograd/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/** Element-wise clamp to [minVal, maxVal]; no parameters. */
export class HardTanh extends Module {
  readonly kind = 'hardTanh' as const;

  /**
   * @param minVal - lower level (finite, default −1).
   * @param maxVal - upper level (finite, > minVal, default 1).
   */
  constructor(readonly minVal = -1, readonly maxVal = 1) {
    super();
    if (!Number.isFinite(minVal) || !Number.isFinite(maxVal) || !(minVal < maxVal)) {
      throw new Error(`HardTanh: minVal and maxVal must be finite with minVal < maxVal, got ${minVal}, ${maxVal}`);
    }
  }

  /** Same shape as `x`; gradient 1 on [minVal, maxVal], 0 outside (clamp's convention; PyTorch's Hardtanh gives 0 at the two ends, a measure-zero difference). */
  forward(x: Tensor): Tensor {
    return clamp(x, this.minVal, this.maxVal);
  }
}

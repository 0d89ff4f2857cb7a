/**
 * The IBP initialisation of Shi et al., *Fast certified robust training with short warmup*
 * (NeurIPS 2021, §3.2): every weight matrix except the last is redrawn from N(0, σ²) with
 * σ = √(2π)/n, n = fan-in (Linear: in features; Conv2d: C·kh·kw). For a layer y = Wx with
 * i.i.d. Gaussian rows, the interval radius grows by E‖W_i‖₁ = n·σ·√(2/π) = 2 per layer, and
 * halving by the ReLU (on average half the inputs of a stable unit are cut) keeps it constant:
 * the interval width is preserved from layer to layer, so IBP bounds do not explode at
 * initialisation. Biases keep their default initialisation (as auto_LiRPA's `ibp_init`).
 * @module
 */
import type { Module } from '../../nn/index.js';
import type { Rng } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';

/** σ = √(2π)/fanIn, the IBP-initialisation standard deviation for a layer of that fan-in. */
export function ibpInitStd(fanIn: number): number {
  if (!Number.isInteger(fanIn) || fanIn <= 0) throw new RangeError(`fanIn must be a positive integer, got ${fanIn}`);
  return Math.sqrt(2 * Math.PI) / fanIn;
}

/** The weights the initialisation redraws: every `weight` of rank ≥ 2 except the last one, by name. */
export function ibpInitWeights(model: Module): [string, Tensor][] {
  const weights = model.namedParameters().filter(([name, p]) => /(^|\.)weight$/.test(name) && p.rank >= 2);
  return weights.slice(0, -1);
}

/**
 * Redraws the weights of {@link ibpInitWeights} in place from N(0, ibpInitStd(fan-in)²) with
 * `rng`; returns the names and standard deviations used.
 */
export function ibpInit(model: Module, rng: Rng): { name: string; std: number }[] {
  return ibpInitWeights(model).map(([name, w]) => {
    const fanIn = w.shape.slice(1).reduce((a, b) => a * b, 1);
    const std = ibpInitStd(fanIn);
    rng.fillNormal(w.data, 0, std);
    return { name, std };
  });
}

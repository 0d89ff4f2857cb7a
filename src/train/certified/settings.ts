/**
 * Settings of a certified (IBP / CROWN-IBP) training run, with the defaults of Shi et al.
 * (NeurIPS 2021) for MNIST / Fashion-MNIST scaled to epochs of the chosen length: Adam, one
 * epoch at ε = 0 then a smoothed ramp, IBP initialisation, the warm-up regularisers (λ 0.5,
 * τ 0.5), gradient-norm clip 10, learning-rate decay ×0.2 near the end. Every field is
 * JSON-serialisable and recorded in the checkpoint; a resumed run must have the same ones.
 * @module
 */
import type { RampKind } from './schedule.js';
import type { CertifiedMethod } from './loss.js';

/** Everything that determines a certified training run (besides the data and the model). */
export interface CertifiedSettings {
  readonly method: CertifiedMethod;
  readonly epochs: number;
  readonly batchSize: number;
  /** Training radius (the target of the ramp). */
  readonly epsilon: number;
  /** Intersect the l∞ ball with [0, 1] during training. */
  readonly bounded: boolean;
  readonly warmupEpochs: number;
  readonly rampEpochs: number;
  readonly ramp: RampKind;
  readonly kappaStart: number;
  readonly kappaEnd: number;
  readonly lr: number;
  /** Epochs (0-based) at whose start the learning rate is multiplied by `lrDecayFactor`. */
  readonly lrDecayEpochs: readonly number[];
  readonly lrDecayFactor: number;
  /** Clip the joint gradient 2-norm (null: no clipping). */
  readonly clipGrad: number | null;
  readonly ibpInit: boolean;
  /** Warm-up regulariser weight λ (0: off) and tolerance τ. */
  readonly regularizer: number;
  readonly regularizerTolerance: number;
  readonly seed: number;
}

/** Shi et al.'s recipe, for `epochs` epochs with the ramp ending halfway. */
export function defaultCertifiedSettings(overrides: Partial<CertifiedSettings> & Pick<CertifiedSettings, 'epsilon'>): CertifiedSettings {
  const epochs = overrides.epochs ?? 20;
  const base: CertifiedSettings = {
    method: 'ibp', epochs, batchSize: 100, epsilon: overrides.epsilon, bounded: false,
    warmupEpochs: 1, rampEpochs: Math.max(1, Math.floor(epochs / 2) - 1), ramp: 'smoothed',
    kappaStart: 0, kappaEnd: 0, lr: 5e-4, lrDecayEpochs: [Math.floor(epochs * 0.75), Math.floor(epochs * 0.9)], lrDecayFactor: 0.2,
    clipGrad: 10, ibpInit: true, regularizer: 0.5, regularizerTolerance: 0.5, seed: 0,
  };
  return { ...base, ...overrides };
}

/**
 * Checks the settings, naming the offending field.
 * @throws RangeError for non-positive counts, a ramp longer than the run, or out-of-range weights.
 */
export function checkCertifiedSettings(s: CertifiedSettings): void {
  for (const [name, v] of [['epochs', s.epochs], ['batchSize', s.batchSize]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be an integer >= 1, got ${v}`);
  }
  for (const [name, v] of [['warmupEpochs', s.warmupEpochs], ['rampEpochs', s.rampEpochs]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be an integer >= 0, got ${v}`);
  }
  if (!(s.lr > 0)) throw new RangeError(`lr must be > 0, got ${s.lr}`);
  if (!(s.lrDecayFactor > 0)) throw new RangeError(`lrDecayFactor must be > 0, got ${s.lrDecayFactor}`);
  if (s.clipGrad !== null && !(s.clipGrad > 0)) throw new RangeError(`clipGrad must be > 0 or null, got ${s.clipGrad}`);
  if (!(s.regularizer >= 0)) throw new RangeError(`regularizer must be >= 0, got ${s.regularizer}`);
  if (!(s.regularizerTolerance > 0)) throw new RangeError(`regularizerTolerance must be > 0, got ${s.regularizerTolerance}`);
}

/** The learning rate of epoch t: lr·factor^(number of decay epochs ≤ t). */
export function certifiedLearningRate(t: number, s: Pick<CertifiedSettings, 'lr' | 'lrDecayEpochs' | 'lrDecayFactor'>): number {
  return s.lr * s.lrDecayFactor ** s.lrDecayEpochs.filter((e) => e <= t).length;
}

/**
 * The near-boundary probe of issue 13 (scripts/near-boundary-probe.ts, tests/relax/soundness): for
 * an example, bisect in float64 for the smallest ε the float64 bound does not certify, then certify
 * at ε·(1 + δ) in float32 (fast path and sound check) and in float64 with the rigorous error bound.
 * A probe is a violation when `certify` (sound) certifies it but float64-with-error-bound does not.
 * @module
 */
import type { Tensor } from '../../tensor/tensor.js';
import type { DualizableNetwork } from '../network.js';
import { certify, type CertifyOptions } from '../robust-loss.js';

/** One probe's verdicts (1 = certified). */
export interface ProbeResult {
  readonly epsilon: number;
  readonly delta: number;
  /** float32 fast path, unchecked. */
  readonly fast32: 0 | 1;
  /** float32 `certify` with the sound check (the default). */
  readonly sound32: 0 | 1;
  /** float64 with its rigorous error bound (the reference). */
  readonly rigorous64: 0 | 1;
}

/** The deltas of the acceptance. */
export const PROBE_DELTAS: readonly number[] = [0, 1e-7, 1e-6, 1e-5, 1e-4];

/** 1 when `certify` certifies the single example (x, y) at ε. */
function certified(net: DualizableNetwork, x: Tensor, y: number, epsilon: number, options: CertifyOptions): 0 | 1 {
  return certify(net, epsilon, x, [y], options).errors[0] === 0 ? 1 : 0;
}

/**
 * The smallest ε (to relative 2⁻⁴⁰) that the float64 fast path does not certify for one example
 * `x` `[1, ...S_0]`, or null when it is not certified even at ε = 0 or still certified at `hi`.
 */
export function boundaryEpsilon(net64: DualizableNetwork, x64: Tensor, y: number, options: CertifyOptions = {}, hi = 4): number | null {
  const fast = { ...options, sound: false };
  if (!certified(net64, x64, y, 0, fast) || certified(net64, x64, y, hi, fast)) return null;
  let lo = 0;
  for (let i = 0; i < 60 && hi - lo > hi * 2 ** -40; i++) {
    const mid = (lo + hi) / 2;
    if (certified(net64, x64, y, mid, fast)) lo = mid; else hi = mid;
  }
  return hi;
}

/** Probes at ε·(1 + δ) for each δ: float32 fast, float32 sound, float64 rigorous. */
export function probeExample(net32: DualizableNetwork, net64: DualizableNetwork, x32: Tensor, x64: Tensor, y: number, epsilon: number, options: CertifyOptions = {}, deltas: readonly number[] = PROBE_DELTAS): ProbeResult[] {
  return deltas.map((delta) => {
    const eps = epsilon * (1 + delta);
    return {
      epsilon: eps,
      delta,
      fast32: certified(net32, x32, y, eps, { ...options, sound: false }),
      sound32: certified(net32, x32, y, eps, options),
      rigorous64: certified(net64, x64, y, eps, options),
    };
  });
}

/**
 * Per-step schedules of certified training (IBP, Gowal et al. 2018; CROWN-IBP, Zhang et al.
 * ICLR 2020; the short warm-up of Shi et al., NeurIPS 2021). Unlike the dual trainer's per-epoch
 * ramp (`../schedule.ts`), these move every optimizer step t (0-based, counted over the run):
 *
 * - ε_t: 0 during `warmupSteps`, then over `rampSteps` either linear `ε·s` or the smoothed
 *   schedule of Shi et al. (auto_LiRPA `SmoothedScheduler`): with s = (t − t₀)/T the fraction of
 *   the ramp done and m = `mid`, ε grows as `a·(sT)^p` (p = `power`, default 4) up to s = m, then
 *   linearly to ε at s = 1; `a` is chosen so value and slope agree at m. Afterwards ε.
 * - β_t = 1 − ε_t/ε (CROWN-IBP: weight of the CROWN-IBP bound against the IBP bound; 1 at the
 *   start, 0 when the ramp ends, Zhang et al. 2020 eq. 9).
 * - κ_t: weight of the clean loss, from `kappaStart` (1) down to `kappaEnd` linearly in ε_t/ε.
 * @module
 */

/** Shape of the ε ramp: linear, or polynomial-then-linear (Shi et al. 2021). */
export type RampKind = 'linear' | 'smoothed';

/** Settings of the per-step schedules; every field is recorded in checkpoints. */
export interface CertifiedSchedule {
  /** Target training radius (≥ 0). */
  readonly epsilon: number;
  /** Steps at ε = 0 before the ramp (pure clean training, and the warm-up regularisers' start). */
  readonly warmupSteps: number;
  /** Steps of the ramp from 0 to ε (0: jump straight to ε after the warm-up). */
  readonly rampSteps: number;
  readonly ramp: RampKind;
  /** Smoothed ramp: fraction of the ramp that is polynomial (default 0.25) and its power (default 4). */
  readonly mid?: number;
  readonly power?: number;
  /** Clean-loss weight at ε = 0 and at the end of the ramp (CROWN-IBP: 1 → 0 or 0.5). */
  readonly kappaStart: number;
  readonly kappaEnd: number;
}

/**
 * Checks a schedule and throws a RangeError naming the offending field.
 * @throws RangeError for a negative / non-finite ε, non-integer step counts, mid ∉ (0, 1),
 *   power < 1, or κ outside [0, 1].
 */
export function checkCertifiedSchedule(s: CertifiedSchedule): void {
  if (!Number.isFinite(s.epsilon) || s.epsilon < 0) throw new RangeError(`epsilon must be a finite number >= 0, got ${s.epsilon}`);
  for (const [name, v] of [['warmupSteps', s.warmupSteps], ['rampSteps', s.rampSteps]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be an integer >= 0, got ${v}`);
  }
  const mid = s.mid ?? 0.25;
  if (!(mid > 0 && mid < 1)) throw new RangeError(`mid must lie in (0, 1), got ${mid}`);
  if (!((s.power ?? 4) >= 1)) throw new RangeError(`power must be >= 1, got ${s.power}`);
  for (const [name, v] of [['kappaStart', s.kappaStart], ['kappaEnd', s.kappaEnd]] as const) {
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must lie in [0, 1], got ${v}`);
  }
}

/** ε at step t (see the module doc). */
export function epsilonAtStep(t: number, s: CertifiedSchedule): number {
  if (!Number.isInteger(t) || t < 0) throw new RangeError(`step must be an integer >= 0, got ${t}`);
  if (t < s.warmupSteps) return 0;
  const T = s.rampSteps;
  const k = t - s.warmupSteps;
  if (k >= T) return s.epsilon;
  return s.ramp === 'linear' ? (s.epsilon * k) / T : smoothed(k, T, s.epsilon, s.mid ?? 0.25, s.power ?? 4);
}

/**
 * Shi et al.'s ramp over k = 0 … T: ε·(polynomial part) up to the mid step M = ⌊mT⌋, then
 * linear. With a = ε / (M^{p−1}·((T − M)·p + M)), value a·k^p for k < M and
 * a·M^p + (ε − a·M^p)(k − M)/(T − M) after: both pieces and their slopes meet at M.
 */
function smoothed(k: number, T: number, epsilon: number, mid: number, power: number): number {
  const M = Math.floor(T * mid);
  if (M === 0) return (epsilon * k) / T;
  const a = epsilon / (M ** (power - 1) * ((T - M) * power + M));
  if (k < M) return a * k ** power;
  const midValue = a * M ** power;
  return Math.min(midValue + ((epsilon - midValue) * (k - M)) / (T - M), epsilon);
}

/** The fraction ε_t/ε of the target radius reached at step t (1 when ε = 0 and past the ramp). */
export function rampFraction(t: number, s: CertifiedSchedule): number {
  if (s.epsilon === 0) return t >= s.warmupSteps + s.rampSteps ? 1 : 0;
  return epsilonAtStep(t, s) / s.epsilon;
}

/** β_t = 1 − ε_t/ε: the CROWN-IBP weight (1 → 0 over the ramp). */
export function betaAtStep(t: number, s: CertifiedSchedule): number {
  return 1 - rampFraction(t, s);
}

/** κ_t = κ_start + (κ_end − κ_start)·ε_t/ε: the clean-loss weight. */
export function kappaAtStep(t: number, s: CertifiedSchedule): number {
  return s.kappaStart + (s.kappaEnd - s.kappaStart) * rampFraction(t, s);
}

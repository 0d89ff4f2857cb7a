/**
 * The ε and learning-rate schedules of the original trainer (`examples/mnist.py`,
 * `examples/cifar.py` with `problems.argparser`):
 *
 * ```python
 * eps_schedule = np.linspace(args.starting_epsilon, args.epsilon, args.schedule_length)
 * for t in range(args.epochs):
 *     lr_scheduler.step(epoch=max(t - len(eps_schedule), 0))   # StepLR(step_size=10, gamma=0.5)
 *     epsilon = eps_schedule[t] if t < len(eps_schedule) else args.epsilon
 * ```
 *
 * The schedule is per **epoch** (every batch of epoch `t` trains with the same ε); evaluation
 * always uses the target ε. `starting_epsilon` defaults to the target (argparser's fallback), and
 * `schedule_length > epochs` is rejected as the argparser does.
 * @module
 */

/** Options of the ε schedule (names follow the original's command-line flags). */
export interface EpsilonScheduleOptions {
  /** Target radius `args.epsilon`, used from epoch `scheduleLength` on and for evaluation. */
  readonly epsilon: number;
  /** First radius `args.starting_epsilon` (default: `epsilon`, i.e. no ramp). */
  readonly startingEpsilon?: number;
  /** Number of epochs of the linear ramp `args.schedule_length` (default 10). */
  readonly scheduleLength?: number;
  /** Total number of epochs `args.epochs`; must be `>= scheduleLength`. */
  readonly epochs: number;
}

/** Defaults of `problems.argparser` with the `mnist.py` overrides (Adam, starting ε 0.01). */
export const MNIST_TRAINING_DEFAULTS = Object.freeze({
  batchSize: 50,
  epochs: 20,
  lr: 1e-3,
  epsilon: 0.1,
  startingEpsilon: 0.01,
  scheduleLength: 10,
  lrStepSize: 10,
  lrGamma: 0.5,
  seed: 0,
});

/**
 * `numpy.linspace(start, stop, num)` with `endpoint=True`: `start + i·(stop − start)/(num − 1)`
 * for `i < num − 1`, and exactly `stop` last (numpy overwrites the last entry). `num = 1` gives
 * `[start]`, `num = 0` gives `[]`.
 * @throws RangeError if `num` is not an integer `>= 0`.
 */
export function linspace(start: number, stop: number, num: number): number[] {
  if (!Number.isInteger(num) || num < 0) throw new RangeError(`linspace: num must be an integer >= 0, got ${num}`);
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : start + i * step));
}

/**
 * Checks the schedule options and throws an error naming the offending one.
 * @throws RangeError for a negative / non-finite radius, a non-integer length or epoch count,
 *   or `scheduleLength > epochs`.
 */
export function checkEpsilonSchedule(options: EpsilonScheduleOptions): void {
  const { epsilon, startingEpsilon = epsilon, scheduleLength = 10, epochs } = options;
  for (const [name, v] of [['epsilon', epsilon], ['startingEpsilon', startingEpsilon]] as const) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${v}`);
  }
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`epochs must be an integer >= 0, got ${epochs}`);
  if (!Number.isInteger(scheduleLength) || scheduleLength < 0) throw new RangeError(`scheduleLength must be an integer >= 0, got ${scheduleLength}`);
  if (scheduleLength > epochs) {
    throw new RangeError(`scheduleLength (${scheduleLength}) is greater than the number of epochs (${epochs})`);
  }
}

/**
 * The training radius of every epoch `t = 0 … epochs − 1`: `linspace(start, ε, L)[t]` for
 * `t < L`, then `ε`.
 */
export function epsilonSchedule(options: EpsilonScheduleOptions): number[] {
  checkEpsilonSchedule(options);
  const { epsilon, startingEpsilon = epsilon, scheduleLength = 10, epochs } = options;
  const ramp = linspace(startingEpsilon, epsilon, scheduleLength);
  return Array.from({ length: epochs }, (_, t) => (t < ramp.length ? ramp[t]! : epsilon));
}

/** The training radius of epoch `t` (see {@link epsilonSchedule}); `t >= epochs` gives `ε`. */
export function epsilonAt(t: number, options: EpsilonScheduleOptions): number {
  if (!Number.isInteger(t) || t < 0) throw new RangeError(`epoch must be an integer >= 0, got ${t}`);
  const schedule = epsilonSchedule(options);
  return t < schedule.length ? schedule[t]! : options.epsilon;
}

/** Options of {@link learningRateAt}: PyTorch `StepLR(step_size, gamma)` after the ε ramp. */
export interface LearningRateOptions {
  /** Base learning rate `args.lr`. */
  readonly lr: number;
  /** Length of the ε ramp; the step decay counts epochs from its end. */
  readonly scheduleLength: number;
  /** StepLR `step_size` (default 10). */
  readonly stepSize?: number;
  /** StepLR `gamma` (default 0.5). */
  readonly gamma?: number;
}

/**
 * The learning rate of epoch `t`: `lr · γ^⌊max(t − L, 0) / stepSize⌋` (the original calls
 * `lr_scheduler.step(epoch=max(t − len(eps_schedule), 0))` before each epoch).
 */
export function learningRateAt(t: number, options: LearningRateOptions): number {
  const { lr, scheduleLength, stepSize = 10, gamma = 0.5 } = options;
  if (!Number.isInteger(t) || t < 0) throw new RangeError(`epoch must be an integer >= 0, got ${t}`);
  if (!Number.isInteger(stepSize) || stepSize <= 0) throw new RangeError(`stepSize must be a positive integer, got ${stepSize}`);
  return lr * gamma ** Math.floor(Math.max(t - scheduleLength, 0) / stepSize);
}

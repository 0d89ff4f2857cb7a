/**
 * The bridge from the trainer to `src/relax`: {@link robustObjective} wraps `robustLoss`
 * (robust cross-entropy of the dual bound, Wong & Kolter 2018 eq. 14) as a
 * {@link RobustObjective}, passing the input-set options straight through, and
 * {@link certificationOptions} keeps the part of them that an exact certificate uses.
 * @module
 */
import { DenseSequential, Sequential } from '../nn/index.js';
import { robustLoss, type DualizableNetwork, type DualNetworkOptions, type RobustLossOptions } from '../relax/index.js';
import type { ObjectiveContext, RobustObjective, TrainableModel } from './trainer.js';

/**
 * Options of the robust loss: fixed, or made per batch from its {@link ObjectiveContext} (for
 * a projected bound whose random matrices should be seeded by epoch and batch, so that a resumed
 * run draws the same ones).
 */
export type RobustLossSettings = RobustLossOptions | ((context: ObjectiveContext) => RobustLossOptions);

/** The model as a network the dual can be built for. @throws Error for any other model. */
export function asDualizable(model: TrainableModel): DualizableNetwork {
  if (model instanceof Sequential || model instanceof DenseSequential) return model;
  throw new Error('the robust loss needs a Sequential or DenseSequential model');
}

/**
 * `robustLoss(model, ε, X, y, options)` as the trainer's objective (mean reduction). The
 * options (norm, bounded input, box limits, and whatever else `robustLoss` accepts) are passed
 * through untouched.
 */
export function robustObjective(settings: RobustLossSettings = {}): RobustObjective {
  return (model, epsilon, X, y, context = { epoch: 0, batch: 0 }) => {
    const options = typeof settings === 'function' ? settings(context) : settings;
    const { loss, errors } = robustLoss(asDualizable(model), epsilon, X, y, { ...options, reduction: 'mean' });
    return { loss, errors };
  };
}

/**
 * The exact input set of a training setting: its norm, box and box limits only (the original
 * trains with `norm_train` and certifies with the exact `norm_test`), so a certificate never
 * rests on an estimated (projected) bound.
 */
export function certificationOptions(options: DualNetworkOptions = {}): DualNetworkOptions {
  const out: DualNetworkOptions = {};
  if (options.norm !== undefined) out.norm = options.norm;
  if (options.bounded !== undefined) out.bounded = options.bounded;
  if (options.inputLower !== undefined) out.inputLower = options.inputLower;
  if (options.inputUpper !== undefined) out.inputUpper = options.inputUpper;
  return out;
}

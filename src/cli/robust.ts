/**
 * The CLI's link to `src/relax`: the robust objective the trainer differentiates and the
 * certificate the evaluation commands report, with the ball chosen by the flags.
 * @module
 */
import { certify, robustLoss } from '../relax/index.js';
import { DenseSequential, Sequential } from '../nn/index.js';
import type { Tensor } from '../tensor/tensor.js';
import type { RobustObjective, TrainableModel } from '../train/trainer.js';

/** The perturbation set of the flags `--norm` / `--bounded`. */
export interface BallOptions {
  readonly norm: 'linf' | 'l2';
  readonly bounded: boolean;
}

/** `robustLoss` of src/relax as the trainer's objective (the net must be a Sequential / DenseSequential). */
export function robustObjective(ball: BallOptions): RobustObjective {
  return (model: TrainableModel, epsilon: number, X: Tensor, y: Int32Array) => {
    if (!(model instanceof Sequential || model instanceof DenseSequential)) throw new Error('the robust loss needs a Sequential or DenseSequential model');
    const { loss, errors } = robustLoss(model, epsilon, X, y, { norm: ball.norm, bounded: ball.bounded });
    return { loss, errors };
  };
}

/** Per-example certificates: `errors` 1 = not certified, `cleanErrors` 1 = misclassified. */
export function certifyBatch(net: Sequential | DenseSequential, epsilon: number | Tensor, X: Tensor, y: Int32Array, ball: BallOptions): { errors: Uint8Array; cleanErrors: Uint8Array } {
  const result = certify(net, epsilon, X, y, { norm: ball.norm, bounded: ball.bounded });
  return { errors: result.errors, cleanErrors: result.cleanErrors };
}

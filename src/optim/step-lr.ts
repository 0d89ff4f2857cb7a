/**
 * Step decay of the learning rate, PyTorch `StepLR`: after epoch e the rate is
 * lr₀ · γ^⌊e / stepSize⌋, lr₀ being the optimizer's rate when the scheduler was made.
 * @module
 */
import type { Optimizer } from './optimizer.js';

/** Multiplies the learning rate by `gamma` every `stepSize` epochs. */
export class StepLR {
  /** The rate at construction (lr₀). */
  readonly baseLr: number;
  /** Epochs stepped so far (or the last epoch passed to {@link StepLR.step}). */
  lastEpoch = 0;

  /**
   * @param optimizer - whose `lr` this sets.
   * @param stepSize - epochs between decays, a positive integer.
   * @param gamma - decay factor (PyTorch's default 0.1).
   */
  constructor(readonly optimizer: Optimizer, readonly stepSize: number, readonly gamma = 0.1) {
    if (!Number.isInteger(stepSize) || stepSize <= 0) throw new Error(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
    if (!(Number.isFinite(gamma) && gamma >= 0)) throw new Error(`StepLR: gamma must be a finite number >= 0, got ${gamma}`);
    this.baseLr = optimizer.lr;
  }

  /**
   * Advances one epoch, or jumps to `epoch` (as the original's `lr_scheduler.step(epoch=…)`),
   * and sets the optimizer's rate to lr₀ · γ^⌊epoch / stepSize⌋.
   */
  step(epoch?: number): void {
    if (epoch !== undefined && !(Number.isInteger(epoch) && epoch >= 0)) throw new Error(`StepLR.step: epoch must be an integer >= 0, got ${epoch}`);
    this.lastEpoch = epoch ?? this.lastEpoch + 1;
    this.optimizer.lr = this.baseLr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize);
  }

  /** The rate the last step set. */
  getLastLr(): number {
    return this.optimizer.lr;
  }
}

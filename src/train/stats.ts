/**
 * Small counting helpers shared by the training, evaluation and cascade code: clean loss and
 * error of a batch, and means / counts of 0-1 flags.
 * @module
 */
import { argmax, crossEntropy, noGrad } from '../autograd/index.js';
import type { Classifier } from '../attack/types.js';
import type { Tensor } from '../tensor/tensor.js';

/** Clean cross-entropy and error of a batch (argmax ≠ y, first index wins ties), without recording gradients. */
export function cleanStats(model: Classifier, X: Tensor, y: Int32Array): { loss: number; error: number } {
  return noGrad(() => {
    const logits = model.forward(X);
    const predicted = argmax(logits, 1);
    let wrong = 0;
    predicted.forEach((p, b) => { if (p !== y[b]) wrong++; });
    return { loss: crossEntropy(logits, y).item(), error: y.length ? wrong / y.length : 0 };
  });
}

/** Number of ones in a 0-1 flag array. */
export function countOnes(flags: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < flags.length; i++) s += flags[i]!;
  return s;
}

/** Mean of a 0-1 flag array (0 when empty). */
export function mean01(flags: ArrayLike<number>): number {
  return flags.length ? countOnes(flags) / flags.length : 0;
}

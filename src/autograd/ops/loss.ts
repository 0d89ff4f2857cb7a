/**
 * Softmax, log-softmax and cross-entropy (PyTorch `cross_entropy` with integer labels).
 * @module
 */
import { shapeText } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { exp, sub, neg } from './elementwise.js';
import { gather } from './index.js';
import { logsumexp, mean, sum } from './reduce.js';
import { reshape } from './shape.js';

/** `x - logsumexp(x)` along `axis`. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return sub(x, logsumexp(x, axis, true));
}

/** `exp(logSoftmax(x))`. */
export function softmax(x: Tensor, axis = -1): Tensor {
  return exp(logSoftmax(x, axis));
}

/** How per-example losses are combined. */
export type Reduction = 'mean' | 'sum' | 'none';

/**
 * Cross-entropy of logits [B, K] against integer labels (length B): `-log softmax(logits)[y]`.
 * @throws Error naming `labels` when a label is outside [0, K) or the lengths differ.
 */
export function crossEntropy(logits: Tensor, labels: ArrayLike<number>, reduction: Reduction = 'mean'): Tensor {
  if (logits.rank !== 2) throw new Error(`crossEntropy: logits must be [batch, classes], got ${shapeText(logits.shape)}`);
  const [B, K] = logits.shape as [number, number];
  if (labels.length !== B) throw new Error(`crossEntropy: labels has ${labels.length} entries for a batch of ${B}`);
  const index = new Int32Array(B);
  for (let i = 0; i < B; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= K) throw new Error(`crossEntropy: labels[${i}] = ${y} is not a class in [0, ${K})`);
    index[i] = y;
  }
  const picked = gather(logSoftmax(logits, 1), 1, { data: index, shape: [B, 1] });
  const perExample = neg(reshape(picked, [B]));
  if (reduction === 'none') return perExample;
  return reduction === 'sum' ? sum(perExample) : mean(perExample);
}

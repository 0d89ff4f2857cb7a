/**
 * Losses used with these modules. Cross-entropy is the autograd op (PyTorch `cross_entropy`:
 * mean over the batch of −log softmax(logits)[y]); the robust cross-entropy of Wong & Kolter
 * (eq. 14) applies it to the dual network's bounds in `src/relax`.
 * @module
 */
export { crossEntropy, logSoftmax, softmax, type Reduction } from '../autograd/index.js';

/**
 * Optimizers (Adam, SGD), the StepLR schedule and gradient-norm clipping, with PyTorch semantics.
 * @module
 */
export { Optimizer } from './optimizer.js';
export { Adam, type AdamOptions, type AdamState } from './adam.js';
export { SGD, type SgdOptions } from './sgd.js';
export { StepLR } from './step-lr.js';
export { clipGradNorm } from './clip-grad-norm.js';

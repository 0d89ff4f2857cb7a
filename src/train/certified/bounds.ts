/**
 * The bound computation certified training consumes: `computeBounds(net, X, perturbation,
 * { method, labels })` of `src/relax` (IBP with the last layer merged into c = e_y − e_j, or
 * CROWN-IBP with its free IBP by-product `ibpLower`), behind a function type so that tests and
 * benchmarks can substitute another implementation of the same interface.
 * @module
 */
import type { Module } from '../../nn/index.js';
import { computeBounds, type BoundResult, type Perturbation } from '../../relax/index.js';
import type { Tensor } from '../../tensor/tensor.js';

/** A bound computation with the shared signature, restricted to the training methods. */
export type BoundFunction = (net: Module, X: Tensor, perturbation: Perturbation, options: { method: 'ibp' | 'crown-ibp'; labels: ArrayLike<number> }) => BoundResult;

/** `computeBounds` of `src/relax`. */
export const engineBounds: BoundFunction = (net, X, perturbation, options) => computeBounds(net, X, perturbation, options);

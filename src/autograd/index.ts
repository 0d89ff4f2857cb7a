/**
 * The differentiable operations and the tape, in one namespace.
 * @module
 */
export { backward, enableGrad, isGradEnabled, noGrad, record, recordMulti } from './tape.js';
export * from './ops/interval.js';
export * from './ops/interval-rows.js';
export * from './ops/elementwise.js';
export * from './ops/shape.js';
export * from './ops/reduce.js';
export * from './ops/index.js';
export * from './ops/linalg.js';
export * from './ops/conv.js';
export * from './ops/pool.js';
export * from './ops/loss.js';

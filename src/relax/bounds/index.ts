/**
 * The bound-propagation engine: operators declare what they are (linear map with adjoint and
 * bias, element-wise function with a relaxation, pooling with its own relaxation, sum), the
 * registry in compile.ts maps every nn layer kind to them, and one module per algorithm consumes
 * the declarations: IBP (ibp.ts), backward linear bounds / CROWN (crown.ts), α-CROWN
 * (alpha-crown.ts); compute-bounds.ts is the entry point, CROWN-IBP included.
 * @module
 */
export { computeBounds, type BoundMethod, type BoundOptions, type BoundResult } from './compute-bounds.js';
export { compileNetwork, evaluate, type BoundableNetwork } from './compile.js';
export { intervalBounds, intervalSpecification, type Interval } from './ibp.js';
export { backSubstitute, crownBoxes, safeLines, unitBounds, type BackwardContext } from './crown.js';
export { alphaCrown, type AlphaOptions } from './alpha-crown.js';
export { hardTanhOp, leakyReluOp, reluOp } from './activations.js';
export type { AddOp, BoundGraph, BoundOp, ElementwiseOp, GraphNode, LinearOp, Lines, LowerSlope, PoolOp } from './operators.js';

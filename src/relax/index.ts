/**
 * The dual network of the convex outer adversarial polytope (Wong & Kolter 2018): input sets,
 * dual operators, the network, and the robust loss / certificates built on it.
 * @module
 */
export type { Bounds, DualLayer, DualObject, RowExamples } from './dual.js';
export { inertTerm, leadingAxes } from './dual.js';
export { dualOf, type DualContext } from './dual-of.js';
export { DualNetwork, inputSet, type DualNetworkOptions, type DualizableNetwork } from './network.js';
export { certify, robustLogits, robustLoss, uncertified, type CertifyResult, type RobustLossOptions, type RobustLossResult } from './robust-loss.js';
export { Radius, type EpsilonInput } from './inputs/epsilon.js';
export { NormBall } from './inputs/norm-ball.js';
export { LinfBall } from './inputs/linf-ball.js';
export { L2Ball } from './inputs/l2-ball.js';
export { LinfBox, type BoxLimit } from './inputs/linf-box.js';
export { BiasTerm } from './layers/bias.js';
export { DualLinear } from './layers/linear.js';
export { DualConv2d, type ConvGeometry } from './layers/conv2d.js';
export { DualReshape } from './layers/reshape.js';
export { DualIdentity } from './layers/identity.js';
export { DualDense, type DenseMember } from './layers/dense.js';
export { DualReLU, ReluDualBase, dualRelu, relaxRelu, type ReluRelaxation } from './layers/relu.js';
export { dualNorm, l1Norm, l2Norm, type DualNorm } from './norms.js';
export { DualBatchNorm2d } from './layers/batchnorm2d.js';
export { DualLeakyReLU, dualLeakyRelu, relaxLeakyRelu, type LeakyReluRelaxation } from './layers/leaky-relu.js';
export { DualReLUProjection, projectedRelu, type ReluProjectionOptions } from './layers/relu-projection.js';
export { ProjectedNormBall, toRng, type ProjectionOptions, type RandomSource } from './inputs/projected-ball.js';
export { LinfBallProjection } from './inputs/linf-ball-projection.js';
export { LinfBoxProjection } from './inputs/linf-box-projection.js';
export { L2BallProjection } from './inputs/l2-ball-projection.js';
export { InputSupportTerm, type SupportSet } from './inputs/support-term.js';
export { ChunkedDualNetwork, chunkedCertify, chunkedRobustLogits, type ChunkedOptions } from './chunked.js';
export { affineOutputSizes, epsilonFromModel, projectionEpsilon, projectionLowerTail, projectionUpperTail, type ModelEpsilonOptions } from './epsilon.js';
export { channelStatistics, primalActivations } from './primal.js';
export { backwardBounds, planRows, supportsRows, WINDOW_FRACTION, type CutNetwork, type PlacedTerm } from './rows/backward-bounds.js';
export { chooseDirection, type BoundDirection } from './rows/bound-cost.js';
export { DenseRows, IdentityRows, RowBlock, WindowRows } from './rows/row-block.js';
export { WindowGrid } from './rows/window-grid.js';
export { computeBounds, type BoundMethod, type BoundOptions, type BoundResult, type AlphaOptions } from './bounds/index.js';
export { checkPerturbation, perturbationFromJson, perturbationToJson, type Perturbation, type PerturbationJson } from './perturbation.js';
export * as bounds from './bounds/index.js';
export * as testing from './testing/index.js';

/**
 * Neural-network modules with PyTorch names and semantics: layers, containers, the original's
 * model zoo, JSON descriptions and state dicts.
 * @module
 */
export { Module } from './module.js';
export { assertNever, type Layer, type LayerKind } from './layer.js';
export { Linear, type InitOptions } from './linear.js';
export { Conv2d, type Conv2dLayerOptions, type Size2 } from './conv2d.js';
export { ReLU } from './relu.js';
export { LeakyReLU } from './leaky-relu.js';
export { Flatten } from './flatten.js';
export { MaxPool2d, AvgPool2d, type PoolOptions } from './pool.js';
export { HardTanh } from './hardtanh.js';
export { HardSigmoid, HARDSIGMOID_KNEE } from './hardsigmoid.js';
export { Residual, expandResiduals } from './residual.js';
export { Identity } from './identity.js';
export { BatchNorm2d, type BatchNormOptions } from './batchnorm2d.js';
export { Sequential } from './sequential.js';
export { Dense } from './dense.js';
export { DenseSequential } from './dense-sequential.js';
export { defaultInit, defaultInitBound, heNormalFanOut } from './init.js';
export { stateDictFromJson, type LoadStateDictOptions, type StateDict, type StateDictEntry } from './state-dict.js';
export { describeLayer, describeModel, modelFromDescription, type LayerDescription, type ModelDescription } from './describe.js';
export * as zoo from './zoo.js';
export * from './loss.js';

/**
 * The closed set of layer kinds. Every module has a `kind` discriminant, so code that walks a
 * network (the dual network of `src/relax`, the description writer) can `switch (layer.kind)`
 * and end with `default: return assertNever(layer)`: adding a layer then fails to compile until
 * every such switch handles it.
 * @module
 */
import type { BatchNorm2d } from './batchnorm2d.js';
import type { Conv2d } from './conv2d.js';
import type { Dense } from './dense.js';
import type { DenseSequential } from './dense-sequential.js';
import type { Flatten } from './flatten.js';
import type { Identity } from './identity.js';
import type { LeakyReLU } from './leaky-relu.js';
import type { HardTanh } from './hardtanh.js';
import type { HardSigmoid } from './hardsigmoid.js';
import type { Linear } from './linear.js';
import type { AvgPool2d, MaxPool2d } from './pool.js';
import type { ReLU } from './relu.js';
import type { Residual } from './residual.js';
import type { Sequential } from './sequential.js';

/** The `kind` of each layer class. */
export type LayerKind =
  | 'linear' | 'conv2d' | 'relu' | 'leakyRelu' | 'flatten' | 'batchnorm2d'
  | 'sequential' | 'dense' | 'identity' | 'denseSequential'
  | 'maxPool2d' | 'avgPool2d' | 'hardTanh' | 'hardSigmoid' | 'residual';

/** Any layer; narrow it with `switch (layer.kind)`. */
export type Layer =
  | Linear | Conv2d | ReLU | LeakyReLU | Flatten | BatchNorm2d | Sequential | Dense | Identity | DenseSequential
  | MaxPool2d | AvgPool2d | HardTanh | HardSigmoid | Residual;

/**
 * The `default` branch of an exhaustive switch: it only type-checks when `value` has been
 * narrowed to `never`, and throws if reached at run time anyway (e.g. from untyped input).
 */
export function assertNever(value: never, what = 'value'): never {
  const kind = (value as { kind?: unknown } | null)?.kind;
  throw new Error(`unexpected ${what}: ${kind === undefined ? String(value) : `kind '${String(kind)}'`}`);
}

/**
 * The factory from an `src/nn` layer to its dual operator. The `switch` over `layer.kind` ends in
 * `assertNever`, so adding a layer kind fails to compile until it has a dual here.
 * @module
 */
import type { Conv2d } from '../nn/conv2d.js';
import { assertNever, type Layer } from '../nn/layer.js';
import type { AvgPool2d } from '../nn/pool.js';
import type { DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { Bounds, DualLayer } from './dual.js';
import type { DualNetworkOptions } from './network.js';
import { DualConv2d } from './layers/conv2d.js';
import { DualDense, type DenseMember } from './layers/dense.js';
import { DualIdentity } from './layers/identity.js';
import { DualLinear } from './layers/linear.js';
import { DualReshape } from './layers/reshape.js';
import { dualRelu } from './layers/relu.js';
import { DualBatchNorm2d } from './layers/batchnorm2d.js';
import { dualLeakyRelu } from './layers/leaky-relu.js';
import { relaxHardTanhSameSlope } from './layers/hardtanh.js';
import { relaxHardSigmoidSameSlope } from './layers/hardsigmoid.js';
import { DualParallelLines } from './layers/parallel-lines.js';
import { projectedRelu } from './layers/relu-projection.js';

/** What a layer's dual may need from the network built so far. */
export interface DualContext {
  /** Per-example shapes of the activations z_0 … z_{i−1} before this layer (last = its input). */
  readonly shapes: readonly Shape[];
  /** The bounds `[ℓ, u]` on the layer's input z_{i−1}, `[B, ...S]`, summed over every object so far. */
  preActivationBounds(): Bounds;
  /** The network's options (where a projected ReLU dual would read its projection size). */
  readonly options: DualNetworkOptions;
  /** The layer's input z_{i−1} on the clean batch X, `[B, ...S]` (computed once, on demand; BatchNorm2d in training mode). */
  primalInput(): Tensor;
  /** The precision of X (for operators with constant weights, such as AvgPool2d). */
  readonly dtype: DType;
}

/**
 * The dual of `layer` placed after the activations described by `context`.
 * @throws Error naming the layer for kinds without a dual (nested containers) and for shapes
 *   that do not fit.
 */
export function dualOf(layer: Layer, context: DualContext): DualLayer {
  const inShape = context.shapes[context.shapes.length - 1]!;
  switch (layer.kind) {
    case 'linear':
      return checkInput(new DualLinear(layer.weight, layer.bias), inShape, 'Linear');
    case 'conv2d':
      return convDual(layer, inShape);
    case 'relu': {
      const [lower, upper] = context.preActivationBounds();
      return context.options.projection ? projectedRelu(lower, upper, context.options.projection) : dualRelu(lower, upper);
    }
    case 'leakyRelu': {
      const [lower, upper] = context.preActivationBounds();
      return dualLeakyRelu(lower, upper, layer.negativeSlope);
    }
    case 'flatten':
      return new DualReshape(inShape, [inShape.reduce((a, b) => a * b, 1)]);
    case 'identity':
      return new DualIdentity(inShape);
    case 'dense':
      return new DualDense(denseMembers(layer.ws, context.shapes), inShape);
    case 'batchnorm2d':
      return DualBatchNorm2d.fromLayer(layer, inShape, layer.training ? context.primalInput() : undefined);
    case 'avgPool2d':
      return avgPoolDual(layer, inShape, context.dtype);
    case 'hardTanh': {
      const [lower, upper] = context.preActivationBounds();
      return new DualParallelLines(relaxHardTanhSameSlope(lower, upper, layer.minVal, layer.maxVal), 'DualHardTanh');
    }
    case 'hardSigmoid': {
      const [lower, upper] = context.preActivationBounds();
      return new DualParallelLines(relaxHardSigmoidSameSlope(lower, upper), 'DualHardSigmoid');
    }
    case 'maxPool2d':
      throw new Error(`dualOf: the Wong–Kolter dual has no ${layer.kind} operator; bound this network with method 'ibp', 'crown', 'crown-ibp' or 'alpha-crown'`);
    case 'residual':
      throw new Error('dualOf: a Residual block must be expanded first (expandResiduals in src/nn/residual.ts; DualNetwork does it)');
    case 'sequential':
    case 'denseSequential':
      throw new Error(`dualOf: a nested ${layer.kind} is not supported as a layer; flatten it into the outer network`);
    default:
      return assertNever(layer, 'layer');
  }
}

/** The duals of a Dense layer's non-null entries: entry j of k reads the output k − j steps back. */
function denseMembers(ws: readonly (Layer | null)[], shapes: readonly Shape[]): DenseMember[] {
  const members: DenseMember[] = [];
  ws.forEach((w, j) => {
    if (!w) return;
    const offset = ws.length - j;
    const shape = shapes[shapes.length - offset];
    if (!shape) throw new Error(`dualOf: Dense entry ${j} reads the output ${offset} layers back, but only ${shapes.length} exist`);
    members.push({ offset, dual: memberDual(w, shape) });
  });
  return members;
}

/** The dual of one Dense entry (Linear, Conv2d or Identity) for an input of `shape`. */
function memberDual(w: Layer, shape: Shape): DualLayer {
  switch (w.kind) {
    case 'linear':
      return checkInput(new DualLinear(w.weight, w.bias), shape, 'Dense entry Linear');
    case 'conv2d':
      return convDual(w, shape);
    case 'identity':
      return new DualIdentity(shape);
    default:
      throw new Error(`dualOf: a Dense entry must be Linear, Conv2d or Identity, got ${w.kind}`);
  }
}

function convDual(layer: Conv2d, inShape: Shape): DualConv2d {
  return new DualConv2d(layer.weight, layer.bias, { stride: layer.stride, padding: layer.padding }, inShape);
}

/**
 * AvgPool2d (count_include_pad) as the convolution it is: weight `[C, C, k, k]` with
 * 1/k² on the channel diagonal and 0 elsewhere, no bias (inert in the dual).
 */
function avgPoolDual(layer: AvgPool2d, inShape: Shape, dtype: DType): DualConv2d {
  if (inShape.length !== 3) throw new Error(`dualOf: AvgPool2d needs an input [C, H, W], got [${inShape.join(', ')}]`);
  const C = inShape[0]!;
  const k = layer.kernel;
  const weight = Tensor.zeros([C, C, k, k], dtype);
  for (let c = 0; c < C; c++) weight.data.fill(1 / (k * k), (c * C + c) * k * k, (c * C + c + 1) * k * k);
  const pair = (v: number): readonly [number, number] => [v, v];
  return new DualConv2d(weight, null, { stride: pair(layer.stride), padding: pair(layer.padding) }, inShape);
}

/** Throws naming `what` unless the dual's input shape is the activation shape it is given. */
function checkInput<D extends DualLayer>(dual: D, inShape: Shape, what: string): D {
  if (dual.inShape.join() !== inShape.join()) {
    throw new Error(`dualOf: ${what} expects input [${dual.inShape.join(', ')}] but the activation before it is [${inShape.join(', ')}]`);
  }
  return dual;
}

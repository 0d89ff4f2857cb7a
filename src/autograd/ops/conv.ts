/**
 * Convolutions: `conv2d` (PyTorch cross-correlation, weight [O, C, kh, kw]) and
 * `convTranspose2d` (its adjoint, weight [O, C, kh, kw] read as PyTorch's [in, out, kh, kw]),
 * each with optional bias, stride and symmetric zero padding. The input gradient of one is the
 * other; the weight gradient is `conv2dWeightGrad`.
 * @module
 */
import type { Conv2dSpec } from '../../tensor/backend.js';
import { getBackend } from '../../tensor/registry.js';
import { shapeText, shapesEqual } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { add } from './elementwise.js';
import { reshape } from './shape.js';

/** Stride and padding, each a number or [height, width]. */
export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
}

/** Options of {@link convTranspose2d}: `outputPadding` adds rows/columns at the bottom/right. */
export interface ConvTranspose2dOptions extends Conv2dOptions {
  outputPadding?: number | readonly [number, number];
}

/**
 * Resolves a number-or-[height, width] option; `what` names it in the error.
 * @throws Error unless both entries are integers >= `min`.
 */
function pair(v: number | readonly [number, number] | undefined, fallback: number, what: string, min: number): [number, number] {
  const p: [number, number] = v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((d) => Number.isInteger(d) && d >= min)) throw new Error(`${what} must be integers >= ${min}, got ${p.join(',')}`);
  return p;
}

/** The spec of the forward convolution x [N,C,H,W] ⊛ w [O,C,kh,kw]. */
export function convSpec(xShape: readonly number[], wShape: readonly number[], options: Conv2dOptions): Conv2dSpec {
  if (xShape.length !== 4) throw new Error(`conv2d: input must be [N, C, H, W], got ${shapeText(xShape)}`);
  if (wShape.length !== 4 || wShape[1] !== xShape[1]) {
    throw new Error(`conv2d: weight ${shapeText(wShape)} must be [O, ${xShape[1]}, kh, kw] for input ${shapeText(xShape)}`);
  }
  const stride = pair(options.stride, 1, 'conv2d: stride', 1);
  const padding = pair(options.padding, 0, 'conv2d: padding', 0);
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [O, , KH, KW] = wShape as [number, number, number, number];
  const outHeight = Math.floor((H + 2 * padding[0] - KH) / stride[0]) + 1;
  const outWidth = Math.floor((W + 2 * padding[1] - KW) / stride[1]) + 1;
  if (outHeight <= 0 || outWidth <= 0) throw new Error(`conv2d: kernel ${KH}x${KW} does not fit input ${H}x${W} with padding ${padding}`);
  return { batch: N, inChannels: C, outChannels: O, inHeight: H, inWidth: W, kernelHeight: KH, kernelWidth: KW, stride, padding, outHeight, outWidth };
}

function addChannelBias(op: string, y: Tensor, bias: Tensor | null | undefined): Tensor {
  if (!bias) return y;
  const channels = y.shape[1]!;
  if (bias.rank !== 1 || bias.size !== channels) throw new Error(`${op}: bias ${shapeText(bias.shape)} must be [${channels}]`);
  return add(y, reshape(bias, [channels, 1, 1]));
}

function conv2dRaw(x: Tensor, weight: Tensor, spec: Conv2dSpec): Tensor {
  const out = new Tensor(getBackend().conv2d(x.data, weight.data, spec), [spec.batch, spec.outChannels, spec.outHeight, spec.outWidth]);
  return record(out, 'conv2d', [x, weight], (g) => [
    x.requiresGrad ? conv2dTransposeRaw(g, weight, spec) : null,
    weight.requiresGrad ? new Tensor(getBackend().conv2dWeightGrad(x.data, g.data, spec), weight.shape) : null,
  ]);
}

function conv2dTransposeRaw(y: Tensor, weight: Tensor, spec: Conv2dSpec): Tensor {
  const out = new Tensor(getBackend().conv2dTranspose(y.data, weight.data, spec), [spec.batch, spec.inChannels, spec.inHeight, spec.inWidth]);
  return record(out, 'convTranspose2d', [y, weight], (g) => [
    y.requiresGrad ? conv2dRaw(g, weight, spec) : null,
    weight.requiresGrad ? new Tensor(getBackend().conv2dWeightGrad(g.data, y.data, spec), weight.shape) : null,
  ]);
}

/** PyTorch `conv2d`: x [N,C,H,W], weight [O,C,kh,kw], bias [O] → [N,O,Ho,Wo]. */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  return addChannelBias('conv2d', conv2dRaw(x, weight, convSpec(x.shape, weight.shape, options)), bias);
}

/**
 * PyTorch `conv_transpose2d`: x [N,O,Ho,Wo], weight [O,C,kh,kw], bias [C] → [N,C,H,W] with
 * H = (Ho−1)·s − 2p + kh + outputPadding. It is the adjoint of `conv2d` with the same weight.
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvTranspose2dOptions = {}): Tensor {
  if (x.rank !== 4 || weight.rank !== 4 || x.shape[1] !== weight.shape[0]) {
    throw new Error(`convTranspose2d: input ${shapeText(x.shape)} and weight ${shapeText(weight.shape)} must be [N, O, H, W] and [O, C, kh, kw]`);
  }
  const [sh, sw] = pair(options.stride, 1, 'convTranspose2d: stride', 1);
  const [ph, pw] = pair(options.padding, 0, 'convTranspose2d: padding', 0);
  const [oh, ow] = pair(options.outputPadding, 0, 'convTranspose2d: outputPadding', 0);
  if (oh >= sh || ow >= sw) {
    throw new Error(`convTranspose2d: outputPadding ${oh},${ow} must be smaller than stride ${sh},${sw}`);
  }
  const [N, , HO, WO] = x.shape as [number, number, number, number];
  const [O, C, KH, KW] = weight.shape as [number, number, number, number];
  const H = (HO - 1) * sh - 2 * ph + KH + oh;
  const W = (WO - 1) * sw - 2 * pw + KW + ow;
  if (H <= 0 || W <= 0) throw new Error(`convTranspose2d: padding ${ph},${pw} leaves an empty ${H}x${W} output for input ${shapeText(x.shape)}`);
  const spec: Conv2dSpec = {
    batch: N, inChannels: C, outChannels: O, inHeight: H, inWidth: W, kernelHeight: KH, kernelWidth: KW,
    stride: [sh, sw], padding: [ph, pw], outHeight: HO, outWidth: WO,
  };
  return addChannelBias('convTranspose2d', conv2dTransposeRaw(x, weight, spec), bias);
}

/** The adjoint of `conv2d` for an input shape known in advance (handles any output padding). */
export function conv2dAdjoint(y: Tensor, weight: Tensor, inputShape: readonly number[], options: Conv2dOptions = {}): Tensor {
  const spec = convSpec([y.shape[0]!, ...inputShape.slice(1)], weight.shape, options);
  const expected = [spec.batch, spec.outChannels, spec.outHeight, spec.outWidth];
  if (!shapesEqual(y.shape, expected)) {
    throw new Error(`conv2dAdjoint: y ${shapeText(y.shape)} must be ${shapeText(expected)} (the conv2d output for input ${shapeText(inputShape)})`);
  }
  return conv2dTransposeRaw(y, weight, spec);
}

/**
 * Images of one-hot vectors through the linear part of a layer, read off its weight instead of
 * computed by mapping mostly-zero tensors. Backwards, Wᵀ e_m is row m of W (Linear) or the kernel
 * W[o] placed on the window of output unit m = (o, y, x) (Conv2d): {@link kernelRows}. Forwards,
 * W e_i is column i of W, or the kernel slice W[:, c] placed at every output whose window covers
 * input unit i = (c, y, x): {@link oneHotImages}. The backward rows start this way, and so do the
 * forward columns that start as one-hots (the input set's identity columns, a ReLU's d_j e_j).
 * @module
 */
import { mul, permute, reshape, transpose } from '../../autograd/index.js';
import type { DType } from '../../tensor/dtype.js';
import { sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Convolution, DualLayer } from '../dual.js';
import { WindowRows } from './row-block.js';
import { WindowGrid, type ConvWindowGeometry } from './window-grid.js';

/** A layer that declares the `convolution` capability. */
export type ConvolutionLayer = DualLayer & { readonly convolution: Convolution };

/** Stride, padding and kernel size of a convolution. */
export function convGeometry(conv: Convolution): ConvWindowGeometry {
  const [, , kh, kw] = conv.weight.shape as [number, number, number, number];
  return { stride: conv.stride, padding: conv.padding, kernel: [kh, kw] };
}

/**
 * The rows Wᵀ e_m of every output unit m of a convolution, on their windows of its input:
 * `[1, P, O, C·kh·kw]` = W[o] masked where the window leaves the image (`grid` defaults to the
 * output positions taken through the convolution).
 */
export function kernelRows(conv: ConvolutionLayer, dtype: DType, grid?: WindowGrid): WindowRows {
  const { weight } = conv.convolution;
  const windows = grid ?? WindowGrid.positionsOf(conv.outShape).throughConv(convGeometry(conv.convolution), conv.inShape);
  const [O] = weight.shape as [number];
  const values = mul(reshape(weight, [1, 1, O, windows.features]), windows.mask(dtype));
  return new WindowRows(values, windows, conv.outShape);
}

/**
 * `[N_in, N_out]`: row i is the image W e_i of input unit i (differentiable in the weight), or null
 * when the layer is neither a Linear nor a Conv2d (then map the one-hots through it).
 */
export function oneHotImages(layer: DualLayer, dtype: DType): Tensor | null {
  if (layer.matrix) return transpose(layer.matrix);
  if (!layer.convolution) return null;
  const jacobian = kernelRows(layer as ConvolutionLayer, dtype).toDense().columns;
  return permute(reshape(jacobian, [sizeOf(layer.outShape), sizeOf(layer.inShape)]), [1, 0]);
}

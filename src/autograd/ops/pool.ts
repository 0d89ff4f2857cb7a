/**
 * 2-D pooling over the spatial axes of x [B, C, H, W], PyTorch semantics (square or [h, w]
 * windows, stride, symmetric padding, `ceil_mode = False`):
 *
 *   Ho = ⌊(H + 2p − k)/s⌋ + 1,   y[b, c, i, j] = pool over x[b, c, i·s − p + a, j·s − p + d], 0 ≤ a, d < k.
 *
 * - `avgPool2d` divides every window sum by k_h·k_w, padded zeros included (`count_include_pad =
 *   True`, PyTorch's default): it is the convolution of each channel alone with a constant
 *   1/(k_h·k_w) kernel, so it runs on the backends' conv2d kernel and gets its gradient from it.
 * - `maxPool2d` takes the largest value of each window; padding counts as −∞ (never chosen). It
 *   gathers the windows with `indexSelect` and reduces them with `max`, so its gradient goes to
 *   the first maximal element of each window in row-major order (as PyTorch on CPU).
 * @module
 */
import { shapeText } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { conv2d } from './conv.js';
import { indexSelect } from './index.js';
import { max } from './reduce.js';
import { cat, reshape } from './shape.js';

/** Window, stride (default: the window) and padding (default 0), each a number or [height, width]. */
export interface Pool2dOptions {
  kernel: number | readonly [number, number];
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
}

/** The resolved geometry of a pooling over an input [B, C, H, W]. */
export interface Pool2dGeometry {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  /** [Ho, Wo]. */
  readonly out: readonly [number, number];
}

function pairOf(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/**
 * Checks and resolves the options for an input of shape `xShape` ([B, C, H, W] or [C, H, W]).
 * @throws Error naming `op` and the argument unless kernel, stride ≥ 1, 0 ≤ padding ≤ kernel/2
 *   (PyTorch's rule) and the window fits the padded input.
 */
export function poolGeometry(op: string, xShape: readonly number[], options: Pool2dOptions): Pool2dGeometry {
  if (xShape.length !== 4 && xShape.length !== 3) throw new Error(`${op}: input must be [B, C, H, W], got ${shapeText(xShape)}`);
  const kernel = pairOf(options.kernel);
  const stride = pairOf(options.stride ?? options.kernel);
  const padding = pairOf(options.padding ?? 0);
  const ints = (p: number[], min: number): boolean => p.every((d) => Number.isInteger(d) && d >= min);
  if (!ints(kernel, 1)) throw new Error(`${op}: kernel must be integers >= 1, got ${kernel.join(',')}`);
  if (!ints(stride, 1)) throw new Error(`${op}: stride must be integers >= 1, got ${stride.join(',')}`);
  if (!ints(padding, 0) || padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2) {
    throw new Error(`${op}: padding must be integers in [0, kernel/2], got ${padding.join(',')} for kernel ${kernel.join(',')}`);
  }
  const [H, W] = xShape.slice(-2) as [number, number];
  const out: [number, number] = [
    Math.floor((H + 2 * padding[0] - kernel[0]) / stride[0]) + 1,
    Math.floor((W + 2 * padding[1] - kernel[1]) / stride[1]) + 1,
  ];
  if (out[0] <= 0 || out[1] <= 0) throw new Error(`${op}: kernel ${kernel.join('x')} does not fit input ${H}x${W} with padding ${padding.join(',')}`);
  return { kernel, stride, padding, out };
}

/** PyTorch `avg_pool2d` (count_include_pad = True): x [B, C, H, W] → [B, C, Ho, Wo]. */
export function avgPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const g = poolGeometry('avgPool2d', x.shape, options);
  const [B, C, H, W] = x.shape as [number, number, number, number];
  const [kh, kw] = g.kernel;
  const weight = Tensor.full([1, 1, kh, kw], 1 / (kh * kw), x.dtype);
  const y = conv2d(reshape(x, [B * C, 1, H, W]), weight, null, { stride: g.stride, padding: g.padding });
  return reshape(y, [B, C, g.out[0], g.out[1]]);
}

/** PyTorch `max_pool2d` (padding = −∞): x [B, C, H, W] → [B, C, Ho, Wo]. */
export function maxPool2d(x: Tensor, options: Pool2dOptions): Tensor {
  const g = poolGeometry('maxPool2d', x.shape, options);
  const [B, C, H, W] = x.shape as [number, number, number, number];
  const [kh, kw] = g.kernel;
  const rows = reshape(x, [B * C, H * W]);
  const padded = g.padding[0] + g.padding[1] > 0 ? cat([rows, Tensor.full([B * C, 1], -Infinity, x.dtype)], 1) : rows;
  const windows = indexSelect(padded, 1, windowIndex(H, W, g));
  const y = max(reshape(windows, [B * C, g.out[0] * g.out[1], kh * kw]), 2);
  return reshape(y, [B, C, g.out[0], g.out[1]]);
}

/**
 * For each output position (row-major) and each window offset (row-major), the flat input
 * position i·W + j it reads, or H·W (the −∞ column) where the window lies in the padding.
 */
export function windowIndex(H: number, W: number, g: Pool2dGeometry): Int32Array {
  const [kh, kw] = g.kernel;
  const [Ho, Wo] = g.out;
  const index = new Int32Array(Ho * Wo * kh * kw);
  let n = 0;
  for (let i = 0; i < Ho; i++) for (let j = 0; j < Wo; j++) {
    for (let a = 0; a < kh; a++) for (let d = 0; d < kw; d++) {
      const r = i * g.stride[0] - g.padding[0] + a;
      const c = j * g.stride[1] - g.padding[1] + d;
      index[n++] = r >= 0 && r < H && c >= 0 && c < W ? r * W + c : H * W;
    }
  }
  return index;
}

/**
 * Windows of an image activation `[C, H, W]`: one `h × w` window (all C channels) per position of
 * a later convolutional activation. The backward image of a one-hot row e_m through a chain of
 * convolutions and element-wise layers is zero outside the receptive field of unit m, so a row can
 * be kept as its window only (`F = C·h·w` numbers instead of `C·H·W`). Each convolution `z_t =
 * W ⊛ z_{t−1}` (stride s, padding p, kernel k) maps a window of origin o and size h at z_t to the
 * window of origin `s·o − p` and size `(h − 1)·s + k` at z_{t−1}. Window entries outside the
 * image (they stand for zero padding) are masked to 0.
 * @module
 */
import { cat, gather, reshape } from '../../autograd/index.js';
import type { DType } from '../../tensor/dtype.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';

/** Stride, padding and kernel size of a convolution, `[height, width]` each. */
export interface ConvWindowGeometry {
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly kernel: readonly [number, number];
}

/** P windows of size `height × width` (all channels) on an activation of shape `[C, H, W]`. */
export class WindowGrid {
  private indexCache: Int32Array | null = null;
  private readonly masks = new Map<DType, Tensor>();
  private readonly batchIndex = new Map<number, Int32Array>();

  /**
   * @param shape - the activation `[C, H, W]` the windows lie on.
   * @param originY - top row of each window (may be negative: padding), one per position.
   * @param originX - left column of each window.
   */
  constructor(readonly shape: readonly [number, number, number], readonly originY: Int32Array, readonly originX: Int32Array,
    readonly height: number, readonly width: number) {}

  /** The positions of an activation `[C, H, W]` as windows of size 1 (the rows of its units, by (y, x)). */
  static positionsOf(shape: Shape): WindowGrid {
    const [C, H, W] = shape as [number, number, number];
    const originY = Int32Array.from({ length: H * W }, (_, p) => Math.floor(p / W));
    const originX = Int32Array.from({ length: H * W }, (_, p) => p % W);
    return new WindowGrid([C, H, W], originY, originX, 1, 1);
  }

  /** Number of windows P. */
  get positions(): number {
    return this.originY.length;
  }

  /** Numbers per window F = C·h·w. */
  get features(): number {
    return this.shape[0] * this.height * this.width;
  }

  /** Size of the whole activation C·H·W. */
  get imageSize(): number {
    return sizeOf(this.shape);
  }

  /** The windows at the input `inShape` of a convolution whose output these windows lie on. */
  throughConv(geometry: ConvWindowGeometry, inShape: Shape): WindowGrid {
    const [sh, sw] = geometry.stride;
    const [ph, pw] = geometry.padding;
    const [kh, kw] = geometry.kernel;
    return new WindowGrid(inShape as [number, number, number], this.originY.map((o) => o * sh - ph), this.originX.map((o) => o * sw - pw),
      (this.height - 1) * sh + kh, (this.width - 1) * sw + kw);
  }

  /** For each position p and window entry f (channel, row, column): the flat image index, or C·H·W outside the image. */
  get index(): Int32Array {
    if (this.indexCache) return this.indexCache;
    const [C, H, W] = this.shape;
    const { height: h, width: w } = this;
    const index = new Int32Array(this.positions * this.features).fill(C * H * W);
    for (let p = 0; p < this.positions; p++) {
      for (let c = 0; c < C; c++) {
        for (let i = 0; i < h; i++) {
          const y = this.originY[p]! + i;
          if (y < 0 || y >= H) continue;
          for (let j = 0; j < w; j++) {
            const x = this.originX[p]! + j;
            if (x >= 0 && x < W) index[((p * C + c) * h + i) * w + j] = (c * H + y) * W + x;
          }
        }
      }
    }
    return (this.indexCache = index);
  }

  /** 1 inside the image, 0 on padding: `[1, P, 1, F]`. */
  mask(dtype: DType): Tensor {
    const cached = this.masks.get(dtype);
    if (cached) return cached;
    const outside = this.imageSize;
    const mask = Tensor.zeros([1, this.positions, 1, this.features], dtype);
    this.index.forEach((v, i) => { mask.data[i] = v === outside ? 0 : 1; });
    this.masks.set(dtype, mask);
    return mask;
  }

  /** The windows of images `[B, C, H, W]` (or `[B, C·H·W]`): `[B, P, F]`, 0 outside the image (differentiable). */
  gather(image: Tensor): Tensor {
    const B = image.shape[0]!;
    const flat = reshape(image, [B, this.imageSize]);
    const padded = cat([flat, Tensor.zeros([B, 1], image.dtype)], 1);
    const windows = gather(padded, 1, { data: this.indexFor(B), shape: [B, this.positions * this.features] });
    return reshape(windows, [B, this.positions, this.features]);
  }

  /** {@link index} repeated for B images (an element-wise gather wants one index per output). */
  private indexFor(B: number): Int32Array {
    const cached = this.batchIndex.get(B);
    if (cached) return cached;
    const one = this.index;
    const index = new Int32Array(B * one.length);
    for (let b = 0; b < B; b++) index.set(one, b * one.length);
    this.batchIndex.set(B, index);
    return index;
  }
}

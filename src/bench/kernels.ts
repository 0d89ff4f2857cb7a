/**
 * Kernel rows of the benchmark, on the shapes of `kernels_openblas_2threads` in the PyTorch
 * reference: a 1024³ matrix product (GFLOP/s) and the three convolutions of the Fashion-MNIST
 * model at N = 5000 images (ms), float32, called on the active backend directly (no autograd).
 * @module
 */
import type { Conv2dSpec, MatmulSpec } from '../tensor/backend.js';
import { getBackend } from '../tensor/registry.js';
import { Rng } from '../tensor/random.js';

/** Names of the kernel rows, as in the reference file. */
export const KERNEL_NAMES = ['matmul_1024_gflops', 'conv2d_16to32_k4s2p1_N5000_ms', 'conv_transpose2d_32to16_k4s2p1_N5000_ms', 'conv2d_1to16_k4s2p1_N5000_ms'] as const;
/** One kernel row name. */
export type KernelName = (typeof KERNEL_NAMES)[number];

/** A prepared kernel call and how to turn its time into the reported figure. */
export interface PreparedKernel {
  readonly run: () => void;
  /** The figure of a call that took `seconds` (GFLOP/s or ms). */
  readonly figure: (seconds: number) => number;
  /** 'GFLOP/s' (higher is better) or 'ms'. */
  readonly unit: 'GFLOP/s' | 'ms';
  /** Size actually used (smaller under --quick). */
  readonly size: number;
}

function randomF32(n: number, rng: Rng): Float32Array {
  return rng.fillUniform(new Float32Array(n), -1, 1);
}

/** Geometry of a k4 s2 p1 convolution with c → o channels on hw×hw images, batch n. */
export function k4s2p1(c: number, o: number, hw: number, n: number): Conv2dSpec {
  const out = Math.floor((hw + 2 - 4) / 2) + 1;
  return { batch: n, inChannels: c, outChannels: o, inHeight: hw, inWidth: hw, kernelHeight: 4, kernelWidth: 4, stride: [2, 2], padding: [1, 1], outHeight: out, outWidth: out };
}

/** The kernel row `name`; `quick` uses a 512³ product and N = 1000 images. */
export function prepareKernel(name: KernelName, quick: boolean): PreparedKernel {
  const rng = new Rng(5);
  const backend = getBackend();
  const images = quick ? 1000 : 5000;
  const ms = (seconds: number): number => seconds * 1000;
  if (name === 'matmul_1024_gflops') {
    const size = quick ? 512 : 1024;
    const spec: MatmulSpec = { batch: 1, m: size, n: size, k: size, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
    const a = randomF32(size * size, rng), b = randomF32(size * size, rng);
    return { run: () => void backend.matmul(a, b, spec), figure: (s) => (2 * size ** 3) / s / 1e9, unit: 'GFLOP/s', size };
  }
  const spec = name === 'conv2d_1to16_k4s2p1_N5000_ms' ? k4s2p1(1, 16, 28, images) : k4s2p1(16, 32, 14, images);
  const weight = randomF32(spec.outChannels * spec.inChannels * 16, rng);
  if (name === 'conv_transpose2d_32to16_k4s2p1_N5000_ms') {
    const y = randomF32(images * spec.outChannels * spec.outHeight * spec.outWidth, rng);
    return { run: () => void backend.conv2dTranspose(y, weight, spec), figure: ms, unit: 'ms', size: images };
  }
  const x = randomF32(images * spec.inChannels * spec.inHeight * spec.inWidth, rng);
  return { run: () => void backend.conv2d(x, weight, spec), figure: ms, unit: 'ms', size: images };
}

/**
 * Host side of the `wasm` convolutions. The module works on groups of G images (G·Ho·Wo ≈ 384
 * output pixels, so each product is wide enough for the 8-column tile); the host copies the
 * operands in and writes one job record per thread (the threads claim groups from a shared
 * counter) and, for the weight gradient, adds the threads' partial sums Σₙ dy[n]·cols(x[n])ᵀ.
 * @module
 */
import type { Conv2dSpec } from '../../backend.js';
import type { WasmRuntime } from './runtime.js';

/** Job kinds of the module (field 0 of a record). */
const ConvJob = { conv2d: 2, conv2dTranspose: 3, conv2dWeightGrad: 4 } as const;

/** Output pixels per group the products aim at. */
const GROUP_PIXELS = 384;

/**
 * Whether the module's padded-buffer scheme covers `s`: positive sizes and every receptive field
 * inside the padded input ((Ho−1)·sh + kh ≤ H + 2ph, likewise for widths). Other specs go to js.
 */
export function convSupported(s: Conv2dSpec): boolean {
  const [sh, sw] = s.stride;
  const [ph, pw] = s.padding;
  const positive = [s.batch, s.inChannels, s.outChannels, s.inHeight, s.inWidth, s.kernelHeight, s.kernelWidth, s.outHeight, s.outWidth, sh, sw]
    .every((v) => Number.isInteger(v) && v > 0);
  return positive && ph >= 0 && pw >= 0 && (s.outHeight - 1) * sh + s.kernelHeight <= s.inHeight + 2 * ph
    && (s.outWidth - 1) * sw + s.kernelWidth <= s.inWidth + 2 * pw;
}

/** Multiply-adds of one convolution (the same for its transpose and weight gradient). */
export function convWork(s: Conv2dSpec): number {
  return s.batch * s.outChannels * s.inChannels * s.kernelHeight * s.kernelWidth * s.outHeight * s.outWidth;
}

/** Threads for a convolution: one when the work is small or there is one image. */
function convThreads(s: Conv2dSpec, threads: number, parallelMinWork: number): number {
  return convWork(s) < parallelMinWork || s.batch < 2 ? 1 : threads;
}

/** Writes one job record per thread; `out(i)` gives thread i's output address. */
function convJobs(rt: WasmRuntime, kind: number, s: Conv2dSpec, input: number, weight: number, dy: number,
  out: (thread: number) => number, threads: number): number[] {
  const group = Math.max(1, Math.round(GROUP_PIXELS / (s.outHeight * s.outWidth)));
  const counter = rt.counter();
  return Array.from({ length: threads }, (_, i) => rt.job([kind, counter, s.batch, s.inChannels, s.inHeight, s.inWidth,
    s.outChannels, s.kernelHeight, s.kernelWidth, s.stride[0], s.stride[1], s.padding[0], s.padding[1], s.outHeight,
    s.outWidth, input, weight, out(i), 0, group, dy], 18));
}

/** conv2d: x [N,C,H,W] ⊛ weight [O,C,kh,kw] → [N,O,Ho,Wo]. */
export function wasmConv2d(rt: WasmRuntime, x: Float32Array, weight: Float32Array, s: Conv2dSpec, parallelMinWork: number): Float32Array {
  rt.reset();
  const xPtr = rt.put(x), wPtr = rt.put(weight);
  const size = s.batch * s.outChannels * s.outHeight * s.outWidth;
  const outPtr = rt.alloc(4 * size);
  return rt.runJobsAndRead(convJobs(rt, ConvJob.conv2d, s, xPtr, wPtr, 0, () => outPtr, convThreads(s, rt.threads, parallelMinWork)), outPtr, size);
}

/** conv2dTranspose: y [N,O,Ho,Wo] → [N,C,H,W], the adjoint of conv2d with the same spec. */
export function wasmConv2dTranspose(rt: WasmRuntime, y: Float32Array, weight: Float32Array, s: Conv2dSpec, parallelMinWork: number): Float32Array {
  rt.reset();
  const yPtr = rt.put(y), wPtr = rt.put(weight);
  const size = s.batch * s.inChannels * s.inHeight * s.inWidth;
  const outPtr = rt.alloc(4 * size);
  const jobs = convJobs(rt, ConvJob.conv2dTranspose, s, yPtr, wPtr, 0, () => outPtr, convThreads(s, rt.threads, parallelMinWork));
  return rt.runJobsAndRead(jobs, outPtr, size);
}

/**
 * conv2dWeightGrad: x [N,C,H,W], dy [N,O,Ho,Wo] → [O,C,kh,kw]. Thread i sums a fixed contiguous
 * range of images into its own partial (own claim counter), and the partials are added in
 * thread order, so the float32 rounding, and hence training, is the same on every run.
 */
export function wasmConv2dWeightGrad(rt: WasmRuntime, x: Float32Array, dy: Float32Array, s: Conv2dSpec, parallelMinWork: number): Float32Array {
  rt.reset();
  const xPtr = rt.put(x), dyPtr = rt.put(dy);
  const size = s.outChannels * s.inChannels * s.kernelHeight * s.kernelWidth;
  const threads = convThreads(s, rt.threads, parallelMinWork);
  const partials = Array.from({ length: threads }, () => rt.alloc(4 * size));
  const xImage = 4 * s.inChannels * s.inHeight * s.inWidth;
  const dyImage = 4 * s.outChannels * s.outHeight * s.outWidth;
  const jobs = partials.map((partial, i) => {
    const start = Math.floor((i * s.batch) / threads);
    const end = Math.floor(((i + 1) * s.batch) / threads);
    const part: Conv2dSpec = { ...s, batch: end - start };
    return convJobs(rt, ConvJob.conv2dWeightGrad, part, xPtr + start * xImage, 0, dyPtr + start * dyImage, () => partial, 1)[0]!;
  });
  rt.runJobs(jobs);
  for (let i = 1; i < partials.length; i++) rt.kernels.binary(0, partials[0]!, partials[i]!, partials[0]!, size, 0);
  return rt.read(partials[0]!, size);
}

/**
 * The `gpujs` backend: every kernel of the {@link Backend} contract as gpu.js kernels, in one of
 * gpu.js's modes: `headlessgl` (Node + the optional `gl` package) or `webgl2` (browser) on a GPU,
 * `webasm` (WebAssembly with f32x4 SIMD) or `cpu` (transpiled JavaScript) anywhere. `auto` prefers
 * a GL context and falls back to WebAssembly. `webgpu` answers only asynchronously and therefore
 * cannot back this synchronous interface; `createGpujsAsyncKernels` offers it to the benchmark.
 *
 * Precision: kernels compute in float32. Float64 inputs are rounded to float32, computed, and
 * returned as Float64Array (so a float64 gradient check through this backend sees float32
 * rounding); integer results (arg-max/min, median positions) come back exact and are converted
 * to Int32Array. Comparisons of float64 values that differ only below float32 resolution compare
 * equal here. NaN propagation matches the js backend in `webasm` and `cpu` modes.
 *
 * gpu.js is loaded only when a backend is created, so registering this factory costs nothing.
 * @module
 */
import type { Backend } from '../../backend.js';
import { conv2d, conv2dTranspose, conv2dWeightGrad } from './conv.js';
import { binary, clamp, unary, where } from './elementwise.js';
import { gather, indexAdd, indexSelect, scatterAdd } from './indexing.js';
import { concat, permute, slice } from './layout.js';
import { matmul } from './matmul.js';
import { median } from './median.js';
import { argReduce, reduce } from './reduce.js';
import { KernelRunner, type RunnerStats } from './runner.js';
import { DEFAULT_LIMITS, gpujsModeFromEnv, loadGpujs, resolveSyncMode, type GpujsLimits, type GpujsMode, type GpujsSyncMode } from './runtime.js';
import { sumToShape } from './sum-to-shape.js';

export { gpujsModeFromEnv, DEFAULT_LIMITS, GPUJS_MODES, type GpujsLimits, type GpujsMode, type GpujsSyncMode } from './runtime.js';
export type { RunnerStats } from './runner.js';
export { createGpujsAsyncKernels, type GpujsAsyncKernels, type GpujsAsyncMode } from './async.js';

/** Options of {@link createGpujsBackend}. */
export interface GpujsBackendOptions {
  /** gpu.js mode; default `RELAXJS_GPUJS_MODE`, else `auto`. */
  mode?: GpujsMode;
  /** Per-call size limits (tests lower them to exercise tiling on small tensors). */
  limits?: Partial<GpujsLimits>;
  /** Most compiled kernels kept (least recently used ones are destroyed); default 256. */
  cacheSize?: number;
}

/** A gpu.js backend: the kernels plus the mode that runs them, cache statistics and cleanup. */
export interface GpujsBackend extends Backend {
  readonly name: 'gpujs';
  /** The mode actually running (never `auto`). */
  readonly mode: GpujsSyncMode;
  /** Compiled kernels, cache hits, and kernels gpu.js moved to another mode (should be none). */
  stats(): RunnerStats;
  /** Destroys the compiled kernels and the gpu.js instance. */
  destroy(): void;
}

/**
 * Creates a gpu.js backend.
 * @throws Error naming the mode when it is unknown, unavailable here, or `webgpu`.
 */
export function createGpujsBackend(options: GpujsBackendOptions = {}): GpujsBackend {
  const gpujs = loadGpujs();
  const mode = resolveSyncMode(gpujs, options.mode ?? gpujsModeFromEnv());
  const limits: GpujsLimits = { ...DEFAULT_LIMITS, ...options.limits };
  if (!(limits.maxElements >= 1 && limits.maxElements <= DEFAULT_LIMITS.maxElements && limits.maxLoop >= 1)) {
    throw new Error(`gpujs limits ${JSON.stringify(limits)}: maxElements must be in [1, 2^24] and maxLoop >= 1`);
  }
  const r = new KernelRunner(new gpujs.GPU({ mode }), mode, limits, options.cacheSize);
  return {
    name: 'gpujs',
    mode,
    stats: () => r.stats(),
    destroy: () => r.destroy(),
    unary: (op, x) => unary(r, op, x),
    binary: (op, a, aShape, b, bShape, outShape) => binary(r, op, a, aShape, b, bShape, outShape),
    clamp: (x, lo, hi) => clamp(r, x, lo, hi),
    where: (cond, a, b) => where(r, cond, a, b),
    reduce: (op, x, shape, axis) => reduce(r, op, x, shape, axis),
    argReduce: (op, x, shape, axis) => argReduce(r, op, x, shape, axis),
    median: (x, shape, axis, absolute) => median(r, x, shape, axis, absolute),
    sumToShape: (x, shape, target) => sumToShape(r, x, shape, target),
    productSumToShape: (a, b, shape, target) => sumToShape(r, binary(r, 'mul', a, shape, b, shape, shape), shape, target),
    matmul: (a, b, spec) => matmul(r, a, b, spec),
    conv2d: (x, weight, spec) => conv2d(r, x, weight, spec),
    conv2dTranspose: (y, weight, spec) => conv2dTranspose(r, y, weight, spec),
    conv2dWeightGrad: (x, dy, spec) => conv2dWeightGrad(r, x, dy, spec),
    permute: (x, shape, perm) => permute(r, x, shape, perm),
    gather: (x, shape, axis, index, indexShape) => gather(r, x, shape, axis, index, indexShape),
    scatterAdd: (src, indexShape, axis, index, shape) => scatterAdd(r, src, indexShape, axis, index, shape),
    indexSelect: (x, shape, axis, index) => indexSelect(r, x, shape, axis, index),
    indexAdd: (src, srcShape, axis, index, shape) => indexAdd(r, src, srcShape, axis, index, shape),
    concat: (parts, shapes, axis) => concat(r, parts, shapes, axis),
    slice: (x, shape, axis, start, end) => slice(r, x, shape, axis, start, end),
  } satisfies GpujsBackend;
}

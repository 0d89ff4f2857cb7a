/**
 * The asynchronous side of the `gpujs` backend, for gpu.js modes whose kernels return Promises:
 * `webgpu` (WGSL compute shaders; in Node through the `webgpu` package, Dawn) and `webasm`
 * under the async contract (which splits big kernels over a worker pool). The {@link Backend}
 * interface is synchronous, so these are not a backend: they run the same kernels as the
 * synchronous backend for matmul and conv2d, one tile only, and serve scripts/bench-kernels.ts.
 * @module
 */
import type { Conv2dSpec, MatmulSpec } from '../../backend.js';
import { dtypeOf, promote, type TypedArray } from '../../dtype.js';
import { convCall, convTiles } from './conv.js';
import { matmulCall, matmulTiles } from './matmul.js';
import { KernelRunner, type RunnerStats } from './runner.js';
import { DEFAULT_LIMITS, loadGpujs, resolveSyncMode, type GpujsModule, type GpujsSyncMode } from './runtime.js';
import { asDtypeOf, toF32 } from './tiles.js';

/** Modes of {@link createGpujsAsyncKernels}. */
export type GpujsAsyncMode = 'webgpu' | GpujsSyncMode;

/** matmul and conv2d under gpu.js's Promise contract. */
export interface GpujsAsyncKernels {
  readonly mode: GpujsAsyncMode;
  /** Same contract as `Backend.matmul`, for problems that fit one kernel call. */
  matmul(a: TypedArray, b: TypedArray, spec: MatmulSpec): Promise<TypedArray>;
  /** Same contract as `Backend.conv2d`, for problems that fit one kernel call. */
  conv2d(x: TypedArray, weight: TypedArray, spec: Conv2dSpec): Promise<TypedArray>;
  stats(): RunnerStats;
  /** Releases the kernels, the gpu.js instance and (webgpu) the Dawn instance this module installed. */
  destroy(): Promise<void>;
}

/**
 * Makes `navigator.gpu` available in Node from the `webgpu` package (a gpu.js dependency) unless
 * the platform already has it; returns a function that removes what it installed.
 * @throws Error saying why when no WebGPU adapter answers.
 */
async function installWebGpu(gpujs: GpujsModule): Promise<() => void> {
  const scope = globalThis as { navigator?: { gpu?: unknown } };
  let uninstall = (): void => {};
  if (!scope.navigator?.gpu) {
    let dawn: { create(options: string[]): unknown; globals: object };
    try {
      // A specifier in a variable: bundlers leave it alone (a page has navigator.gpu and never gets here).
      const dawnPackage = 'webgpu';
      dawn = (await import(dawnPackage)) as unknown as typeof dawn;
    } catch (error) {
      throw new Error(`gpujs mode 'webgpu': the 'webgpu' package (Dawn) does not load here: ${(error as Error).message.split('\n')[0]}`);
    }
    Object.assign(globalThis, dawn.globals);
    const previous = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: dawn.create([]) }, configurable: true, writable: true });
    uninstall = () => {
      if (previous) Object.defineProperty(globalThis, 'navigator', previous);
      else delete scope.navigator;
    };
  }
  if (!(await gpujs.GPU.isWebGPUAvailable())) {
    uninstall();
    throw new Error("gpujs mode 'webgpu': navigator.gpu is present but no WebGPU adapter answered");
  }
  return uninstall;
}

/** @throws Error when the problem would need more than one tile (the async path does not tile). */
function requireOneTile(what: string, tile: readonly number[], full: readonly number[]): void {
  if (tile.some((t, d) => t < Math.max(1, full[d]!))) {
    throw new Error(`gpujs async ${what}: extents [${full.join(', ')}] need tiling; the async path runs single-tile problems only`);
  }
}

/**
 * Creates the async kernels in `mode` (`webgpu`, or a synchronous mode run under the Promise
 * contract; for `webasm` that enables gpu.js's worker-pool threading).
 * @throws Error naming the mode when it is not available here.
 */
export async function createGpujsAsyncKernels(options: { mode: GpujsAsyncMode }): Promise<GpujsAsyncKernels> {
  const gpujs = loadGpujs();
  const mode: GpujsAsyncMode = options.mode === 'webgpu' ? 'webgpu' : resolveSyncMode(gpujs, options.mode);
  const uninstall = mode === 'webgpu' ? await installWebGpu(gpujs) : () => {};
  const runner = new KernelRunner(new gpujs.GPU({ mode }), mode, DEFAULT_LIMITS, 64, true);
  return {
    mode,
    async matmul(a, b, spec) {
      const full = [spec.batch, spec.m, spec.n, spec.k];
      requireOneTile('matmul', matmulTiles(runner, spec), full);
      const out = await runner.runAsync(matmulCall(spec, full as [number, number, number, number], toF32(a), toF32(b)));
      return asDtypeOf(out, promote(dtypeOf(a), dtypeOf(b)));
    },
    async conv2d(x, weight, spec) {
      const full = [spec.batch, spec.outChannels, spec.inChannels];
      requireOneTile('conv2d', convTiles(runner, 'forward', spec), full);
      const out = await runner.runAsync(convCall('forward', spec, full, toF32(x), toF32(weight)));
      return asDtypeOf(out, promote(dtypeOf(x), dtypeOf(weight)));
    },
    stats: () => runner.stats(),
    async destroy() {
      runner.destroy();
      uninstall();
    },
  };
}

/**
 * The gpu.js runtime behind the `gpujs` backend: loads gpu.js lazily (so importing the registry
 * never loads it), resolves the execution mode, and describes kernel calls and their settings.
 * gpu.js compiles a fresh program on every `createKernel` and keeps no cache of its own, so
 * `runner.ts` builds each kernel once per (op, constants, output length, argument lengths).
 *
 * Rules every kernel of this backend follows (gpu.js pitfalls measured on this machine):
 * - loop bounds are kernel constants, never arguments (gpu.js silently cuts argument-bounded
 *   loops at `loopMaxIterations`, default 1000); `loopMaxIterations` is set above the largest
 *   loop of each kernel, and no loop runs longer than {@link GpujsLimits.maxLoop} (llvmpipe cuts
 *   every loop at 65,535), longer reductions are split into tiles;
 * - no array given to or returned by a kernel holds more than {@link GpujsLimits.maxElements}
 *   elements, so every flat index is an exact float32 integer (< 2^24);
 * - values are float32; float64 inputs are rounded to float32 on the way in.
 * @module
 */
import { platform } from '../../../platform/index.js';
import { floorDiv } from './kernel-math.js';

/** Execution modes of gpu.js that this backend can ask for; `auto` picks the best one available. */
export type GpujsMode = 'auto' | 'webgpu' | 'webgl2' | 'headlessgl' | 'webasm' | 'cpu';

/** Modes that answer synchronously (every mode but `webgpu`). */
export type GpujsSyncMode = 'webgl2' | 'headlessgl' | 'webasm' | 'cpu';

/** All mode names, for argument checks. */
export const GPUJS_MODES: readonly GpujsMode[] = ['auto', 'webgpu', 'webgl2', 'headlessgl', 'webasm', 'cpu'];

/** Size limits of one kernel call; the defaults are the float32-exact and llvmpipe-safe ones. */
export interface GpujsLimits {
  /** Most elements of any array given to or returned by one kernel call (default 2^24). */
  maxElements: number;
  /** Most iterations of any loop inside a kernel (default 2^15, below llvmpipe's 65,535). */
  maxLoop: number;
}

/** The default {@link GpujsLimits}. */
export const DEFAULT_LIMITS: GpujsLimits = { maxElements: 1 << 24, maxLoop: 1 << 15 };

/** A kernel argument: a flat float32 array or a scalar (never a loop bound). */
export type KernelArg = Float32Array | number;

/** The `this` of a kernel function: thread index and the shape constants it was built with. */
export interface KernelThis<C> {
  thread: { x: number };
  constants: C;
}

/** A kernel body: a function of `this: KernelThis<C>` or generated source text. */
export type KernelSource = string | Function;

/** One kernel launch: what to build (cached by name, constants and sizes) and what to feed it. */
export interface KernelCall {
  /** Op name; with the constants and sizes it forms the cache key. */
  name: string;
  source: KernelSource;
  /** Shape constants (loop bounds, extents, strides); integers only. */
  constants: Record<string, number>;
  /** Length of the flat output. */
  output: number;
  /** Largest loop bound inside the kernel (0 if it has no loop). */
  loop: number;
  args: readonly KernelArg[];
}

/** A compiled gpu.js kernel as returned by `createKernel` (only what this backend touches). */
export interface GpujsKernel {
  (...args: KernelArg[]): unknown;
  destroy(removeCanvasReferences?: boolean): void;
  kernel?: { constructor: { mode?: string }; fallbackReason?: string | null };
}

/** A gpu.js `GPU` instance (only what this backend touches). */
export interface GpujsInstance {
  createKernel(source: KernelSource, settings: Record<string, unknown>): GpujsKernel;
  destroy(): Promise<void>;
}

/** The gpu.js module: the `GPU` class and its feature flags. */
export interface GpujsModule {
  GPU: {
    new (settings: { mode: string }): GpujsInstance;
    readonly isHeadlessGLSupported: boolean;
    readonly isWebGL2Supported: boolean;
    readonly isWebGPUSupported: boolean;
    readonly isWebAssemblySupported: boolean;
    isWebGPUAvailable(): Promise<boolean>;
  };
}

/** Loads gpu.js on first use (through the platform adapter: `require` in Node, the browser build's global in a page). */
export function loadGpujs(): GpujsModule {
  return platform().loadGpujs();
}

/** Whether gpu.js reports a synchronous mode as usable here. */
export function modeSupported(gpujs: GpujsModule, mode: GpujsSyncMode): boolean {
  switch (mode) {
    case 'headlessgl': return gpujs.GPU.isHeadlessGLSupported;
    case 'webgl2': return gpujs.GPU.isWebGL2Supported;
    case 'webasm': return gpujs.GPU.isWebAssemblySupported;
    case 'cpu': return true;
  }
}

/**
 * The synchronous mode to run: `auto` prefers a GL context (headless-gl in Node, WebGL2 in a
 * browser), then WebAssembly, then plain JavaScript. WebGPU answers only asynchronously, so it is
 * never picked here (see `createGpujsAsyncKernels`).
 * @throws Error naming the mode when an explicit mode is not available or is `webgpu`.
 */
export function resolveSyncMode(gpujs: GpujsModule, mode: GpujsMode): GpujsSyncMode {
  if (mode === 'auto') {
    const order: GpujsSyncMode[] = ['headlessgl', 'webgl2', 'webasm', 'cpu'];
    return order.find((m) => modeSupported(gpujs, m)) ?? 'cpu';
  }
  if (mode === 'webgpu') {
    throw new Error("gpujs mode 'webgpu' answers only asynchronously; the Backend interface is synchronous. " +
      'Use createGpujsAsyncKernels({ mode: "webgpu" }) (as scripts/bench-kernels.ts does) or another mode.');
  }
  if (!modeSupported(gpujs, mode)) {
    const hint = mode === 'headlessgl' ? " (the optional package 'gl' is not installed or has no GL context)" : '';
    throw new Error(`gpujs mode '${mode}' is not available here${hint}; expected one of auto, webasm, cpu`);
  }
  return mode;
}

/**
 * The mode named by `RELAXJS_GPUJS_MODE`, else `auto`.
 * @throws Error naming the variable when its value is not a mode.
 */
export function gpujsModeFromEnv(env: Record<string, string | undefined> = { RELAXJS_GPUJS_MODE: platform().env('RELAXJS_GPUJS_MODE') }): GpujsMode {
  const value = env.RELAXJS_GPUJS_MODE;
  if (!value) return 'auto';
  if (!(GPUJS_MODES as readonly string[]).includes(value)) {
    throw new Error(`RELAXJS_GPUJS_MODE='${value}' is not a gpujs mode; expected one of ${GPUJS_MODES.join(', ')}`);
  }
  return value as GpujsMode;
}

/** Builds the gpu.js settings of one kernel call. */
export function kernelSettings(call: KernelCall, asyncMode = false): Record<string, unknown> {
  return {
    output: [call.output],
    constants: call.constants,
    loopMaxIterations: Math.max(1000, call.loop + 1),
    functions: [floorDiv],
    precision: 'single',
    tactic: 'precision',
    asyncMode,
  };
}

/** The cache key of a call: op, constants, output and argument sizes. */
export function kernelKey(call: KernelCall): string {
  const sizes = call.args.map((a) => (typeof a === 'number' ? 's' : a.length)).join(',');
  return `${call.name}|${JSON.stringify(call.constants)}|${call.output}|${sizes}`;
}

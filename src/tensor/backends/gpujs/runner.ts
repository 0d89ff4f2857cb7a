/**
 * Runs gpu.js kernels (synchronously, or under gpu.js's Promise contract) through a bounded cache. A kernel is compiled on the first
 * call with a new key ({@link kernelKey}: op, shape constants, output and argument sizes) and
 * reused afterwards; the least recently used kernel is destroyed once the cache holds `capacity`
 * kernels or their buffers (arguments and output, which gpu.js keeps per kernel) pass `byteBudget`.
 * @module
 */
import {
  kernelKey, kernelSettings, type GpujsInstance, type GpujsKernel, type GpujsLimits, type GpujsMode, type KernelCall,
} from './runtime.js';

/** Counters and degradations of a runner, for tests and benchmarks. */
export interface RunnerStats {
  /** Kernels compiled so far. */
  compiled: number;
  /** Calls served by an already compiled kernel. */
  hits: number;
  /** Kernels gpu.js silently moved to another mode (`op: actual mode (reason)`); should stay empty. */
  fallbacks: string[];
}

/** Kernel runner over one gpu.js instance: synchronous {@link run}, or {@link runAsync} for the async contract. */
export class KernelRunner {
  private readonly cache = new Map<string, { kernel: GpujsKernel; bytes: number }>();
  private bytes = 0;
  private readonly counters: RunnerStats = { compiled: 0, hits: 0, fallbacks: [] };

  constructor(
    private readonly gpu: GpujsInstance,
    readonly mode: Exclude<GpujsMode, 'auto'>,
    readonly limits: GpujsLimits,
    private readonly capacity = 256,
    private readonly asyncMode = false,
    private readonly byteBudget = 2 ** 30,
  ) {}

  /** Runs one call and returns its flat float32 output (a fresh array). */
  run(call: KernelCall): Float32Array {
    if (this.asyncMode) throw new Error(`gpujs runner in mode '${this.mode}' is asynchronous; use runAsync`);
    const kernel = this.kernelFor(call);
    return this.checkResult(call, kernel, kernel(...call.args));
  }

  /** Runs one call under gpu.js's Promise contract (webgpu; threaded webasm). */
  async runAsync(call: KernelCall): Promise<Float32Array> {
    const kernel = this.kernelFor(call);
    return this.checkResult(call, kernel, await kernel(...call.args));
  }

  /** The cached kernel of a call, compiled on first use; checks the float32 and loop limits first. */
  private kernelFor(call: KernelCall): GpujsKernel {
    this.checkSizes(call);
    const key = kernelKey(call);
    let entry = this.cache.get(key);
    if (entry) {
      this.counters.hits++;
      this.cache.delete(key);
    } else {
      const bytes = 4 * call.args.reduce<number>((n, a) => n + (typeof a === 'number' ? 1 : a.length), call.output);
      entry = { kernel: this.gpu.createKernel(call.source, kernelSettings(call, this.asyncMode)), bytes };
      this.counters.compiled++;
      this.bytes += bytes;
    }
    this.cache.set(key, entry);
    this.evictOverflow();
    return entry.kernel;
  }

  private checkResult(call: KernelCall, kernel: GpujsKernel, result: unknown): Float32Array {
    this.noteFallback(call.name, kernel);
    if (!(result instanceof Float32Array) || result.length !== call.output) {
      throw new Error(`gpujs kernel '${call.name}' returned ${describe(result)}; expected a Float32Array of ${call.output}`);
    }
    return result;
  }

  /** Snapshot of the counters. */
  stats(): RunnerStats {
    return { ...this.counters, fallbacks: [...this.counters.fallbacks] };
  }

  /** Destroys every cached kernel and the gpu.js instance. */
  destroy(): void {
    for (const { kernel } of this.cache.values()) kernel.destroy();
    this.cache.clear();
    this.bytes = 0;
    void this.gpu.destroy();
  }

  /** Guards the float32 index rule and the loop rule before anything is compiled. */
  private checkSizes(call: KernelCall): void {
    const { maxElements, maxLoop } = this.limits;
    const biggest = Math.max(call.output, ...call.args.map((a) => (typeof a === 'number' ? 0 : a.length)));
    if (biggest > maxElements || call.loop > maxLoop || call.output < 1) {
      throw new Error(`gpujs kernel '${call.name}': output ${call.output}, largest array ${biggest}, loop ${call.loop} ` +
        `outside the limits (1..${maxElements} elements, loops <= ${maxLoop}); this is a tiling bug`);
    }
  }

  /** Destroys least recently used kernels (never the newest) while over capacity or budget. */
  private evictOverflow(): void {
    while (this.cache.size > 1 && (this.cache.size > this.capacity || this.bytes > this.byteBudget)) {
      const [oldest, entry] = this.cache.entries().next().value as [string, { kernel: GpujsKernel; bytes: number }];
      entry.kernel.destroy();
      this.bytes -= entry.bytes;
      this.cache.delete(oldest);
    }
  }

  private noteFallback(name: string, kernel: GpujsKernel): void {
    const actual = kernel.kernel?.constructor.mode;
    const expected = this.mode === 'headlessgl' || this.mode === 'webgl2' ? 'gpu' : this.mode;
    const note = `${name}: ${actual} (${kernel.kernel?.fallbackReason ?? 'no reason given'})`;
    if (actual && actual !== expected && !this.counters.fallbacks.includes(note)) this.counters.fallbacks.push(note);
  }
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  return `${value.constructor.name}(${(value as { length?: number }).length ?? '?'})`;
}

/**
 * The `wasm` backend's runtime: the compiled kernel module (module.ts), one shared
 * `WebAssembly.Memory` used as a per-call bump heap, and the helper threads. A kernel call resets
 * the heap, copies its inputs in, runs, and copies its output out (the copies are part of the
 * measured cost); the memory grows as needed and is reused by later calls.
 * @module
 */
import { platform, type HelperThread } from '../../../platform/index.js';
import { fusedByDefault, wasm, type KernelExports, type WasmMemory } from './module.js';
import { checkThreads } from './threads.js';
import { trapOnMainThread, WasmKernelTrap, workerMessage } from './trap.js';
import { Slot } from './worker.js';

export { WasmKernelTrap } from './trap.js';
export { fusedKernelsPath, kernelsPath, type KernelExports, type WasmMemory, type WasmModule } from './module.js';

const PAGE = 65536;
const MAX_PAGES = 65536;

/** Thrown when a call would need more than the 4 GiB a 32-bit memory can address; callers fall back to js. */
export class WasmOutOfMemory extends Error {
  constructor(bytes: number) {
    super(`wasm backend: a call needs ${bytes} bytes, more than a 32-bit memory holds`);
  }
}

/**
 * Kernel module + shared heap + helper threads for `threads` threads in all (the main one
 * included); the fused (relaxed-SIMD) module when `fused` (default: unless `RELAXJS_WASM_FMA=0`)
 * and the engine takes it, see {@link WasmRuntime.fused}.
 */
export class WasmRuntime {
  readonly kernels: KernelExports;
  readonly threads: number;
  /** Whether the relaxed-SIMD build (fused multiply-add in the product tile) is running. */
  readonly fused: boolean;
  f32!: Float32Array;
  i32!: Int32Array;
  private readonly memory: WasmMemory;
  private readonly base: number;
  private top: number;
  private readonly control: Int32Array;
  private readonly workers: HelperThread[] = [];
  private readonly ready: boolean[] = [];

  constructor(threads: number, fused = fusedByDefault()) {
    const compiled = platform().compileWasmKernels(fused);
    const module = compiled.module;
    this.fused = compiled.fused;
    this.memory = new wasm.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    this.kernels = new wasm.Instance(module, { env: { memory: this.memory } }).exports as unknown as KernelExports;
    this.base = this.kernels.heapBase() >>> 0;
    this.top = this.base;
    this.refreshViews();
    this.threads = checkThreads(threads, 'threads');
    const control = new SharedArrayBuffer(4 * Slot.Size * this.threads);
    this.control = new Int32Array(control);
    for (let w = 1; w < this.threads; w++) {
      const worker = platform().startWasmThread(module, this.memory, control, w * Slot.Size);
      worker.onError((error: Error) => {
        this.ready[w] = false;
        platform().warn(`wasm backend: worker thread ${w} failed (${error.message}); its share runs on the main thread`);
      });
      this.workers.push(worker);
    }
  }

  /** Frees everything allocated by the previous call. */
  reset(): void {
    this.top = this.base;
  }

  /** A 64-byte aligned area of `bytes`, growing the memory if needed. */
  alloc(bytes: number): number {
    const at = this.top;
    this.top = at + Math.ceil(bytes / 64) * 64;
    const have = this.memory.buffer.byteLength;
    if (this.top > have) {
      if (this.top > MAX_PAGES * PAGE) throw new WasmOutOfMemory(this.top);
      this.memory.grow(Math.ceil((this.top - have) / PAGE));
      this.refreshViews();
    }
    return at;
  }

  /** Copies `x` into a new area; returns its address. */
  put(x: Float32Array): number {
    const at = this.alloc(4 * x.length);
    this.f32.set(x, at >>> 2);
    return at;
  }

  /** A fresh (unshared) copy of the `n` floats at `at`. */
  read(at: number, n: number): Float32Array {
    return this.f32.slice(at >>> 2, (at >>> 2) + n);
  }

  /**
   * Runs `jobs` (see {@link runJobs}) and returns a fresh copy of the `n` floats they write at `at`.
   * The copy's array is allocated and its pages touched on this thread while the helper threads
   * already work (the job's chunks are claimed from a shared counter, so they take over this
   * thread's share meanwhile): first writes to fresh memory cost a page fault each 4 KiB, most of
   * a plain {@link read}'s time (15.7 MB: ~7.7 ms, of which ~1.2 ms is the copy).
   */
  runJobsAndRead(jobs: readonly number[], at: number, n: number): Float32Array {
    let out: Float32Array | undefined;
    this.runJobs(jobs, () => {
      out = new Float32Array(n).fill(0);
    });
    out!.set(this.f32.subarray(at >>> 2, (at >>> 2) + n));
    return out!;
  }

  /** Zeroes `n` floats at `at`. */
  zero(at: number, n: number): void {
    this.f32.fill(0, at >>> 2, (at >>> 2) + n);
  }

  /** A zeroed i32 in the heap: the chunk counter that the threads of one job claim work from. */
  counter(): number {
    const at = this.alloc(64);
    this.i32[at >>> 2] = 0;
    return at;
  }

  /** Writes a job record of i32 `fields`, gives it the scratch it asks for, returns its address. */
  job(fields: readonly number[], scratchField: number): number {
    const at = this.alloc(4 * Math.max(32, fields.length));
    this.i32.set(fields, at >>> 2);
    const scratch = this.alloc(this.kernels.scratchBytes(at) >>> 0);
    this.i32[(at >>> 2) + scratchField] = scratch;
    return at;
  }

  /**
   * Runs job records in parallel: `jobs[0]` on this thread, `jobs[w]` on worker w; returns when all
   * are done. `meanwhile` runs on this thread after the workers are started and before `jobs[0]`.
   * Waits for every posted job even when one fails (a worker must never still be writing when the
   * next call reuses the heap), then throws the first failure: a {@link WasmKernelTrap} carrying the
   * failing thread's own error.
   */
  runJobs(jobs: readonly number[], meanwhile?: () => void): void {
    const posted = jobs.map((job, w) => (w === 0 ? 0 : this.post(w, job)));
    let failure: Error | null = null;
    try {
      meanwhile?.();
      failure = this.runHere(jobs[0]!);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
    for (let w = 1; w < jobs.length; w++) {
      const error = posted[w]! < 0 ? this.runHere(jobs[w]!) : this.awaitWorker(w, posted[w]!);
      failure ??= error;
    }
    if (failure) throw failure;
  }

  /**
   * Posts `job` to worker `w` together with the memory size in pages, so that a worker whose view
   * of the memory missed a growth refreshes it first (see worker.ts); returns the job's sequence
   * number, or -1 when the worker is not ready (this thread then runs the job).
   */
  private post(w: number, job: number): number {
    const slot = w * Slot.Size, ctl = this.control;
    if (!this.waitReady(slot)) return -1;
    Atomics.store(ctl, slot + Slot.Pages, this.f32.buffer.byteLength / PAGE);
    Atomics.store(ctl, slot + Slot.Job, job);
    const seq = Atomics.add(ctl, slot + Slot.Posted, 1) + 1;
    Atomics.notify(ctl, slot + Slot.Posted);
    return seq;
  }

  /** Runs `job` on this thread; the trap it raised, or null. */
  private runHere(job: number): WasmKernelTrap | null {
    try {
      this.kernels.run(job);
      return null;
    } catch (error) {
      return trapOnMainThread(error);
    }
  }

  /** Waits until worker `w` has finished its job number `seq`; the error it reported, or null. */
  private awaitWorker(w: number, seq: number): WasmKernelTrap | null {
    const slot = w * Slot.Size, ctl = this.control;
    for (let done = Atomics.load(ctl, slot + Slot.Done); done !== seq; done = Atomics.load(ctl, slot + Slot.Done)) {
      Atomics.wait(ctl, slot + Slot.Done, done);
    }
    return Atomics.load(ctl, slot + Slot.Failed) ? new WasmKernelTrap(`worker ${w}`, workerMessage(ctl, slot)) : null;
  }

  /**
   * Resolves once every helper thread has instantiated the module, without blocking this thread
   * (a browser starts a Worker only while its parent's event loop runs: blocking in the first
   * kernel call instead would stall it for the 30 s of {@link waitReady}).
   * @throws Error when a thread is not ready after `timeoutMs`.
   */
  async whenReady(timeoutMs = 30_000): Promise<void> {
    const started = Date.now();
    for (let w = 1; w < this.threads; w++) {
      while (Atomics.load(this.control, w * Slot.Size + Slot.Ready) !== 1 && this.ready[w] !== false) {
        if (Date.now() - started > timeoutMs) throw new Error(`wasm backend: helper thread ${w} not ready after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }

  /** Waits (up to 30 s, once per worker) for a worker to have instantiated the module; false if it never did or failed. */
  private waitReady(slot: number): boolean {
    const w = slot / Slot.Size;
    if (this.ready[w] === undefined) {
      Atomics.wait(this.control, slot + Slot.Ready, 0, 30_000);
      const state = Atomics.load(this.control, slot + Slot.Ready);
      this.ready[w] = state === 1;
      if (state === 2) platform().warn(`wasm backend: worker thread ${w} could not instantiate the kernels (${workerMessage(this.control, slot).split('\n')[0]}); its share runs on the main thread`);
    }
    return this.ready[w]!;
  }

  private refreshViews(): void {
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
  }
}

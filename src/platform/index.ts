/**
 * Platform adapters: everything the core (`tensor`, `autograd`, `nn`, `relax`, `optim`) needs from
 * its host goes through the one {@link Platform} object returned by {@link platform}, so the core
 * imports no Node built-in and bundles for a browser (`esbuild --platform=browser`). Two adapters
 * ship: `node` (files, `worker_threads`, `os`, `v8` reached through `process.getBuiltinModule`, so
 * no static `node:` import exists anywhere a bundler looks) and `browser` (Web Workers, `fetch`ed
 * wasm kernels compiled by {@link initWasm}, gpu.js from its browser build). The adapter is chosen
 * on first use from the host; {@link setPlatform} replaces it (tests, other hosts).
 * @module
 */
import type { GpujsModule } from '../tensor/backends/gpujs/runtime.js';
import type { WasmMemory, WasmModule } from '../tensor/backends/wasm/module.js';
import { browserPlatform } from './browser.js';
import { nodePlatform } from './node.js';
import { isNode } from './node-builtins.js';

/** A helper thread of the wasm backend, as the runtime sees it. */
export interface HelperThread {
  /** Calls `listener` if the thread dies (its share of each job then runs on the calling thread). */
  onError(listener: (error: Error) => void): void;
}

/** What a host provides to the core. Every member is synchronous: the Backend interface is. */
export interface Platform {
  /** `'node'` or `'browser'` (or a custom adapter's name). */
  readonly name: string;
  /** A configuration variable (`RELAXJS_BACKEND`, `RELAXJS_THREADS`, ...); undefined when unset. */
  env(name: string): string | undefined;
  /** How many threads the host can run at once (os.availableParallelism / navigator.hardwareConcurrency). */
  hardwareThreads(): number;
  /** Reports a non-fatal problem (a helper thread died, a fallback was taken). */
  warn(message: string): void;
  /** Whether the wasm kernel module can be had synchronously (built on disk, or compiled by {@link initWasm}). */
  wasmKernelsAvailable(): boolean;
  /** The compiled wasm kernel module: the fused (relaxed-SIMD) build when `fused` and available, else the plain one. */
  compileWasmKernels(fused: boolean): { module: WasmModule; fused: boolean };
  /** Starts a wasm helper thread running `source` (see `wasm/worker.ts`) on the shared `memory` and `control` slot. */
  startWasmThread(module: WasmModule, memory: WasmMemory, control: SharedArrayBuffer, slot: number): HelperThread;
  /** The gpu.js module. */
  loadGpujs(): GpujsModule;
}

let active: Platform | null = null;

/** The active adapter: the one given to {@link setPlatform}, else `node` under Node and `browser` elsewhere. */
export function platform(): Platform {
  return (active ??= isNode() ? nodePlatform : browserPlatform);
}

/** Replaces the active adapter; returns the previous one. */
export function setPlatform(next: Platform): Platform {
  const previous = platform();
  active = next;
  return previous;
}

export { browserPlatform, setBrowserEnv, setGpujs } from './browser.js';
export { nodePlatform } from './node.js';
export { isNode, nodeBuiltin, type NodeBuiltins } from './node-builtins.js';
export { initWasm, type InitWasmOptions } from './wasm-init.js';

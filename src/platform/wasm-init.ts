/**
 * `initWasm()`: readies the `wasm` backend where its module cannot be read from disk synchronously
 * (a browser, a Worker). It fetches and compiles the kernel module, hands it to the platform
 * adapter, starts the helper threads and waits (without blocking) until each has instantiated it,
 * then registers the ready backend under the name `'wasm'` (`setBackend('wasm')` selects it).
 * Under Node nothing needs this (the module is read from `build/wasm` on first use; `kernels` is
 * ignored there), but it works.
 * @module
 */
import type { Backend } from '../tensor/backend.js';
import { createWasmBackend, defaultThreads } from '../tensor/backends/wasm/index.js';
import { kernelsPath, wasm, type WasmModule } from '../tensor/backends/wasm/module.js';
import { WasmRuntime } from '../tensor/backends/wasm/runtime.js';
import { registerBackend } from '../tensor/registry.js';
import { setWasmKernels } from './browser.js';
import { platform } from './index.js';

/** Options of {@link initWasm}. */
export interface InitWasmOptions {
  /** Where the plain SIMD128 module is (default: `build/wasm/relaxjs-kernels.wasm` beside the package), or its bytes. */
  kernels?: string | URL | ArrayBuffer | Uint8Array;
  /** Threads in all, the calling one included (default `RELAXJS_THREADS`, else the host's hardware threads). */
  threads?: number;
  /** Give up when a helper thread is not ready after this many ms (default 30,000). */
  timeoutMs?: number;
}

interface FetchHost {
  fetch(url: string): Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;
}

/** The module's bytes from `source` (fetched when it is a URL). */
async function kernelBytes(source: InitWasmOptions['kernels'] = kernelsPath): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  const url = String(source);
  const response = await (globalThis as unknown as FetchHost).fetch(url);
  if (!response.ok) throw new Error(`initWasm: fetching the kernel module ${url} failed (HTTP ${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * Compiles the wasm kernels, starts the helper threads, waits until they are ready and registers
 * the backend as `'wasm'`; returns it. Browsers need cross-origin isolation (COOP/COEP headers) for
 * the shared memory and run it only off the main thread (the kernels wait with `Atomics.wait`).
 * @throws Error naming the kernel URL when fetching fails, or the thread that did not start.
 */
export async function initWasm(options: InitWasmOptions = {}): Promise<Backend> {
  if (platform().name !== 'node') {
    const compile = (wasm as unknown as { compile(bytes: Uint8Array): Promise<WasmModule> }).compile;
    setWasmKernels(await compile(await kernelBytes(options.kernels)));
  }
  const threads = options.threads ?? defaultThreads();
  const runtime = new WasmRuntime(threads, platform().name === 'node');
  await runtime.whenReady(options.timeoutMs);
  const backend = createWasmBackend({ threads, runtime });
  registerBackend('wasm', () => backend);
  return backend;
}

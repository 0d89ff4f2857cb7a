/**
 * The browser adapter (also any host without Node: Deno, a Web Worker). Configuration comes from
 * {@link setBrowserEnv} (there is no environment), the wasm kernels from {@link initWasm} (which
 * fetches and compiles them asynchronously; the Backend interface is synchronous, so the module
 * must be ready before the first kernel call), helper threads are Web Workers built from a Blob,
 * and gpu.js is its browser build (`gpu-browser.min.js` sets `globalThis.GPU`) or the module given
 * to {@link setGpujs}. The wasm backend blocks with `Atomics.wait`, which browsers allow only off the
 * main thread and with cross-origin isolation (COOP/COEP headers): run it in a Worker.
 * @module
 */
import type { GpujsModule } from '../tensor/backends/gpujs/runtime.js';
import type { WasmMemory, WasmModule } from '../tensor/backends/wasm/module.js';
import { workerLoop } from '../tensor/backends/wasm/worker.js';
import type { HelperThread, Platform } from './index.js';

const settings = new Map<string, string>();
let kernels: WasmModule | null = null;
let gpujs: GpujsModule | null = null;

/** Sets configuration variables (`RELAXJS_BACKEND`, `RELAXJS_THREADS`, ...) where there is no environment. */
export function setBrowserEnv(values: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) settings.delete(k);
    else settings.set(k, v);
  }
}

/** Hands the browser adapter a compiled kernel module (what {@link initWasm} does). */
export function setWasmKernels(module: WasmModule): void {
  kernels = module;
}

/** Hands the browser adapter the gpu.js module (when it is not on `globalThis.GPU`). */
export function setGpujs(module: GpujsModule): void {
  gpujs = module;
}

interface WebWorker {
  postMessage(message: unknown): void;
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
}
interface WebHost {
  navigator?: { hardwareConcurrency?: number };
  Worker?: new (url: string) => WebWorker;
  Blob: new (parts: string[], options: { type: string }) => object;
  URL: { createObjectURL(blob: object): string };
  GPU?: unknown;
}
const web = globalThis as unknown as WebHost;

/** The Web Worker body: it waits for its slot, then runs the same loop as Node's helper threads. */
const browserWorkerSource = `self.onmessage = (event) => {\n  self.onmessage = null;\n  const { module, memory, control, slot } = event.data;\n${workerLoop}\n};`;

/** gpu.js from `globalThis.GPU` (its browser build exports the module object, whose `GPU` is the class). */
function globalGpujs(): GpujsModule {
  const found = web.GPU as { GPU?: unknown } | undefined;
  if (!found) throw new Error("gpujs backend in the browser: load gpu.js's browser build (gpu-browser.min.js) first, or call setGpujs(module)");
  return (typeof found.GPU === 'function' ? found : { GPU: found }) as GpujsModule;
}

/** The browser adapter. */
export const browserPlatform: Platform = {
  name: 'browser',
  env: (name) => settings.get(name),
  hardwareThreads: () => Math.max(1, web.navigator?.hardwareConcurrency ?? 1),
  warn: (message) => console.warn(`relaxjs: ${message}`),
  wasmKernelsAvailable: () => kernels !== null,
  compileWasmKernels(): { module: WasmModule; fused: boolean } {
    if (!kernels) throw new Error('wasm backend in the browser: await initWasm() before the first kernel call');
    return { module: kernels, fused: false };
  },
  startWasmThread(module: WasmModule, memory: WasmMemory, control: SharedArrayBuffer, slot: number): HelperThread {
    if (!web.Worker) throw new Error('wasm backend: this host has no Web Workers; use threads: 1');
    const url = web.URL.createObjectURL(new web.Blob([browserWorkerSource], { type: 'text/javascript' }));
    const worker = new web.Worker(url);
    worker.postMessage({ module, memory, control, slot });
    return { onError: (listener) => worker.addEventListener('error', (e) => listener(new Error(e.message ?? 'worker error'))) };
  },
  loadGpujs: () => gpujs ?? globalGpujs(),
};

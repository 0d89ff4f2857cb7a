/**
 * The Node adapter: configuration from `process.env`, the wasm kernels from `build/wasm`, helper
 * threads from `worker_threads`, gpu.js by `require`; every built-in through `node-builtins.ts`.
 * @module
 */
import type { GpujsModule } from '../tensor/backends/gpujs/runtime.js';
import { compileKernels, kernelsPath, type WasmMemory, type WasmModule } from '../tensor/backends/wasm/module.js';
import { nodeWorkerSource } from '../tensor/backends/wasm/worker.js';
import type { HelperThread, Platform } from './index.js';
import { nodeBuiltin, nodeProcess } from './node-builtins.js';

/** The Node adapter: `process.env`, `os.availableParallelism`, kernels from `build/wasm`, `worker_threads`, gpu.js by `require`. */
export const nodePlatform: Platform = {
  name: 'node',
  env: (name) => nodeProcess()?.env[name],
  hardwareThreads: () => nodeBuiltin('os').availableParallelism(),
  warn: (message) => nodeProcess()?.emitWarning(message),
  wasmKernelsAvailable: () => nodeBuiltin('fs').existsSync(kernelsPath),
  compileWasmKernels: (fused) => compileKernels(fused),
  startWasmThread(module: WasmModule, memory: WasmMemory, control: SharedArrayBuffer, slot: number): HelperThread {
    const { Worker } = nodeBuiltin('worker_threads');
    const worker = new Worker(nodeWorkerSource, { eval: true, workerData: { module, memory, control, slot } });
    worker.unref();
    return { onError: (listener) => void worker.on('error', listener) };
  },
  loadGpujs: () => nodeBuiltin('module').createRequire(import.meta.url)('gpu.js') as GpujsModule,
};

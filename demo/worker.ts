/**
 * The demo's compute thread (a module Web Worker): it owns the backend (the wasm kernels block in
 * `Atomics.wait`, which a page's main thread may not do), trains the 2D toy's normal and robust
 * networks, and certifies drawn digits against a loaded model. Messages: see `protocol.ts`.
 * @module
 */
import {
  createGpujsAsyncKernels, createGpujsBackend, decodeCheckpoint, getBackend, initWasm, modelFromDescription, parseTorchCheckpoint, setBackend, setGpujs, stateDictsOf, zoo, type Backend, type ModelDescription, type Sequential,
} from '../src/index.js';
import { trainToy } from './toy.js';
import { certifyDigit } from './digit.js';
import { modelState } from '../src/train/checkpoint.js';
import type { DemoRequest, DemoReply } from './protocol.js';

const post = (reply: DemoReply, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(reply, transfer);

let gpujsLoaded = false;

/** gpu.js's browser build, evaluated in this worker's global scope (it defines globalThis.GPU). */
async function loadGpujsHere(): Promise<void> {
  if (gpujsLoaded) return;
  (0, eval)(await (await fetch('/gpu-browser.min.js')).text());
  setGpujs((globalThis as unknown as { GPU: Parameters<typeof setGpujs>[0] }).GPU);
  gpujsLoaded = true;
}

/**
 * WebGPU kernels answer asynchronously, so they cannot serve the synchronous Backend that training
 * uses: time the toy's widest product (12 points × 100 × 100) on them instead, against js.
 */
async function timeWebGpu(): Promise<string> {
  await loadGpujsHere();
  const kernels = await createGpujsAsyncKernels({ mode: 'webgpu' });
  try {
    const spec = { batch: 1, m: 12, n: 100, k: 100, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 };
    const a = new Float32Array(1200).fill(0.5), b = new Float32Array(10000).fill(0.25);
    await kernels.matmul(a, b, spec); // compiles the shader
    const started = performance.now();
    for (let i = 0; i < 20; i++) await kernels.matmul(a, b, spec);
    return `gpujs webgpu: the toy's 12x100x100 product takes ${((performance.now() - started) / 20).toFixed(2)} ms per call (async kernels only; training stays on the previous backend)`;
  } finally {
    await kernels.destroy();
  }
}

/** Selects the backend named by the page; wasm and gpujs are readied on first choice. */
async function chooseBackend(name: string): Promise<{ name: string; note?: string }> {
  if (name === 'webgpu') return { name: getBackend().name, note: await timeWebGpu() };
  let backend: Backend | string = 'js';
  if (name === 'wasm') backend = await initWasm({ kernels: new URL('/wasm/relaxjs-kernels.wasm', self.location.href) });
  if (name === 'webgl2') {
    await loadGpujsHere();
    backend = createGpujsBackend({ mode: 'webgl2' });
  }
  setBackend(backend);
  return { name: typeof backend === 'string' ? backend : backend.name };
}

let digitModel: Sequential | null = null;

/** A model from our checkpoint format (architecture recorded, else a zoo MNIST model) or a PyTorch state dict. */
function loadModel(name: string, bytes: Uint8Array): string {
  const candidates: [string, () => Sequential][] = [['mnistModel', () => zoo.mnistModel(0)], ['mnist500', () => zoo.mnist500(0)], ['mnistModelLarge', () => zoo.mnistModelLarge(0)]];
  const own = String.fromCharCode(...bytes.subarray(0, 8)) === 'RELAXJS1';
  const checkpoint = own ? decodeCheckpoint(bytes, name) : null;
  const dicts = own ? [modelState(checkpoint!)] : stateDictsOf(parseTorchCheckpoint(bytes, name), name);
  const architecture = checkpoint?.meta.architecture as ModelDescription | undefined;
  if (architecture) candidates.unshift(['recorded architecture', () => modelFromDescription(architecture, 0) as Sequential]);
  const errors: string[] = [];
  for (const [label, make] of candidates) {
    try {
      digitModel = make().loadStateDict(dicts[0]!).eval() as Sequential;
      return `${name}: ${label}`;
    } catch (error) {
      errors.push(`${label}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`${name} fits none of the MNIST models (${errors.join('; ')})`);
}

self.onmessage = async (event: MessageEvent<DemoRequest>) => {
  const request = event.data;
  try {
    if (request.type === 'backend') post({ type: 'backend', ...(await chooseBackend(request.name)) });
    if (request.type === 'toy') {
      const progress = (robust: boolean) => (step: number, loss: number, stepMs: number): void => {
        if (step % 10 === 0 || step === request.settings.steps) post({ type: 'toy-progress', robust, step, steps: request.settings.steps, loss, stepMs });
      };
      const normal = trainToy(request.settings, false, progress(false));
      const robust = trainToy(request.settings, true, progress(true));
      post({ type: 'toy-result', normal, robust });
    }
    if (request.type === 'model') post({ type: 'model', description: loadModel(request.name, new Uint8Array(request.bytes)) });
    if (request.type === 'digit') {
      if (!digitModel) throw new Error('load a model first');
      post({ type: 'digit', result: certifyDigit(digitModel, new Float32Array(request.pixels)) });
    }
  } catch (error) {
    post({ type: 'error', request: request.type, message: (error as Error).message });
  }
};
post({ type: 'ready' });

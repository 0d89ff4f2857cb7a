/**
 * The demo's compute thread (a module Web Worker): it owns the backend (the wasm kernels block in
 * `Atomics.wait`, which a page's main thread may not do), trains the 2D toy's normal and robust
 * networks, and certifies drawn digits against a loaded model. Messages: see `protocol.ts`.
 * @module
 */
import {
  createGpujsBackend, decodeCheckpoint, initWasm, modelFromDescription, parseTorchCheckpoint, setBackend, setGpujs, stateDictsOf, zoo, type Backend, type ModelDescription, type Sequential,
} from '../src/index.js';
import { trainToy } from './toy.js';
import { certifyDigit } from './digit.js';
import { modelState } from '../src/train/checkpoint.js';
import type { DemoRequest, DemoReply } from './protocol.js';

const post = (reply: DemoReply, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(reply, transfer);

/** Selects the backend named by the page; wasm and gpujs are readied on first choice. */
async function chooseBackend(name: string): Promise<string> {
  let backend: Backend | string = 'js';
  if (name === 'wasm') backend = await initWasm({ kernels: new URL('/wasm/relaxjs-kernels.wasm', self.location.href) });
  if (name === 'webgl2') {
    const source = await (await fetch('/gpu-browser.min.js')).text();
    (0, eval)(source); // gpu.js's browser build defines globalThis.GPU
    setGpujs((globalThis as unknown as { GPU: Parameters<typeof setGpujs>[0] }).GPU);
    backend = createGpujsBackend({ mode: 'webgl2' });
  }
  if (name === 'webgpu') throw new Error('gpu.js webgpu kernels answer asynchronously: the synchronous Backend cannot train on them (the parity suite runs them)');
  setBackend(backend);
  return typeof backend === 'string' ? backend : backend.name;
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
    if (request.type === 'backend') post({ type: 'backend', name: await chooseBackend(request.name) });
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

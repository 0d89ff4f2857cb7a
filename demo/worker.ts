/**
 * The demo's compute thread (a module Web Worker): it owns the backend (the wasm kernels block in
 * `Atomics.wait`, which a page's main thread may not do), trains the 2D toy's normal and robust
 * networks, and certifies drawn digits against a loaded model. Messages: see `protocol.ts`.
 * @module
 */
import {
  Tensor, createGpujsBackend, decodeCheckpoint, initWasm, modelFromDescription, noGrad, parseTorchCheckpoint,
  robustLogits, setBackend, setGpujs, stateDictsOf, zoo, type Backend, type ModelDescription, type Sequential,
} from '../src/index.js';
import { trainToy } from './toy.js';
import { modelState } from '../src/train/checkpoint.js';
import type { DemoRequest, DemoReply, DigitResult } from './protocol.js';

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

/**
 * Certified radius per class margin: for each class j ≠ prediction p, the largest ε (bisection,
 * `iterations` halvings of [0, hi]) at which the dual bound proves f_p(x') − f_j(x') > 0 on the l∞ ball;
 * row j of one batch carries its own ε (a per-example radius), so each step is one dual pass.
 */
function certifyDigit(pixels: Float32Array, hi = 0.5, iterations = 12): DigitResult {
  const net = digitModel;
  if (!net) throw new Error('load a model first');
  const x = new Tensor(pixels, [1, 1, 28, 28]);
  const logits = [...noGrad(() => net.forward(x)).data];
  const p = logits.indexOf(Math.max(...logits));
  const K = logits.length;
  const lo = new Float64Array(K);
  const up = new Float64Array(K).fill(hi);
  const X = new Tensor(new Float32Array(K * 784).map((_, i) => pixels[i % 784]!), [K, 1, 28, 28]);
  const labels = new Int32Array(K).fill(p);
  for (let it = 0; it < iterations; it++) {
    const eps = Float32Array.from(lo, (l, j) => (l + up[j]!) / 2);
    const bound = noGrad(() => robustLogits(net, new Tensor(eps, [K]), X, labels)).data;
    for (let j = 0; j < K; j++) if (bound[j * K + j]! < 0) lo[j] = eps[j]!; else up[j] = eps[j]!;
  }
  const radius = [...lo].map((r, j) => (j === p ? Number.NaN : r));
  return { prediction: p, logits, radius };
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
    if (request.type === 'digit') post({ type: 'digit', result: certifyDigit(new Float32Array(request.pixels)) });
  } catch (error) {
    post({ type: 'error', request: request.type, message: (error as Error).message });
  }
};
post({ type: 'ready' });

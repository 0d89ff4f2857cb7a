/**
 * Kernel benchmark of the `gpujs` backend against `js`: matmul 512³ and two convolutions of the
 * Fashion-MNIST model at N = 500 (conv2d 16→32 k4 s2 p1 on 14×14, conv2d 1→16 k4 s2 p1 on 28×28),
 * in every gpu.js mode that works here: the synchronous backend in `webasm`, `cpu`, and
 * `headlessgl` / `webgl2` where a GL context exists, plus the async path (`webasm` threaded under
 * the Promise contract, and `webgpu` where an adapter answers). Each time is the median of at
 * least 3 runs after a warm-up (which also compiles the kernel); every result is checked against
 * js. Prints ms, GFLOP/s and the speed ratio to js; for the convolutions also the ratio to the
 * recorded PyTorch + OpenBLAS time (../shared/bench/pytorch-reference.json, N = 5000, scaled to N).
 *
 *   npx tsx scripts/bench-kernels.ts [--runs 5]
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Conv2dSpec, MatmulSpec } from '../src/tensor/backend.js';
import { createGpujsAsyncKernels, createGpujsBackend, type GpujsAsyncMode, type GpujsSyncMode } from '../src/tensor/backends/gpujs/index.js';
import { jsBackend } from '../src/tensor/backends/js/index.js';
import type { TypedArray } from '../src/tensor/dtype.js';
import { Rng } from '../src/tensor/random.js';

const args = process.argv.slice(2);
const runs = Math.max(3, Number(args[args.indexOf('--runs') + 1]) || 3);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const referencePath = path.resolve(repoRoot, '..', 'shared', 'bench', 'pytorch-reference.json');
const reference: Record<string, number> = existsSync(referencePath)
  ? (JSON.parse(readFileSync(referencePath, 'utf8')) as { kernels_openblas_2threads: Record<string, number> }).kernels_openblas_2threads
  : {};

/** One workload: a label, its FLOPs, and how to run it on a synchronous or asynchronous engine. */
interface Workload {
  label: string;
  flops: number;
  /** PyTorch + OpenBLAS ms for the same work, when recorded. */
  pytorchMs?: number;
  sync: (engine: 'js' | ReturnType<typeof createGpujsBackend>) => TypedArray;
  async: (kernels: Awaited<ReturnType<typeof createGpujsAsyncKernels>>) => Promise<TypedArray>;
}

const rng = new Rng(5);
const randomF32 = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));

function matmulWorkload(size: number): Workload {
  const spec: MatmulSpec = { batch: 1, m: size, n: size, k: size, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  const a = randomF32(size * size);
  const b = randomF32(size * size);
  return {
    label: `matmul ${size}³`, flops: 2 * size ** 3,
    sync: (e) => (e === 'js' ? jsBackend : e).matmul(a, b, spec),
    async: (k) => k.matmul(a, b, spec),
  };
}

function convWorkload(c: number, o: number, hw: number, batch: number, refKey: string): Workload {
  const out = Math.floor((hw + 2 - 4) / 2) + 1;
  const spec: Conv2dSpec = { batch, inChannels: c, outChannels: o, inHeight: hw, inWidth: hw, kernelHeight: 4, kernelWidth: 4,
    stride: [2, 2], padding: [1, 1], outHeight: out, outWidth: out };
  const x = randomF32(batch * c * hw * hw);
  const w = randomF32(o * c * 16);
  const ref = reference[refKey];
  return {
    label: `conv2d ${c}→${o} k4s2p1 N=${batch} ${hw}×${hw}`, flops: 2 * batch * o * out * out * c * 16,
    pytorchMs: ref === undefined ? undefined : (ref * batch) / 5000,
    sync: (e) => (e === 'js' ? jsBackend : e).conv2d(x, w, spec),
    async: (k) => k.conv2d(x, w, spec),
  };
}

/** Median ms of `runs` calls after one warm-up call; also returns the last result. */
async function medianMs(fn: () => TypedArray | Promise<TypedArray>): Promise<{ ms: number; result: TypedArray }> {
  let result = await fn();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    result = await fn();
    times.push(performance.now() - t0);
  }
  times.sort((p, q) => p - q);
  return { ms: times[Math.floor(times.length / 2)]!, result };
}

function maxAbsDiff(a: TypedArray, b: TypedArray): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

function report(w: Workload, engine: string, ms: number, jsMs: number, error: number | null): void {
  const gflops = w.flops / ms / 1e6;
  const vsJs = engine === 'js' ? '' : `  ${(jsMs / ms).toFixed(2)}× js`;
  const vsTorch = w.pytorchMs ? `  ${(ms / w.pytorchMs).toFixed(1)}× PyTorch's ${w.pytorchMs.toFixed(1)} ms` : '';
  const check = error === null ? '' : `  (max |Δ| vs js ${error.toExponential(1)})`;
  console.log(`${w.label.padEnd(34)} ${engine.padEnd(22)} ${ms.toFixed(1).padStart(8)} ms ${gflops.toFixed(2).padStart(7)} GFLOP/s${vsJs}${vsTorch}${check}`);
}

const SYNC_MODES: GpujsSyncMode[] = ['webasm', 'cpu', 'headlessgl', 'webgl2'];
const ASYNC_MODES: GpujsAsyncMode[] = ['webasm', 'webgpu'];

async function main(): Promise<void> {
  const workloads = [matmulWorkload(512), convWorkload(16, 32, 14, 500, 'conv2d_16to32_k4s2p1_N5000_ms'), convWorkload(1, 16, 28, 500, 'conv2d_1to16_k4s2p1_N5000_ms')];
  console.log(`median of ${runs} runs after a warm-up (which compiles the gpu.js kernel); PyTorch times scaled from N=5000`);
  const baseline = new Map<Workload, { ms: number; result: TypedArray }>();
  for (const w of workloads) {
    const js = await medianMs(() => w.sync('js'));
    baseline.set(w, js);
    report(w, 'js', js.ms, js.ms, null);
  }
  for (const mode of SYNC_MODES) {
    let backend: ReturnType<typeof createGpujsBackend>;
    try { backend = createGpujsBackend({ mode }); } catch (error) { console.log(`gpujs ${mode}: unavailable (${(error as Error).message})`); continue; }
    for (const w of workloads) {
      const { ms, result } = await medianMs(() => w.sync(backend));
      report(w, `gpujs ${mode}`, ms, baseline.get(w)!.ms, maxAbsDiff(result, baseline.get(w)!.result));
    }
    backend.destroy();
  }
  for (const mode of ASYNC_MODES) {
    let kernels: Awaited<ReturnType<typeof createGpujsAsyncKernels>>;
    try { kernels = await createGpujsAsyncKernels({ mode }); } catch (error) { console.log(`gpujs ${mode} (async): unavailable (${(error as Error).message})`); continue; }
    for (const w of workloads) {
      const { ms, result } = await medianMs(() => w.async(kernels));
      report(w, `gpujs ${mode} (async)`, ms, baseline.get(w)!.ms, maxAbsDiff(result, baseline.get(w)!.result));
    }
    await kernels.destroy();
  }
}

await main();

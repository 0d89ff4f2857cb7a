/**
 * The `wasm` backend's thread-safety stress workload, shared by tests/tensor/wasm-stress.test.ts
 * (seconds) and scripts/wasm-stress.ts (minutes): seeded random kernel calls of mixed sizes and
 * kinds (matmul with transposes and shared batches, the three convolutions, the median, an
 * element-wise map between them), each run on a two-thread backend and on a one-thread backend and
 * compared bit for bit. Sizes climb through a run, so the heap keeps growing between jobs, and
 * fresh runtimes grow it while their helper thread is still starting (the issue-14 trap: V8 hides
 * such a growth from the starting worker, whose atomic chunk claim then traps out of bounds).
 * A trap is counted, not thrown, so the long script can report traps and mismatches separately.
 * @module
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { platform, setPlatform, type HelperThread } from '../../src/platform/index.js';
import type { Backend, Conv2dSpec, MatmulSpec } from '../../src/tensor/backend.js';
import { createWasmBackend } from '../../src/tensor/backends/wasm/index.js';
import { workerLoop } from '../../src/tensor/backends/wasm/worker.js';
import { Rng } from '../../src/tensor/random.js';
import { randomF32 } from './float32.js';

/** Every call through wasm, and split over the threads wherever it can be. */
export const FORCED = { minElements: 0, minWork: 0, parallelMinWork: 0 } as const;

/** One kernel call: its label and how to run it on a backend (results as flat arrays). */
export interface StressJob { label: string; run(backend: Backend): ArrayLike<number>[] }

/** Tallies of a stress run. */
export interface StressTally { jobs: number; traps: number; mismatches: number; messages: string[] }

const int = (rng: Rng, lo: number, hi: number): number => lo + rng.int(hi - lo + 1);

function matmulJob(rng: Rng, size: number): StressJob {
  const m = int(rng, 1, size), n = int(rng, 1, size), k = int(rng, 1, size), batch = int(rng, 1, 3);
  const shareA = rng.next() < 0.3, shareB = rng.next() < 0.3;
  const spec: MatmulSpec = { batch, m, n, k, transA: rng.next() < 0.5, transB: rng.next() < 0.5,
    aBatchStride: shareA ? 0 : m * k, bBatchStride: shareB ? 0 : k * n };
  const a = randomF32(shareA ? m * k : batch * m * k, rng), b = randomF32(shareB ? k * n : batch * k * n, rng);
  return { label: `matmul ${JSON.stringify(spec)}`, run: (be) => [be.matmul(a, b, spec)] };
}

function convSpec(rng: Rng, size: number): Conv2dSpec {
  const kernel = int(rng, 1, 4), stride = int(rng, 1, 2), pad = int(rng, 0, kernel - 1);
  const inHeight = int(rng, kernel, Math.max(kernel, Math.min(28, size))), inWidth = int(rng, kernel, Math.max(kernel, Math.min(28, size)));
  const out = (d: number): number => Math.floor((d + 2 * pad - kernel) / stride) + 1;
  return { batch: int(rng, 1, Math.max(2, size >> 1)), inChannels: int(rng, 1, 8), outChannels: int(rng, 1, 12), inHeight, inWidth,
    kernelHeight: kernel, kernelWidth: kernel, stride: [stride, stride], padding: [pad, pad], outHeight: out(inHeight), outWidth: out(inWidth) };
}

/** conv2dWeightGrad on two threads sums each thread's half of the batch, then adds the halves: the same on one thread. */
function weightGradByHalves(be: Backend, x: Float32Array, dy: Float32Array, s: Conv2dSpec): Float32Array {
  if (s.batch < 2 || be.name !== 'wasm-1') return be.conv2dWeightGrad(x, dy, s) as Float32Array;
  const half = Math.floor(s.batch / 2), xImage = s.inChannels * s.inHeight * s.inWidth, yImage = s.outChannels * s.outHeight * s.outWidth;
  const first = be.conv2dWeightGrad(x.subarray(0, half * xImage), dy.subarray(0, half * yImage), { ...s, batch: half });
  const second = be.conv2dWeightGrad(x.subarray(half * xImage), dy.subarray(half * yImage), { ...s, batch: s.batch - half });
  return Float32Array.from(first, (v, i) => v + second[i]!);
}

function convJob(rng: Rng, size: number): StressJob {
  const s = convSpec(rng, size);
  const x = randomF32(s.batch * s.inChannels * s.inHeight * s.inWidth, rng);
  const w = randomF32(s.outChannels * s.inChannels * s.kernelHeight * s.kernelWidth, rng);
  const y = randomF32(s.batch * s.outChannels * s.outHeight * s.outWidth, rng);
  const kind = rng.int(3);
  const label = `${['conv2d', 'conv2dTranspose', 'conv2dWeightGrad'][kind]} ${JSON.stringify(s)}`;
  if (kind === 0) return { label, run: (be) => [be.conv2d(x, w, s)] };
  if (kind === 1) return { label, run: (be) => [be.conv2dTranspose(y, w, s)] };
  return { label, run: (be) => [weightGradByHalves(be, x, y, s)] };
}

function medianJob(rng: Rng, size: number): StressJob {
  const shape = [int(rng, 1, 4), int(rng, 1, Math.max(1, size)), int(rng, 1, 4 * size)];
  const x = randomF32(shape[0]! * shape[1]! * shape[2]!, rng);
  if (rng.next() < 0.2) x[rng.int(x.length)] = x[0]!;
  const axis = rng.int(3), absolute = rng.next() < 0.5;
  return { label: `median ${JSON.stringify({ shape, axis, absolute })}`, run: (be) => {
    const { values, indices } = be.median(x, shape, axis, absolute);
    return [values, indices];
  } };
}

function mapJob(rng: Rng, size: number): StressJob {
  const a = randomF32(int(rng, 1, 64 * size), rng), b = randomF32(a.length, rng);
  return { label: `binary mul [${a.length}]`, run: (be) => [be.binary('mul', a, [a.length], b, [b.length], [a.length])] };
}

/** The `i`-th job of a run seeded `seed`; sizes (up to about `maxSize`) climb with `progress` in [0, 1]. */
export function stressJob(rng: Rng, progress: number, maxSize: number): StressJob {
  const size = Math.max(2, Math.round(4 + progress * (maxSize - 4) * (0.25 + 0.75 * rng.next())));
  const pick = rng.next();
  if (pick < 0.4) return matmulJob(rng, size);
  if (pick < 0.75) return convJob(rng, size);
  if (pick < 0.9) return medianJob(rng, size);
  return mapJob(rng, size);
}

/** Whether two results are the same bit for bit (NaN equals NaN, −0 differs from +0). */
function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Runs `job` on `two` (the backend under test) and `one` (one thread) and adds the outcome to `tally`. */
export function checkJob(job: StressJob, two: Backend, one: Backend, tally: StressTally): void {
  tally.jobs++;
  let got: ArrayLike<number>[];
  try {
    got = job.run(two);
  } catch (error) {
    tally.traps++;
    tally.messages.push(`${job.label}: ${(error as Error).message}`);
    return;
  }
  const want = job.run(one);
  if (!want.every((w, i) => sameBits(got[i]!, w))) {
    tally.mismatches++;
    tally.messages.push(`${job.label}: two threads differ from one`);
  }
}

/** A fresh one-thread backend (named `wasm-1` so {@link weightGradByHalves} knows to split). */
export function oneThread(): Backend {
  return { ...createWasmBackend({ threads: 1, ...FORCED }), name: 'wasm-1' };
}

/** Runs `jobs` seeded jobs on one fresh two-thread backend against `one`; sizes climb to `maxSize`. */
export function stressRun(seed: number, jobs: number, maxSize: number, one: Backend, tally: StressTally): void {
  const rng = new Rng(seed);
  const two = createWasmBackend({ threads: 2, ...FORCED });
  for (let i = 0; i < jobs; i++) checkJob(stressJob(rng, (i + 1) / jobs, maxSize), two, one, tally);
}

/** An empty tally. */
export const emptyTally = (): StressTally => ({ jobs: 0, traps: 0, mismatches: 0, messages: [] });

/** A product big enough (m = n = k = `size`) to grow a fresh heap past its first 4 MiB. */
export function bigMatmul(seed: number, size: number): StressJob {
  const rng = new Rng(seed);
  const spec: MatmulSpec = { batch: 1, m: size, n: size, k: size, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  const a = randomF32(size * size, rng), b = randomF32(size * size, rng);
  return { label: `matmul ${size}³`, run: (be: Backend) => [be.matmul(a, b, spec)] };
}

/**
 * A transposed convolution on `batch` images 8×7×7 → 4×14×14 (batch 2000: about 9 MB, so it grows
 * a fresh heap); its `memory.fill` of the padded buffer is bounds-checked against the worker's view
 * of the memory at every tier (the matmul's atomic claim only before V8 tiers the module up).
 */
export function bigConvTranspose(seed: number, batch: number): StressJob {
  const rng = new Rng(seed);
  const s: Conv2dSpec = { batch, inChannels: 4, outChannels: 8, inHeight: 14, inWidth: 14, kernelHeight: 4, kernelWidth: 4,
    stride: [2, 2], padding: [1, 1], outHeight: 7, outWidth: 7 };
  const y = randomF32(batch * 8 * 49, rng), w = randomF32(8 * 4 * 16, rng);
  return { label: `conv2dTranspose N=${batch}`, run: (be: Backend) => [be.conv2dTranspose(y, w, s)] };
}

/** Busy-waits `ms` milliseconds (the helper thread works meanwhile). */
export const spin = (ms: number): void => {
  for (const end = performance.now() + ms; performance.now() < end;);
};

/** A Node worker running the real helper loop once a message brings its slot (as a Web Worker gets it). */
const messageWorkerSource = `const { parentPort } = require('node:worker_threads');
parentPort.once('message', ({ module, memory, control, slot }) => {
${workerLoop}
});`;

let pad: object[] | null = null;

/**
 * One round of the engine race behind issue 14's trap, with its window widened: a helper thread
 * (the real loop) gets its memory in a message after a large value, so V8 takes the memory's buffer
 * length well before it registers the worker for growth notices; the heap grows in between (a
 * transposed convolution on a fresh runtime), and the job then runs above the old end.
 */
export async function hiddenGrowthRound(seed: number, one: Backend, tally: StressTally): Promise<void> {
  const worker = new Worker(messageWorkerSource, { eval: true });
  await once(worker, 'online');
  worker.unref();
  const startWasmThread = (module: unknown, memory: unknown, control: SharedArrayBuffer, slot: number): HelperThread => {
    worker.postMessage({ pad: (pad ??= Array.from({ length: 100_000 }, (_, i) => ({ i }))), module, memory, control, slot });
    return { onError: (listener) => void worker.on('error', listener) };
  };
  const previous = setPlatform({ ...platform(), startWasmThread });
  try {
    const two = createWasmBackend({ threads: 2, ...FORCED });
    two.unary('neg', new Float32Array(8)); // starts the runtime: the helper now deserializes pad, then the memory
    spin(20);
    checkJob(bigConvTranspose(seed, 2000), two, one, tally); // grows the heap inside that window
    checkJob(bigMatmul(seed, 640), two, one, tally);
  } finally {
    setPlatform(previous);
  }
}

/**
 * Kernel benchmark of the `wasm` backend against `js` and the recorded PyTorch + OpenBLAS numbers
 * (../shared/bench/pytorch-reference.json, kernels_openblas_2threads): matmul 512³ and 1024³ in
 * GFLOP/s, and the three convolutions of the Fashion-MNIST model at N = 5000, each the median of
 * at least 3 runs after a warm-up, on js and on wasm with 1 and 2 threads. Every time includes
 * copying the operands into wasm memory and the result out; the copy alone is reported too.
 *
 *   npx tsx scripts/bench-kernels-wasm.ts [--runs 5] [--skip-js] [--skip-js-conv]
 *
 * Targets (issue 5): matmul 1024³ ≥ 40 GFLOP/s, conv_transpose2d 32→16 N=5000 ≤ 180 ms.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend, Conv2dSpec, MatmulSpec } from '../src/tensor/backend.js';
import { jsBackend } from '../src/tensor/backends/js/index.js';
import { createWasmBackend } from '../src/tensor/backends/wasm/index.js';
import { WasmRuntime } from '../src/tensor/backends/wasm/runtime.js';
import { Rng } from '../src/tensor/random.js';

const args = process.argv.slice(2);
const runs = Math.max(3, Number(args[args.indexOf('--runs') + 1]) || 3);
const skipJs = args.includes('--skip-js');
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const referencePath = path.resolve(repoRoot, '..', 'shared', 'bench', 'pytorch-reference.json');
const reference: Record<string, number> = existsSync(referencePath)
  ? (JSON.parse(readFileSync(referencePath, 'utf8')) as { kernels_openblas_2threads: Record<string, number> }).kernels_openblas_2threads
  : {};
if (!existsSync(referencePath)) console.log(`(no ${referencePath}: ratios to PyTorch are not printed)`);

const rng = new Rng(5);
function randomF32(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform() * 2 - 1;
  return out;
}

/** Fastest wall time of the last {@link medianMs} call (closest to a quiet machine when others share it). */
let lastMinMs = 0;

/** Median wall time in ms of `runs` calls after one warm-up call. */
function medianMs(fn: () => unknown): number {
  fn();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  lastMinMs = times[0]!;
  return times[Math.floor(times.length / 2)]!;
}

const backends: Array<[string, Backend]> = [
  ...(skipJs ? [] : [['js', jsBackend] as [string, Backend]]),
  ['wasm 1 thread', createWasmBackend({ threads: 1 })],
  ['wasm 2 threads', createWasmBackend({ threads: 2 })],
];

/** Median ms of copying `inputs` into wasm memory and `outputSize` floats out (what every wasm call pays). */
function copyMs(inputs: readonly Float32Array[], outputSize: number): number {
  const rt = new WasmRuntime(1);
  return medianMs(() => {
    rt.reset();
    for (const x of inputs) rt.put(x);
    rt.read(rt.alloc(4 * outputSize), outputSize);
  });
}

function benchMatmul(size: number): void {
  const spec: MatmulSpec = { batch: 1, m: size, n: size, k: size, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  const a = randomF32(size * size), b = randomF32(size * size);
  const flops = 2 * size ** 3;
  for (const [name, backend] of backends) {
    const gflops = flops / medianMs(() => backend.matmul(a, b, spec)) / 1e6;
    const best = flops / lastMinMs / 1e6;
    const ref = size === 1024 ? reference.matmul_1024_gflops : undefined;
    const ratio = ref ? `  (${(gflops / ref).toFixed(3)} of PyTorch's ${ref})` : '';
    console.log(`matmul ${size}³  ${name.padEnd(15)} ${gflops.toFixed(1).padStart(7)} GFLOP/s (best ${best.toFixed(1)})${ratio}`);
  }
  console.log(`matmul ${size}³  copies in+out   ${copyMs([a, b], size * size).toFixed(1).padStart(7)} ms (part of the wasm times above)`);
}

function convSpec(c: number, o: number, hw: number): Conv2dSpec {
  const out = Math.floor((hw + 2 - 4) / 2) + 1;
  return { batch: 5000, inChannels: c, outChannels: o, inHeight: hw, inWidth: hw, kernelHeight: 4, kernelWidth: 4,
    stride: [2, 2], padding: [1, 1], outHeight: out, outWidth: out };
}

type ConvKind = 'conv2d' | 'conv2dTranspose';
function benchConv(label: string, kind: ConvKind, s: Conv2dSpec, refKey: string): void {
  const inputSize = kind === 'conv2d' ? s.batch * s.inChannels * s.inHeight * s.inWidth : s.batch * s.outChannels * s.outHeight * s.outWidth;
  const outputSize = kind === 'conv2d' ? s.batch * s.outChannels * s.outHeight * s.outWidth : s.batch * s.inChannels * s.inHeight * s.inWidth;
  const input = randomF32(inputSize);
  const weight = randomF32(s.outChannels * s.inChannels * s.kernelHeight * s.kernelWidth);
  const ref = reference[refKey];
  for (const [name, backend] of backends) {
    if (name === 'js' && args.includes('--skip-js-conv')) continue;
    const ms = medianMs(() => backend[kind](input, weight, s));
    const ratio = ref ? `  (${(ms / ref).toFixed(2)}× PyTorch's ${ref} ms)` : '';
    console.log(`${label}  ${name.padEnd(15)} ${ms.toFixed(1).padStart(8)} ms (best ${lastMinMs.toFixed(1)})${ratio}`);
  }
  console.log(`${label}  copies in+out   ${copyMs([input, weight], outputSize).toFixed(1).padStart(8)} ms (part of the wasm times above)`);
}

const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
console.log(`median (and best) of ${runs} runs after a warm-up; wasm times include copies into and out of wasm memory; load average ${load}`);
benchMatmul(512);
benchMatmul(1024);
benchConv('conv2d 16→32 k4s2p1 N=5000 14×14          ', 'conv2d', convSpec(16, 32, 14), 'conv2d_16to32_k4s2p1_N5000_ms');
benchConv('conv_transpose2d 32→16 k4s2p1 N=5000 7×7   ', 'conv2dTranspose', convSpec(16, 32, 14), 'conv_transpose2d_32to16_k4s2p1_N5000_ms');
benchConv('conv2d 1→16 k4s2p1 N=5000 28×28           ', 'conv2d', convSpec(1, 16, 28), 'conv2d_1to16_k4s2p1_N5000_ms');

/**
 * The `wasm` products and convolutions on both builds of the kernel module, the plain one and the
 * relaxed-SIMD one (fused multiply-add in the 4×8 tile), against `js` on the same float32 inputs
 * within the float32 bound 2·(depth + 2)·2⁻²⁴·(|A|·|B|) (see wasm.test.ts). The shapes reach every
 * packing path of assembly/pack.ts (lanes adjacent in memory, depth in runs of 4 with a 4×4
 * transpose, two runs of 4 columns, scalar gathers, partial strips) and the convolution paths (a
 * group of several images, one image written straight into the output, kernel rows of 4 and of
 * other widths, padding). Also: how products are cut between threads, and the build switch.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Conv2dSpec, MatmulSpec } from '../../src/tensor/backend.js';
import { jsBackend as js } from '../../src/tensor/backends/js/index.js';
import { wasmConv2d, wasmConv2dTranspose, wasmConv2dWeightGrad } from '../../src/tensor/backends/wasm/conv.js';
import { matmulChunking, wasmMatmul } from '../../src/tensor/backends/wasm/matmul.js';
import { WasmRuntime } from '../../src/tensor/backends/wasm/runtime.js';
import { Rng } from '../../src/tensor/random.js';
import { abs64, assertWithinBound, checkConvs as checkConvsAgainstJs, randomF32 } from '../helpers/float32.js';

const plain = new WasmRuntime(2, false);
const fused = new WasmRuntime(2, true);
const runtimes: Array<[string, WasmRuntime]> = [['plain build', plain], [fused.fused ? 'fused build' : 'fused build (engine refused it: plain)', fused]];

function checkMatmul(spec: MatmulSpec, seed: number): void {
  const rng = new Rng(seed);
  const a = randomF32(spec.aBatchStride ? spec.batch * spec.aBatchStride : spec.m * spec.k, rng);
  const b = randomF32(spec.bBatchStride ? spec.batch * spec.bBatchStride : spec.k * spec.n, rng);
  const expected = js.matmul(a, b, spec) as Float32Array, bound = js.matmul(abs64(a), abs64(b), spec);
  for (const [name, rt] of runtimes) assertWithinBound(wasmMatmul(rt, a, b, spec, 0), expected, bound, spec.k, `${JSON.stringify(spec)} ${name}`);
}

test('matmul on both builds: depth in runs of 4 or not, every transpose, cut by rows, columns or batch', () => {
  const one = { batch: 1, aBatchStride: 0, bBatchStride: 0 };
  let seed = 1;
  for (const [m, n, k] of [[37, 45, 64], [37, 45, 66], [9, 301, 260], [203, 21, 517], [6, 70, 4]] as const) {
    for (const transA of [false, true]) for (const transB of [false, true]) checkMatmul({ ...one, m, n, k, transA, transB }, seed++);
  }
  checkMatmul({ batch: 5, m: 33, n: 40, k: 52, transA: true, transB: false, aBatchStride: 33 * 52, bBatchStride: 0 }, seed++);
});

test('matmulChunking cuts the longer of m and n, so each thread packs the smaller operand whole', () => {
  const spec = (m: number, n: number, k: number, batch = 1): MatmulSpec => ({ batch, m, n, k, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 });
  assert.equal(matmulChunking({ ...spec(100, 1568, 2500), transA: true }, 2, 0), { rowsPer: 100, colsPer: 200, threads: 2 });
  assert.equal(matmulChunking({ ...spec(2500, 100, 1568), transB: true }, 2, 0), { rowsPer: 316, colsPer: 100, threads: 2 });
  assert.equal(matmulChunking(spec(1024, 1024, 1024), 2, 0), { rowsPer: 128, colsPer: 1024, threads: 2 });
  assert.equal(matmulChunking(spec(10, 3136, 1, 50), 2, 0), { rowsPer: 10, colsPer: 3136, threads: 2 });
  assert.equal(matmulChunking(spec(12, 20, 30), 2, 0), { rowsPer: 12, colsPer: 20, threads: 1 });
  assert.equal(matmulChunking(spec(100, 1568, 2500), 2, 1e12), { rowsPer: 100, colsPer: 1568, threads: 1 });
});

function checkConvs(s: Conv2dSpec, seed: number, label: string): void {
  checkConvsAgainstJs(s, new Rng(seed), label, runtimes.map(([name, rt]) => [name, {
    conv2d: (x, w, spec) => wasmConv2d(rt, x, w, spec, 0),
    conv2dTranspose: (y, w, spec) => wasmConv2dTranspose(rt, y, w, spec, 0),
    conv2dWeightGrad: (x, dy, spec) => wasmConv2dWeightGrad(rt, x, dy, spec, 0),
  }] as const));
}

/** The spec of a square convolution (output size from the usual formula). */
function conv(batch: number, c: number, o: number, size: number, kernel: number, stride: number, pad: number): Conv2dSpec {
  const out = Math.floor((size + 2 * pad - kernel) / stride) + 1;
  return { batch, inChannels: c, outChannels: o, inHeight: size, inWidth: size, kernelHeight: kernel, kernelWidth: kernel,
    stride: [stride, stride], padding: [pad, pad], outHeight: out, outWidth: out };
}

test('convolutions on both builds: model shapes, one-image groups, kernel widths 4 and not, padding', () => {
  checkConvs(conv(11, 16, 32, 14, 4, 2, 1), 1, 'k4 s2 p1 16->32 (groups of 8 images)');
  checkConvs(conv(5, 1, 16, 28, 4, 2, 1), 2, 'k4 s2 p1 1->16');
  checkConvs(conv(3, 2, 5, 20, 3, 1, 1), 3, 'k3 s1 p1 on 20x20 (400 pixels: one image per group)');
  checkConvs(conv(4, 3, 6, 12, 4, 1, 0), 4, 'k4 s1 p0');
  checkConvs(conv(7, 3, 9, 9, 5, 2, 2), 5, 'k5 s2 p2');
  checkConvs({ ...conv(4, 2, 3, 9, 4, 2, 1), outHeight: 4, outWidth: 4 }, 6, 'output smaller than the input covers');
});

test('conv2dWeightGrad is bit-identical from run to run on both builds (fixed image ranges, fixed sum order)', () => {
  const rng = new Rng(7);
  const s = conv(37, 16, 32, 14, 4, 2, 1);
  const x = randomF32(37 * 16 * 196, rng), dy = randomF32(37 * 32 * 49, rng);
  for (const [name, rt] of runtimes) {
    const first = wasmConv2dWeightGrad(rt, x, dy, s, 0);
    for (let run = 0; run < 5; run++) assert.equal(wasmConv2dWeightGrad(rt, x, dy, s, 0), first, `${name}: run ${run} differs`);
  }
});

test('the plain build is used when asked for, or when RELAXJS_WASM_FMA=0', () => {
  assert.is(plain.fused, false);
  const saved = process.env.RELAXJS_WASM_FMA;
  process.env.RELAXJS_WASM_FMA = '0';
  try {
    assert.is(new WasmRuntime(1).fused, false);
  } finally {
    if (saved === undefined) delete process.env.RELAXJS_WASM_FMA;
    else process.env.RELAXJS_WASM_FMA = saved;
  }
});

test.run();

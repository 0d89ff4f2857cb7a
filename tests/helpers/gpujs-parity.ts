// The gpujs parity cases run on real GPU APIs: in Chromium (tests/browser/gpujs-page.ts) in `webgl2`
// (the synchronous backend) or `webgpu` (the async matmul / conv2d) mode, and in Node through the
// `webgpu` package (tests/helpers/webgpu-node.ts), against the js reference on the same seeded
// inputs; each case gives the largest error on finite values and whether NaN / ±Inf agree with js.
import type { Backend, BinaryOp, Conv2dSpec, MatmulSpec, UnaryOp } from '../../src/tensor/backend.js';
import { createGpujsAsyncKernels } from '../../src/tensor/backends/gpujs/index.js';
import { jsBackend } from '../../src/tensor/backends/js/index.js';
import { Rng } from '../../src/tensor/random.js';
import type { TypedArray } from '../../src/tensor/dtype.js';

/** One compared kernel call. */
export interface ParityCase { name: string; maxAbs: number; maxRel: number; scale: number; nanAgree: boolean; length: number }

const random = (n: number, seed: number, lo = -2, hi = 2): Float32Array => new Rng(seed).fillUniform(new Float32Array(n), lo, hi);
const SPECIAL = Float32Array.from([NaN, -Infinity, Infinity, 0, -0, 1, -1, 0.5, -2.5, 3e-3, 80, -80]);

function compare(name: string, got: TypedArray, want: TypedArray): ParityCase {
  let maxAbs = 0, maxRel = 0, scale = 0, nanAgree = got.length === want.length;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (Number.isNaN(w) || Number.isNaN(g)) { nanAgree &&= Number.isNaN(w) === Number.isNaN(g); continue; }
    if (!Number.isFinite(w) || !Number.isFinite(g)) { nanAgree &&= g === w; continue; }
    scale = Math.max(scale, Math.abs(w));
    maxAbs = Math.max(maxAbs, Math.abs(g - w));
    maxRel = Math.max(maxRel, Math.abs(g - w) / Math.max(1e-6, Math.abs(w)));
  }
  return { name, maxAbs, maxRel, scale, nanAgree, length: want.length };
}

const MATMUL: MatmulSpec = { batch: 2, m: 33, n: 47, k: 65, transA: false, transB: true, aBatchStride: 33 * 65, bBatchStride: 0 };
const CONV: Conv2dSpec = { batch: 2, inChannels: 3, outChannels: 4, inHeight: 12, inWidth: 12, kernelHeight: 4, kernelWidth: 4, stride: [2, 2], padding: [1, 1], outHeight: 6, outWidth: 6 };
const convSizes = { x: 2 * 3 * 12 * 12, w: 4 * 3 * 4 * 4, y: 2 * 4 * 6 * 6 };

/** The synchronous backend's kernels (webgl2). */
export function syncCases(gpu: Backend): ParityCase[] {
  const out: ParityCase[] = [];
  const unary: UnaryOp[] = ['neg', 'abs', 'relu', 'exp', 'log', 'sqrt', 'square', 'sign', 'step', 'reciprocal'];
  const x = random(1000, 1, 0.1, 3);
  for (const op of unary) out.push(compare(`unary ${op}`, gpu.unary(op, x), jsBackend.unary(op, x)));
  for (const op of unary) out.push(compare(`unary ${op} (NaN, ±Inf, ±0)`, gpu.unary(op, SPECIAL), jsBackend.unary(op, SPECIAL)));
  const a = random(4 * 1 * 5, 2), b = random(1 * 3 * 5, 3);
  for (const op of ['add', 'sub', 'mul', 'div', 'max', 'min'] as BinaryOp[]) {
    out.push(compare(`binary ${op} [4,1,5]x[1,3,5]`, gpu.binary(op, a, [4, 1, 5], b, [1, 3, 5], [4, 3, 5]), jsBackend.binary(op, a, [4, 1, 5], b, [1, 3, 5], [4, 3, 5])));
  }
  const r = random(6 * 7 * 8, 4);
  for (const op of ['sum', 'max', 'min'] as const) for (const axis of [0, 1, 2]) out.push(compare(`reduce ${op} axis ${axis}`, gpu.reduce(op, r, [6, 7, 8], axis), jsBackend.reduce(op, r, [6, 7, 8], axis)));
  out.push(compare('sumToShape [6,7,8] -> [1,7,1]', gpu.sumToShape(r, [6, 7, 8], [1, 7, 1]), jsBackend.sumToShape(r, [6, 7, 8], [1, 7, 1])));
  const ma = random(2 * 33 * 65, 5), mb = random(47 * 65, 6);
  out.push(compare('matmul batch 2, 33x65 @ (47x65)^T', gpu.matmul(ma, mb, MATMUL), jsBackend.matmul(ma, mb, MATMUL)));
  const cx = random(convSizes.x, 7), cw = random(convSizes.w, 8), cy = random(convSizes.y, 9);
  out.push(compare('conv2d 3->4, 4x4 stride 2 pad 1', gpu.conv2d(cx, cw, CONV), jsBackend.conv2d(cx, cw, CONV)));
  out.push(compare('conv2dTranspose', gpu.conv2dTranspose(cy, cw, CONV), jsBackend.conv2dTranspose(cy, cw, CONV)));
  out.push(compare('conv2dWeightGrad', gpu.conv2dWeightGrad(cx, cy, CONV), jsBackend.conv2dWeightGrad(cx, cy, CONV)));
  return out;
}

/** The async (WebGPU) kernels: matmul and conv2d. */
export async function webgpuCases(): Promise<{ cases: ParityCase[]; fallbacks: string[] }> {
  const kernels = await createGpujsAsyncKernels({ mode: 'webgpu' });
  try {
    const ma = random(2 * 33 * 65, 5), mb = random(47 * 65, 6);
    const cx = random(convSizes.x, 7), cw = random(convSizes.w, 8);
    const nan = Float32Array.from(ma, (v, i) => (i === 5 ? NaN : v));
    const cases = [
      compare('matmul batch 2, 33x65 @ (47x65)^T', await kernels.matmul(ma, mb, MATMUL), jsBackend.matmul(ma, mb, MATMUL)),
      compare('matmul with a NaN in A', await kernels.matmul(nan, mb, MATMUL), jsBackend.matmul(nan, mb, MATMUL)),
      compare('conv2d 3->4, 4x4 stride 2 pad 1', await kernels.conv2d(cx, cw, CONV), jsBackend.conv2d(cx, cw, CONV)),
    ];
    return { cases, fallbacks: kernels.stats().fallbacks };
  } finally {
    await kernels.destroy();
  }
}


/**
 * Accuracy of the `wasm` float32 sums against the exact result (float64 arithmetic on the same
 * float32 inputs: every product of two float32 values is exact in float64, and the float64 sum's
 * own error, about k·2⁻⁵³·Σ|terms|, is 2²⁹ times below the float32 bound). Two checks per kernel:
 * - the a-priori bound of any summation order (Higham, Accuracy and Stability, §3.1):
 *   |fl(Σ aᵢbᵢ) − Σ aᵢbᵢ| ≤ γₙ·Σ|aᵢbᵢ|, γₙ = n·u/(1 − n·u), u = 2⁻²⁴, n = terms per output;
 * - the typical error (Higham & Mary 2019, probabilistic bound): mean over the outputs of
 *   |error| / (u·Σ|terms|) ≤ √n. Float32 summation measured 0.1–1.1 here (js's too); errors that
 *   grow like the worst case n·u, a lost or doubled term, or a coarser accumulator land far above.
 * Dot products are ill-conditioned on purpose (condition Σ|aᵢbᵢ| / |Σ aᵢbᵢ| about 10⁶–10⁸), so
 * cancellation is present, as in the bounds of a small ε where u and ℓ nearly agree.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend, Conv2dSpec, MatmulSpec } from '../../src/tensor/backend.js';
import { jsBackend as js } from '../../src/tensor/backends/js/index.js';
import { rowDot as jsRowDot } from '../../src/tensor/backends/js/row-dot.js';
import { createWasmBackend } from '../../src/tensor/backends/wasm/index.js';
import { Rng } from '../../src/tensor/random.js';

const U = 2 ** -24;
const forced = { minElements: 0, minWork: 0, parallelMinWork: 0 };
const backends: Array<[string, Backend]> = [
  ['1 thread', createWasmBackend({ threads: 1, ...forced })],
  ['2 threads', createWasmBackend({ threads: 2, ...forced })],
];

const gamma = (n: number): number => (n * U) / (1 - n * U);
const f64 = (x: Float32Array): Float64Array => Float64Array.from(x);
const abs64 = (x: Float32Array): Float64Array => Float64Array.from(x, Math.abs);

/**
 * Why `got` is not accurate enough against `exact` (n terms per output, Σ|terms| in `scale`), or
 * null: an element past γₙ·Σ|terms|, or a mean error past √n·u·Σ|terms|.
 */
function accuracyProblem(got: ArrayLike<number>, exact: ArrayLike<number>, scale: ArrayLike<number>, n: number): string | null {
  if (got.length !== exact.length) return `length ${got.length}, expected ${exact.length}`;
  let mean = 0;
  for (let i = 0; i < exact.length; i++) {
    const error = Math.abs(got[i]! - exact[i]!);
    if (!(error <= gamma(n) * scale[i]!)) return `element ${i}: ${got[i]} vs exact ${exact[i]} (error ${error} > γ_${n}·Σ|terms| = ${gamma(n) * scale[i]!})`;
    mean += scale[i]! > 0 ? error / (U * scale[i]!) / exact.length : 0;
  }
  return mean <= Math.sqrt(n) ? null : `mean error ${mean.toFixed(3)} u·Σ|terms| > √${n}`;
}

function assertAccurate(got: ArrayLike<number>, exact: ArrayLike<number>, scale: ArrayLike<number>, n: number, label: string): void {
  const problem = accuracyProblem(got, exact, scale, n);
  if (problem !== null) assert.unreachable(`${label}: ${problem}`);
}

/**
 * A [m, k] and B [k, n] whose every product row·column cancels: k/2 random pairs (a, b) with
 * random exponents, each met by (−a, b·(1 + δ)), |δ| ≤ 2⁻²⁰, at shuffled positions (so pairs
 * fall in different lanes and depth blocks).
 */
function cancellingFactors(m: number, n: number, k: number, rng: Rng): { a: Float32Array; b: Float32Array } {
  const a = new Float32Array(m * k), b = new Float32Array(k * n);
  const order = rng.permutation(k), half = k >> 1;
  const value = (): number => rng.uniform(-1, 1) * 2 ** Math.round(rng.uniform(-6, 6));
  for (let t = 0; t < half; t++) {
    const p = order[t]!, q = order[t + half]!;
    for (let i = 0; i < m; i++) { a[i * k + p] = value(); a[i * k + q] = -a[i * k + p]!; }
    for (let j = 0; j < n; j++) { b[p * n + j] = value(); b[q * n + j] = b[p * n + j]! * (1 + rng.uniform(-1, 1) * 2 ** -20); }
  }
  if (k % 2 === 1) { for (let i = 0; i < m; i++) a[i * k + order[k - 1]!] = value() * 2 ** -30; for (let j = 0; j < n; j++) b[order[k - 1]! * n + j] = value(); }
  return { a, b };
}

/** The [rows, cols] matrix transposed. */
function transposed(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c]!;
  return out;
}

test('the check catches a lost term, a 3-digit accumulator and errors that grow like the worst case', () => {
  const x = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i + 1)), ones = new Float32Array(300).fill(1);
  const spec = { batch: 1, m: 1, n: 1, k: 300, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  const exact = js.matmul(f64(x), f64(ones), spec), scale = js.matmul(abs64(x), abs64(ones), spec);
  assert.is(accuracyProblem(Float64Array.of(Math.fround(exact[0]!)), exact, scale, 300), null, 'correctly rounded');
  assert.match(accuracyProblem(Float64Array.of(exact[0]! - x[17]!), exact, scale, 300) ?? '', /γ_300/, 'lost term');
  let coarse = 0;
  for (const v of x) coarse = Number((coarse + v).toPrecision(3));
  assert.match(accuracyProblem(Float64Array.of(coarse), exact, scale, 300) ?? '', /γ_300/, 'coarse accumulator');
  const worstCaseGrowth = Array.from(exact, (v, i) => v + 0.5 * gamma(300) * scale[i]!);
  assert.match(accuracyProblem(worstCaseGrowth, exact, scale, 300) ?? '', /mean error/, 'errors growing like n·u');
});

test('matmul: ill-conditioned products, k across the 256-deep blocks, every transpose, 1 and 2 threads', () => {
  const rng = new Rng(3);
  for (const [m, n, k] of [[5, 3, 37], [12, 21, 600], [9, 40, 1031]] as const) {
    const { a, b } = cancellingFactors(m, n, k, rng);
    const plain: MatmulSpec = { batch: 1, m, n, k, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
    const exact = js.matmul(f64(a), f64(b), plain), scale = js.matmul(abs64(a), abs64(b), plain);
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const opA = transA ? transposed(a, m, k) : a, opB = transB ? transposed(b, k, n) : b;
      for (const [name, backend] of backends) {
        assertAccurate(backend.matmul(opA, opB, { ...plain, transA, transB }), exact, scale, k, `${m}x${n}x${k} tA=${transA} tB=${transB} ${name}`);
      }
    }
  }
});

test('rowDot: ill-conditioned rows, every map, with and without w', () => {
  const rng = new Rng(4);
  const length = 777, rows = 16;
  const { a, b } = cancellingFactors(rows, 1, length, rng);
  const spec = { batch: 1, groups: 1, rows, length, xShared: false, wShared: false };
  for (const map of ['identity', 'relu', 'abs', 'square'] as const) {
    for (const w of [b, null]) {
      const exact = jsRowDot(f64(a), w && f64(w), spec, map);
      const scale = jsRowDot(map === 'identity' ? abs64(a) : f64(a), w && abs64(w), spec, map);
      for (const [name, backend] of backends) {
        assert.ok(backend.rowDot, `${name}: wasm implements rowDot`);
        assertAccurate(backend.rowDot(a, w, spec, map), exact, scale, length, `${map} ${w ? 'with' : 'without'} w ${name}`);
      }
    }
  }
});

test('conv2d, conv2dTranspose, conv2dWeightGrad on the model shapes: within γ of the exact sums', () => {
  const rng = new Rng(5);
  const k4s2p1 = { kernelHeight: 4, kernelWidth: 4, stride: [2, 2] as const, padding: [1, 1] as const };
  const specs: Conv2dSpec[] = [
    { batch: 6, inChannels: 1, outChannels: 4, inHeight: 8, inWidth: 8, kernelHeight: 3, kernelWidth: 3, stride: [1, 1], padding: [1, 1], outHeight: 8, outWidth: 8 },
    { batch: 6, inChannels: 4, outChannels: 8, inHeight: 8, inWidth: 8, ...k4s2p1, outHeight: 4, outWidth: 4 },
    { batch: 3, inChannels: 16, outChannels: 32, inHeight: 14, inWidth: 14, ...k4s2p1, outHeight: 7, outWidth: 7 },
  ];
  for (const s of specs) {
    const fill = (count: number): Float32Array => Float32Array.from({ length: count }, () => rng.uniform(-1, 1));
    const x = fill(s.batch * s.inChannels * s.inHeight * s.inWidth), w = fill(s.outChannels * s.inChannels * s.kernelHeight * s.kernelWidth);
    const y = fill(s.batch * s.outChannels * s.outHeight * s.outWidth);
    const fields = s.inChannels * s.kernelHeight * s.kernelWidth;
    const label = `N${s.batch} C${s.inChannels} O${s.outChannels} k${s.kernelHeight}`;
    for (const [name, backend] of backends) {
      assertAccurate(backend.conv2d(x, w, s), js.conv2d(f64(x), f64(w), s), js.conv2d(abs64(x), abs64(w), s), fields, `conv2d ${label} ${name}`);
      assertAccurate(backend.conv2dTranspose(y, w, s), js.conv2dTranspose(f64(y), f64(w), s), js.conv2dTranspose(abs64(y), abs64(w), s),
        s.outChannels * s.kernelHeight * s.kernelWidth, `conv2dTranspose ${label} ${name}`);
      assertAccurate(backend.conv2dWeightGrad(x, y, s), js.conv2dWeightGrad(f64(x), f64(y), s), js.conv2dWeightGrad(abs64(x), abs64(y), s),
        s.batch * s.outHeight * s.outWidth, `conv2dWeightGrad ${label} ${name}`);
    }
  }
});

test.run();

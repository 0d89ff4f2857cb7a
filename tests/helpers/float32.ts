/**
 * Float32 parity helpers for backends tested against `js`: seeded data, the float32 error bound of
 * a sum of `depth` products (both results err by at most depth·u·(|A|·|B|) from the exact value,
 * so they agree within 2·(depth + 2)·u·(|A|·|B|), with |A|·|B| the same op on absolute values in
 * float64), bit-for-bit equality, and the three convolutions of one spec checked at once.
 */
import * as assert from 'uvu/assert';
import type { Conv2dSpec } from '../../src/tensor/backend.js';
import { jsBackend as js } from '../../src/tensor/backends/js/index.js';
import type { Rng } from '../../src/tensor/random.js';

/** The float32 unit roundoff 2⁻²⁴. */
export const U = 2 ** -24;

/** `n` uniform samples in [−1, 1). */
export function randomF32(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

/** |x| in float64 (for the bound operand |A|·|B|). */
export const abs64 = (x: Float32Array): Float64Array => Float64Array.from(x, Math.abs);

/** Asserts |actual − expected| ≤ 2·(depth + 2)·u·bound element-wise, and a float32 result of the right length. */
export function assertWithinBound(actual: ArrayLike<number>, expected: Float32Array, bound: ArrayLike<number>, depth: number, label: string): void {
  assert.ok(actual instanceof Float32Array, `${label}: result is a Float32Array`);
  assert.is(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const tol = 2 * (depth + 2) * U * bound[i]! + 1e-30;
    const diff = Math.abs(actual[i]! - expected[i]!);
    if (!(diff <= tol)) assert.unreachable(`${label}: element ${i}: ${actual[i]} vs js ${expected[i]} (diff ${diff} > ${tol})`);
  }
}

/** Asserts the two arrays are equal bit for bit (NaN equals NaN; −0 differs from +0). */
export function assertSameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  assert.ok(actual instanceof Float32Array, `${label}: result is a Float32Array`);
  assert.is(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.unreachable(`${label}: element ${i}: ${actual[i]} vs js ${expected[i]}`);
  }
}

/** The three convolutions of an implementation under test (float32 in, float32 out). */
export interface ConvKernels {
  conv2d(x: Float32Array, w: Float32Array, s: Conv2dSpec): ArrayLike<number>;
  conv2dTranspose(y: Float32Array, w: Float32Array, s: Conv2dSpec): ArrayLike<number>;
  conv2dWeightGrad(x: Float32Array, dy: Float32Array, s: Conv2dSpec): ArrayLike<number>;
}

/** conv2d, its transpose and its weight gradient of every implementation against js on seeded data, within the bound. */
export function checkConvs(s: Conv2dSpec, rng: Rng, label: string, implementations: ReadonlyArray<readonly [string, ConvKernels]>): void {
  const x = randomF32(s.batch * s.inChannels * s.inHeight * s.inWidth, rng);
  const w = randomF32(s.outChannels * s.inChannels * s.kernelHeight * s.kernelWidth, rng);
  const y = randomF32(s.batch * s.outChannels * s.outHeight * s.outWidth, rng);
  const fields = s.inChannels * s.kernelHeight * s.kernelWidth;
  const forward = js.conv2d(x, w, s) as Float32Array, forwardBound = js.conv2d(abs64(x), abs64(w), s);
  const adjoint = js.conv2dTranspose(y, w, s) as Float32Array, adjointBound = js.conv2dTranspose(abs64(y), abs64(w), s);
  const grad = js.conv2dWeightGrad(x, y, s) as Float32Array, gradBound = js.conv2dWeightGrad(abs64(x), abs64(y), s);
  for (const [name, kernels] of implementations) {
    assertWithinBound(kernels.conv2d(x, w, s), forward, forwardBound, fields, `conv2d ${label} ${name}`);
    assertWithinBound(kernels.conv2dTranspose(y, w, s), adjoint, adjointBound, s.outChannels * fields, `conv2dTranspose ${label} ${name}`);
    assertWithinBound(kernels.conv2dWeightGrad(x, y, s), grad, gradBound, s.batch * s.outHeight * s.outWidth, `conv2dWeightGrad ${label} ${name}`);
  }
}

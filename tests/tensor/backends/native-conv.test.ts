/**
 * The native convolutions at small channel counts (native/conv-narrow.cc: a first layer's
 * conv2d, weight gradient and transpose on per-image panels; conv.cc's transpose along the
 * flattened phase plane for 4 ≤ C ≤ one vector) against `js` on random geometries larger than
 *  native.test.ts's (several pixel vectors per image, batches past the weight gradient's eight
 * fixed image ranges: batch up to 12), within the bound of native.test.ts, and bit for bit between 1 and 2 threads.
 * Skipped, with the reason in the test name, only when the addon is not built.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Backend, Conv2dSpec } from '../../../src/tensor/backend.js';
import { jsBackend as js } from '../../../src/tensor/backends/js/index.js';
import { createNativeBackend, nativeBackendAvailable, nativeUnavailableReason } from '../../../src/tensor/backends/native/index.js';
import { Rng } from '../../../src/tensor/random.js';
import { assertClose, dtypes, randomArray, type Dtype } from './native-helpers.js';

const forced = { minElements: 0, minWork: 0, parallelMinWork: 0 };

/**
 * Geometries of the narrow paths: C = 1-3 (panel transpose) or 4-20 (plane transpose, and past
 * one float64 vector the gather), O = 1-20 (O ≤ one vector: the panel conv2d), kernels 1-5 with
 * K = C·kh·kw mostly ≤ 32 (the lane-sum weight gradient), strides 1-3, padding 0-2, odd sizes.
 */
const narrowArb = fc.record({
  batch: fc.integer({ min: 1, max: 12 }), inChannels: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 4, max: 18 })),
  outChannels: fc.integer({ min: 1, max: 20 }), inHeight: fc.integer({ min: 1, max: 17 }), inWidth: fc.integer({ min: 1, max: 17 }),
  kernelHeight: fc.integer({ min: 1, max: 5 }), kernelWidth: fc.integer({ min: 1, max: 5 }),
  stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  padding: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
}).filter((g) => g.inHeight + 2 * g.padding[0] >= g.kernelHeight && g.inWidth + 2 * g.padding[1] >= g.kernelWidth)
  .map((g): Conv2dSpec => ({
    ...g,
    outHeight: Math.floor((g.inHeight + 2 * g.padding[0] - g.kernelHeight) / g.stride[0]) + 1,
    outWidth: Math.floor((g.inWidth + 2 * g.padding[1] - g.kernelWidth) / g.stride[1]) + 1,
  }));

/** The three convolutions of `s` on seeded data, each as [name, run(backend), depth, bound]. */
function convCases(s: Conv2dSpec, seed: number, dtype: Dtype): Array<[string, (b: Backend) => ArrayLike<number>, number, ArrayLike<number>]> {
  const rng = new Rng(seed);
  const x = randomArray(s.batch * s.inChannels * s.inHeight * s.inWidth, rng, dtype);
  const w = randomArray(s.outChannels * s.inChannels * s.kernelHeight * s.kernelWidth, rng, dtype);
  const y = randomArray(s.batch * s.outChannels * s.outHeight * s.outWidth, rng, dtype);
  const abs = (v: ArrayLike<number>): Float64Array => Float64Array.from(v, Math.abs);
  const fields = s.inChannels * s.kernelHeight * s.kernelWidth;
  return [
    ['conv2d', (b) => b.conv2d(x, w, s), fields, js.conv2d(abs(x), abs(w), s)],
    ['conv2dTranspose', (b) => b.conv2dTranspose(y, w, s), s.outChannels * fields, js.conv2dTranspose(abs(y), abs(w), s)],
    ['conv2dWeightGrad', (b) => b.conv2dWeightGrad(x, y, s), s.batch * s.outHeight * s.outWidth, js.conv2dWeightGrad(abs(x), abs(y), s)],
  ];
}

if (!nativeBackendAvailable()) {
  test(`native convolution tests skipped: ${nativeUnavailableReason()}`, () => assert.ok(true));
} else {
  const one = createNativeBackend({ threads: 1, ...forced }), two = createNativeBackend({ threads: 2, ...forced });

  test('narrow convolutions agree with js and give the same bits on 1 and 2 threads, float32 and float64 (fast-check)', () => {
    for (const dtype of dtypes) {
      fc.assert(fc.property(narrowArb, fc.integer({ min: 0, max: 1e6 }), (s, seed) => {
        for (const [name, run, depth, bound] of convCases(s, seed, dtype)) {
          const label = `${name} ${JSON.stringify(s)} ${dtype}`, single = run(one);
          assertClose(single, run(js), bound, depth, dtype, `${label} 1 thread`);
          assertClose(run(two), single, null, 0, dtype, `${label} 2 threads vs 1`);
        }
      }), { seed: 11, numRuns: 25 });
    }
  });

  test('an image whose K × P panel is past the narrow paths\' 2^20 cap (C = 3, k5, 124x124) takes the other kernels, still right', () => {
    const s: Conv2dSpec = { batch: 1, inChannels: 3, outChannels: 2, inHeight: 124, inWidth: 124, kernelHeight: 5, kernelWidth: 5,
      stride: [1, 1], padding: [0, 0], outHeight: 120, outWidth: 120 };
    assert.ok(3 * 25 * 120 * 120 > 2 ** 20);
    for (const [name, run, depth, bound] of convCases(s, 5, 'float32')) {
      const single = run(one);
      assertClose(single, run(js), bound, depth, 'float32', `${name} large panel`);
      assertClose(run(two), single, null, 0, 'float32', `${name} large panel 2 threads vs 1`);
    }
  });

  test('mnist_model convolutions at CROWN-IBP batch 150 and 300 rows: 1 vs 2 threads bit for bit, the first layer\'s against js at 150', () => {
    for (const batch of [150, 300]) {
      for (const [c, o, hw] of [[1, 16, 28], [16, 32, 14]] as const) {
        const s: Conv2dSpec = { batch, inChannels: c, outChannels: o, inHeight: hw, inWidth: hw, kernelHeight: 4, kernelWidth: 4,
          stride: [2, 2], padding: [1, 1], outHeight: hw / 2, outWidth: hw / 2 };
        for (const [name, run, depth, bound] of convCases(s, batch + c, 'float32')) {
          const single = run(one);
          if (batch === 150 && c === 1) assertClose(single, run(js), bound, depth, 'float32', `${name} ${c}→${o} batch ${batch}`);
          assertClose(run(two), single, null, 0, 'float32', `${name} ${c}→${o} batch ${batch} 2 threads vs 1`);
        }
      }
    }
  });
}

test.run();

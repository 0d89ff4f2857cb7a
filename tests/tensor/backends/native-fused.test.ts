/**
 * The native backend's fused kernels against what they replace, bit for bit: `interval` (IBP's
 * centre / shift / split / centreGrad) against the composition of js's generic kernels, with
 * special values (NaN, ±0, ±Infinity, huge); `reluGrad` against g·step(x); `adam` against the JavaScript loop of src/optim/adam.ts.
 * 1 and 2 threads, float32 and float64. Skipped, with the reason in the test name, when the addon is not built.
 */
import { test } from 'uvu';
import fc from 'fast-check';
import { composedIntervalKernel } from '../../../src/autograd/ops/interval.js';
import { adamLoop } from '../../../src/optim/adam.js';
import type { Backend, IntervalKernel } from '../../../src/tensor/backend.js';
import { jsBackend as js } from '../../../src/tensor/backends/js/index.js';
import { createNativeBackend, nativeBackendAvailable, nativeUnavailableReason } from '../../../src/tensor/backends/native/index.js';
import { Rng } from '../../../src/tensor/random.js';
import { withBackend } from '../../../src/tensor/registry.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { assertClose, dtypes, randomArray, specialArray } from './native-helpers.js';

const available = nativeBackendAvailable();
const backends: Array<[string, Backend]> = available
  ? [['1 thread', createNativeBackend({ threads: 1 })], ['2 threads', createNativeBackend({ threads: 2 })]]
  : [];
const kernels: IntervalKernel[] = ['centre', 'shift', 'split', 'centreGrad', 'signFold'];

if (!available) {
  test(`native fused kernels skipped: ${nativeUnavailableReason()}`, () => undefined);
} else {
  test('interval kernels = the composed js kernels bit for bit (special values, bias layouts, sizes past the parallel threshold) (fast-check)', () => {
    const arb = fc.record({ outer: fc.integer({ min: 1, max: 4 }), channels: fc.integer({ min: 1, max: 5 }), inner: fc.integer({ min: 1, max: 9 }),
      big: fc.boolean(), seed: fc.integer({ min: 0, max: 1e6 }) });
    for (const dtype of dtypes) {
      fc.assert(fc.property(arb, ({ outer, channels, inner, big, seed }) => {
        const rng = new Rng(seed);
        const shape = [big ? Math.ceil(140_000 / (channels * inner)) : outer, channels, inner], n = shape[0]! * channels * inner;
        const [a, b, c, d] = [0, 1, 2, 3].map(() => new Tensor(specialArray(n, rng, dtype), shape));
        const bias = new Tensor(specialArray(channels, rng, dtype), [channels, 1]);
        for (const kernel of kernels) {
          const third = kernel === 'shift' ? bias : kernel === 'centreGrad' || kernel === 'signFold' ? c! : null;
          const expected = withBackend('js', () => composedIntervalKernel(kernel, a!, b!, third, kernel === 'centreGrad' ? d! : null));
          for (const [name, be] of backends) {
            for (const inPlace of [false, true]) {
              const [x, y] = [a!.data.slice(), b!.data.slice()];
              const got = be.interval!(kernel, x, y, third?.data ?? null, kernel === 'centreGrad' ? d!.data : null, kernel === 'shift' ? { inner, channels } : undefined, inPlace);
              got.forEach((out, i) => assertClose(out, expected[i]!.data, null, 0, dtype, `${kernel} output ${i} ${name} ${dtype} in place ${inPlace}`));
            }
          }
        }
        const [g, r] = [a!, b!];
        for (const [name, be] of backends) {
          const got = be.interval!('shift', g.data, r.data, null, null);
          const expected = withBackend('js', () => composedIntervalKernel('shift', g, r, null, null));
          got.forEach((x, i) => assertClose(x, expected[i]!.data, null, 0, dtype, `shift without bias ${i} ${name}`));
        }
      }), { seed: 19, numRuns: 16 });
    }
  });

  test('reluGrad = g · step(x) of js bit for bit (special values, past the parallel threshold)', () => {
    for (const dtype of dtypes) {
      for (const n of [1, 91, 140_000]) {
        const rng = new Rng(n);
        const g = specialArray(n, rng, dtype), x = specialArray(n, rng, dtype);
        const expected = js.binary('mul', g, [n], js.unary('step', x), [n], [n]);
        for (const [name, be] of backends) assertClose(be.reluGrad!(g, x), expected, null, 0, dtype, `reluGrad n=${n} ${name}`);
      }
    }
  });

  test('adam = the JavaScript loop bit for bit over several steps (float32 and float64, past the parallel threshold)', () => {
    for (const dtype of dtypes) {
      for (const n of [1, 37, 150_000]) {
        const rng = new Rng(n);
        const x = randomArray(n, rng, dtype), m = randomArray(n, rng, dtype), v = Float64Array.from(randomArray(n, rng, dtype), Math.abs);
        const v0 = dtype === 'float32' ? Float32Array.from(v) : v;
        const ref = [x.slice(), m.slice(), v0.slice()] as const;
        for (const [name, be] of backends) {
          const mine = [x.slice(), m.slice(), v0.slice()] as const;
          const want = [ref[0].slice(), ref[1].slice(), ref[2].slice()] as const;
          for (let t = 1; t <= 3; t++) {
            const g = randomArray(n, rng, dtype);
            const s = { b1: 0.9, b2: 0.999, stepSize: 1e-3 / (1 - 0.9 ** t), sqrtCorrection2: Math.sqrt(1 - 0.999 ** t), eps: 1e-8 };
            be.adam!(mine[0], g, mine[1], mine[2], s);
            adamLoop(want[0], g, want[1], want[2], s);
          }
          mine.forEach((arr, i) => assertClose(arr, want[i]!, null, 0, dtype, `adam ${['x', 'm', 'v'][i]} n=${n} ${name} ${dtype}`));
        }
      }
    }
  });
}

test.run();

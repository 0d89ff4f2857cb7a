import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { avgPool2d, backward, maxPool2d, sum } from '../../src/autograd/index.js';
import { Rng } from '../../src/tensor/random.js';
import { withBackend } from '../../src/tensor/registry.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { availableBackends } from '../helpers/backends.js';
import { assertAllClose, distinct64, gradcheck } from '../helpers/gradcheck.js';

interface Geometry { k: number; s: number; p: number }

/** Direct-loop PyTorch pooling: max (padding never chosen) or mean with divisor k² (count_include_pad). */
function naivePool(x: Tensor, { k, s, p }: Geometry, kind: 'max' | 'avg'): number[] {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const HO = Math.floor((H + 2 * p - k) / s) + 1;
  const WO = Math.floor((W + 2 * p - k) / s) + 1;
  const out: number[] = [];
  for (let n = 0; n < N * C; n++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) {
    let acc = kind === 'max' ? -Infinity : 0;
    for (let a = 0; a < k; a++) for (let d = 0; d < k; d++) {
      const r = i * s - p + a;
      const c = j * s - p + d;
      if (r < 0 || r >= H || c < 0 || c >= W) continue;
      const v = x.data[(n * H + r) * W + c]!;
      acc = kind === 'max' ? Math.max(acc, v) : acc + v;
    }
    out.push(kind === 'max' ? acc : acc / (k * k));
  }
  return out;
}

const geometries: Geometry[] = [{ k: 2, s: 2, p: 0 }, { k: 3, s: 1, p: 1 }, { k: 3, s: 2, p: 1 }, { k: 2, s: 1, p: 1 }, { k: 4, s: 3, p: 2 }];

test('maxPool2d / avgPool2d: forward equals the direct loops, gradients by central differences (float64)', () => {
  const rng = new Rng(1);
  for (const g of geometries) {
    const x = distinct64([2, 3, 5, 6], rng);
    const options = { kernel: g.k, stride: g.s, padding: g.p };
    assertAllClose(maxPool2d(x, options).data, naivePool(x, g, 'max'), 0, 0, `maxPool2d ${JSON.stringify(g)}`);
    assertAllClose(avgPool2d(x, options).data, naivePool(x, g, 'avg'), 1e-12, 1e-12, `avgPool2d ${JSON.stringify(g)}`);
    gradcheck((xi) => maxPool2d(xi, options), [x], { name: `maxPool2d ${JSON.stringify(g)}` });
    gradcheck((xi) => avgPool2d(xi, options), [x], { name: `avgPool2d ${JSON.stringify(g)}` });
  }
});

test('maxPool2d / avgPool2d: random geometries, per-axis windows (fast-check)', () => {
  fc.assert(fc.property(
    fc.record({ k: fc.integer({ min: 1, max: 4 }), s: fc.integer({ min: 1, max: 3 }), pad: fc.integer({ min: 0, max: 2 }), H: fc.integer({ min: 1, max: 6 }), seed: fc.nat() }),
    ({ k, s, pad, H, seed }) => {
      const p = Math.min(pad, Math.floor(k / 2));
      if (H + 2 * p < k) return;
      const x = distinct64([1, 2, H, H + 1], new Rng(seed));
      const options = { kernel: k, stride: s, padding: p };
      assertAllClose(maxPool2d(x, options).data, naivePool(x, { k, s, p }, 'max'), 0, 0);
      assertAllClose(avgPool2d(x, options).data, naivePool(x, { k, s, p }, 'avg'), 1e-12, 1e-12);
      gradcheck((xi) => maxPool2d(xi, options), [x], { name: `maxPool2d k${k} s${s} p${p} H${H}` });
    }), { seed: 7, numRuns: 25 });
});

test('maxPool2d: the gradient goes to the first maximal element of a tied window (as PyTorch on CPU)', () => {
  const x = Tensor.from([[[[0, 1], [1, 1]]]], undefined, 'float64').requireGrad(true);
  const y = maxPool2d(x, { kernel: 2 });
  backward(sum(y));
  assert.equal(y.data[0], 1);
  assert.equal(Array.from(x.grad!.data), [0, 1, 0, 0]);
});

test('pooling: float32 on every backend agrees with js', () => {
  const x64 = distinct64([2, 3, 7, 7], new Rng(3));
  const x = x64.to('float32');
  const options = { kernel: 3, stride: 2, padding: 1 };
  const want = [maxPool2d(x, options), avgPool2d(x, options)];
  for (const { label, backend } of availableBackends()) {
    const got = withBackend(backend, () => [maxPool2d(x, options), avgPool2d(x, options)]);
    assert.is(got[0]!.dtype, 'float32');
    assertAllClose(got[0]!.data, want[0]!.data, 0, 0, `${label} maxPool2d`);
    assertAllClose(got[1]!.data, want[1]!.data, 1e-6, 1e-5, `${label} avgPool2d`);
  }
});

test('pooling: bad geometry names the argument', () => {
  const x = Tensor.zeros([1, 1, 4, 4], 'float64');
  assert.throws(() => maxPool2d(x, { kernel: 0 }), /maxPool2d: kernel must be integers >= 1/);
  assert.throws(() => avgPool2d(x, { kernel: 2, padding: 2 }), /avgPool2d: padding must be integers in \[0, kernel\/2\]/);
  assert.throws(() => maxPool2d(x, { kernel: 5 }), /maxPool2d: kernel 5x5 does not fit input 4x4/);
  assert.throws(() => maxPool2d(Tensor.zeros([4, 4]), { kernel: 2 }), /maxPool2d: input must be \[B, C, H, W\]/);
});

test.run();

// The Conv2d dual: its transpose is the exact adjoint <W x, y> = <x, Wᵀ y> for any stride and
// padding, including input sizes where (H + 2p − k) is not a multiple of the stride, and on
// column tensors with one or two leading axes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DualConv2d } from '../../../src/relax/layers/conv2d.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';

function dot(a: Tensor, b: Tensor): number {
  let s = 0;
  for (let i = 0; i < a.size; i++) s += a.data[i]! * b.data[i]!;
  return s;
}

const cases = [
  { name: 'k3 s2 p1 on 6x7 (6+2-3 = 5 odd)', C: 2, O: 3, k: 3, s: 2, p: 1, H: 6, W: 7 },
  { name: 'k4 s2 p1 on 8x8', C: 1, O: 2, k: 4, s: 2, p: 1, H: 8, W: 8 },
  { name: 'k2 s3 p0 on 7x5', C: 3, O: 2, k: 2, s: 3, p: 0, H: 7, W: 5 },
  { name: 'k1 s1 p0 on 3x3', C: 2, O: 2, k: 1, s: 1, p: 0, H: 3, W: 3 },
];

for (const c of cases) {
  test(`adjointness, ${c.name}`, () => {
    const rng = new Rng(11);
    const weight = Tensor.randn([c.O, c.C, c.k, c.k], rng, 0, 1, 'float64');
    const dual = new DualConv2d(weight, null, { stride: [c.s, c.s], padding: [c.p, c.p] }, [c.C, c.H, c.W]);
    for (const lead of [[3], [2, 3]]) {
      const x = Tensor.randn([...lead, c.C, c.H, c.W], rng, 0, 1, 'float64');
      const y = Tensor.randn([...lead, ...dual.outShape], rng, 0, 1, 'float64');
      const fx = dual.forward([x]);
      const ty = dual.T(y);
      assert.equal(ty.shape, x.shape);
      const lhs = dot(fx, y);
      assert.ok(Math.abs(lhs - dot(x, ty)) <= 1e-10 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${dot(x, ty)}`);
    }
  });
}

test('the full bias repeats the channel bias over the output grid; no bias makes the dual inert', () => {
  const rng = new Rng(3);
  const weight = Tensor.randn([2, 1, 3, 3], rng, 0, 1, 'float64');
  const bias = Tensor.from([1, -2], [2], 'float64');
  const withBias = new DualConv2d(weight, bias, { stride: [1, 1], padding: [1, 1] }, [1, 2, 2]);
  assert.not.ok(withBias.inert);
  const [lower, upper] = withBias.bounds();
  assert.equal(lower.shape, [1, 2, 2, 2]);
  assert.equal(Array.from(upper.data), [1, 1, 1, 1, -2, -2, -2, -2]);
  assert.ok(new DualConv2d(weight, null, { stride: [1, 1], padding: [1, 1] }, [1, 2, 2]).inert);
});

test.run();

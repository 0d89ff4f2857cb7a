// Single layers: shapes, values against direct hand computation, default-init ranges.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Conv2d, defaultInitBound, Flatten, Identity, Linear, ReLU } from '../../src/nn/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  assert.is(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol * (1 + Math.abs(expected[i]!)), `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

test('Linear: y = x Wᵀ + b by hand', () => {
  const lin = new Linear(3, 2, { rng: new Rng(0) });
  lin.weight.data.set([1, 2, 3, -1, 0, 1]);
  lin.bias!.data.set([0.5, -0.5]);
  const y = lin.forward(Tensor.from([[1, 1, 1], [2, 0, -1]]));
  assert.equal(y.shape, [2, 2]);
  // row 0: [1+2+3+0.5, -1+0+1-0.5]; row 1: [2+0-3+0.5, -2+0-1-0.5]
  close(y.data, [6.5, -0.5, -0.5, -3.5]);
});

test('Linear without bias has no bias parameter', () => {
  const lin = new Linear(3, 2, { rng: new Rng(0), bias: false });
  assert.is(lin.bias, null);
  assert.equal(lin.namedParameters().map(([n]) => n), ['weight']);
});

/** Direct 4-loop cross-correlation with zero padding: the definition of PyTorch's conv2d. */
function naiveConv(x: Tensor, w: Tensor, b: Tensor | null, stride: number, padding: number): { data: number[]; shape: number[] } {
  const [N, C, H, W] = x.shape as number[];
  const [O, , KH, KW] = w.shape as number[];
  const HO = Math.floor((H! + 2 * padding - KH!) / stride) + 1;
  const WO = Math.floor((W! + 2 * padding - KW!) / stride) + 1;
  const data: number[] = [];
  for (let n = 0; n < N!; n++) for (let o = 0; o < O!; o++) for (let i = 0; i < HO; i++) for (let j = 0; j < WO; j++) {
    let s = b ? b.data[o]! : 0;
    for (let c = 0; c < C!; c++) for (let ki = 0; ki < KH!; ki++) for (let kj = 0; kj < KW!; kj++) {
      const ii = i * stride - padding + ki;
      const jj = j * stride - padding + kj;
      if (ii >= 0 && ii < H! && jj >= 0 && jj < W!) s += x.at(n, c, ii, jj) * w.at(o, c, ki, kj);
    }
    data.push(s);
  }
  return { data, shape: [N!, O!, HO, WO] };
}

for (const [stride, padding, bias] of [[1, 0, true], [2, 1, true], [2, 1, false], [1, 1, false]] as const) {
  test(`Conv2d(2→3, k3, stride ${stride}, padding ${padding}, bias ${bias}) matches the direct sum`, () => {
    const rng = new Rng(3);
    const conv = new Conv2d(2, 3, 3, { rng, stride, padding, bias });
    const x = Tensor.uniform([2, 2, 6, 5], rng, -1, 1);
    const expected = naiveConv(x, conv.weight, conv.bias, stride, padding);
    const y = conv.forward(x);
    assert.equal(y.shape, expected.shape);
    assert.equal(conv.outputShape([2, 6, 5]), expected.shape.slice(1));
    close(y.data, expected.data);
  });
}

test('mnist_model geometry: 28 → 14 → 7 with k4 s2 p1', () => {
  const rng = new Rng(0);
  const c1 = new Conv2d(1, 16, 4, { rng, stride: 2, padding: 1 });
  const c2 = new Conv2d(16, 32, 4, { rng, stride: 2, padding: 1 });
  const y = c2.forward(c1.forward(Tensor.zeros([2, 1, 28, 28])));
  assert.equal(y.shape, [2, 32, 7, 7]);
  assert.equal(new Flatten().forward(y).shape, [2, 1568]);
});

test('ReLU, Flatten and Identity', () => {
  const x = Tensor.from([[[-1, 2], [3, -4]]]);
  assert.equal(Array.from(new ReLU().forward(x).data), [0, 2, 3, 0]);
  const flat = new Flatten().forward(x);
  assert.equal(flat.shape, [1, 4]);
  assert.equal(Array.from(flat.data), [-1, 2, 3, -4]);
  assert.ok(new Identity().forward(x) === x);
});

test('default init: weight and bias ~ U(−1/√fan_in, 1/√fan_in), spread over the interval', () => {
  const lin = new Linear(400, 300, { rng: new Rng(11) });
  const conv = new Conv2d(8, 64, 5, { rng: new Rng(12) });
  for (const [t, fanIn] of [[lin.weight, 400], [lin.bias!, 400], [conv.weight, 200], [conv.bias!, 200]] as const) {
    const bound = defaultInitBound(fanIn);
    assert.ok(Math.abs(bound - 1 / Math.sqrt(fanIn)) < 1e-15);
    let lo = Infinity;
    let hi = -Infinity;
    let mean = 0;
    let meanSq = 0;
    for (const v of t.data) { lo = Math.min(lo, v); hi = Math.max(hi, v); mean += v / t.size; meanSq += (v * v) / t.size; }
    assert.ok(lo >= -bound && hi <= bound, `range [${lo}, ${hi}] outside ±${bound}`);
    if (t.size >= 1000) {
      // U(−a, a): mean 0, E[v²] = a²/3, and the extremes come close to ±a.
      assert.ok(lo < -0.99 * bound && hi > 0.99 * bound);
      assert.ok(Math.abs(mean) < 0.05 * bound);
      assert.ok(Math.abs(meanSq / (bound * bound) - 1 / 3) < 0.03);
    }
  }
});

test('initialisation is reproducible from the seed and differs between seeds', () => {
  const a = new Linear(5, 4, { rng: new Rng(1) });
  const b = new Linear(5, 4, { rng: new Rng(1) });
  const c = new Linear(5, 4, { rng: new Rng(2) });
  assert.equal(Array.from(a.weight.data), Array.from(b.weight.data));
  assert.not.equal(Array.from(a.weight.data), Array.from(c.weight.data));
});

test('bad sizes are rejected with the argument named', () => {
  assert.throws(() => new Linear(0, 3, { rng: new Rng(0) }), /inFeatures/);
  assert.throws(() => new Conv2d(1, 2, 3, { rng: new Rng(0), padding: -1 }), /padding/);
  assert.throws(() => new Conv2d(1, 2, 3, { rng: new Rng(0), stride: 0 }), /stride/);
});

test('a layer built without its options (plain JavaScript) names options.rng, not a TypeError', () => {
  const untyped = { Linear: Linear as unknown as new (...a: unknown[]) => unknown, Conv2d: Conv2d as unknown as new (...a: unknown[]) => unknown };
  assert.throws(() => new untyped.Linear(1, 1), /Linear: options is required: \{ rng: Rng/);
  assert.throws(() => new untyped.Conv2d(1, 2, 3), /Conv2d: options is required: \{ rng: Rng/);
  assert.throws(() => new untyped.Linear(1, 1, { bias: false }), /needs options\.rng, an Rng/);
  assert.throws(() => new untyped.Conv2d(1, 2, 3, { rng: 7 }), /needs options\.rng, an Rng/);
});

test.run();

// DualNetwork on architectures the reference vectors do not cover (a stride-2 convolution whose
// transpose needs output padding, a conv residual block, l2 and box input sets): every sampled
// point of the input set has its ReLU pre-activations inside the computed bounds and
// cᵀ f(x') ≥ J(c); ε = 0 collapses the bounds onto the activations without NaN.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { matmul, noGrad, reshape } from '../../src/autograd/index.js';
import { modelFromDescription } from '../../src/nn/describe.js';
import type { DenseSequential } from '../../src/nn/dense-sequential.js';
import type { Sequential } from '../../src/nn/sequential.js';
import { DualNetwork, type DualNetworkOptions } from '../../src/relax/network.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

const conv = (i: number, o: number, k: number, s: number, p: number) => ({ type: 'Conv2d', in: i, out: o, kernel: k, stride: s, padding: p, bias: true });
const resnet = modelFromDescription({
  kind: 'DenseSequential',
  layers: [
    conv(1, 2, 3, 2, 1), { type: 'ReLU' },
    { type: 'Dense', ws: [conv(2, 2, 3, 1, 1)] }, { type: 'ReLU' },
    { type: 'Dense', ws: [conv(2, 2, 1, 1, 0), null, conv(2, 2, 3, 1, 1)] }, { type: 'ReLU' },
    { type: 'Flatten' }, { type: 'Linear', in: 24, out: 3, bias: true },
  ],
}, 1).to('float64');
const mlp = modelFromDescription({
  kind: 'Sequential',
  layers: [{ type: 'Flatten' }, { type: 'Linear', in: 42, out: 10, bias: true }, { type: 'ReLU' }, { type: 'Linear', in: 10, out: 3, bias: false }],
}, 2).to('float64');

/** z_0 … z_L of one network on a batch. */
function activations(net: Sequential | DenseSequential, x: Tensor): Tensor[] {
  const xs = [x];
  for (const layer of net.layers) xs.push(layer.kind === 'dense' ? layer.forwardAll(xs) : layer.forward(xs[xs.length - 1]!));
  return xs;
}

/** A point of the input set around X: uniform, a vertex (l∞), or on the sphere (l2). */
function samplePoint(X: Tensor, eps: number, options: DualNetworkOptions, rng: Rng, vertex: boolean): Tensor {
  const out = X.clone();
  const n = X.size / X.shape[0]!;
  for (let b = 0; b < X.shape[0]!; b++) {
    const delta = Array.from({ length: n }, () => (vertex ? (rng.next() < 0.5 ? -1 : 1) : rng.uniform(-1, 1)));
    const scale = options.norm === 'l2' ? eps / Math.hypot(...delta) : eps;
    for (let i = 0; i < n; i++) {
      let v = X.data[b * n + i]! + scale * delta[i]!;
      if (options.bounded) v = Math.min(1, Math.max(0, v));
      out.data[b * n + i] = v;
    }
  }
  return out;
}

function checkSound(name: string, net: Sequential | DenseSequential, eps: number, options: DualNetworkOptions): void {
  const rng = new Rng(9);
  const X = Tensor.uniform([2, 1, 6, 7], rng, 0, 1, 'float64');
  const dual = noGrad(() => new DualNetwork(net, X, eps, options));
  const bounds = dual.reluBounds();
  const reluAt = net.layers.flatMap((l, p) => (l.kind === 'relu' ? [p] : []));
  assert.is(bounds.length, reluAt.length, `${name}: one bound per ReLU`);
  assert.ok(bounds.some(({ lower, upper }) => lower.data.some((l, i) => l < 0 && upper.data[i]! > 0)), `${name}: no crossing unit, the test would be weak`);
  const c = Tensor.randn([2, 4, 3], rng, 0, 1, 'float64');
  const J = noGrad(() => dual.objective(c));
  for (let s = 0; s < 40; s++) {
    const xs = noGrad(() => activations(net, samplePoint(X, eps, options, rng, s % 2 === 0)));
    reluAt.forEach((p, r) => {
      const z = xs[p]!;
      z.data.forEach((v, i) => {
        assert.ok(v >= bounds[r]!.lower.data[i]! - 1e-9 && v <= bounds[r]!.upper.data[i]! + 1e-9, `${name}: ReLU ${r} unit ${i}: ${v} outside [${bounds[r]!.lower.data[i]}, ${bounds[r]!.upper.data[i]}]`);
      });
    });
    const out = xs[xs.length - 1]!;
    const value = noGrad(() => reshape(matmul(c, reshape(out, [2, 3, 1])), [2, 4]));
    value.data.forEach((v, i) => assert.ok(v >= J.data[i]! - 1e-9, `${name}: cᵀf(x') = ${v} < J = ${J.data[i]}`));
  }
}

for (const [name, options, eps] of [
  ['l∞ ball', { norm: 'linf' }, 0.2],
  ['l∞ ball ∩ [0,1]', { norm: 'linf', bounded: true }, 0.3],
  ['l2 ball', { norm: 'l2' }, 0.8],
] as const) {
  test(`conv residual net with a stride-2 conv on 6x7, ${name}: sampled points inside the bounds, J(c) <= cᵀf(x')`, () => checkSound(name, resnet, eps, options));
  test(`MLP without a last bias, ${name}: sound`, () => checkSound(name, mlp, eps, options));
}

test('epsilon = 0: bounds equal the activations, J(c) = cᵀf(x), no NaN', () => {
  const rng = new Rng(4);
  const X = Tensor.uniform([2, 1, 6, 7], rng, 0, 1, 'float64');
  const dual = new DualNetwork(resnet, X, 0);
  const xs = activations(resnet, X);
  const reluAt = resnet.layers.flatMap((l, p) => (l.kind === 'relu' ? [p] : []));
  dual.reluBounds().forEach(({ lower, upper }, r) => {
    xs[reluAt[r]!]!.data.forEach((v, i) => {
      assert.ok(Math.abs(lower.data[i]! - v) <= 1e-12 && Math.abs(upper.data[i]! - v) <= 1e-12, `ReLU ${r} unit ${i}`);
    });
  });
  const c = Tensor.randn([2, 2, 3], rng, 0, 1, 'float64');
  const J = dual.objective(c);
  const exact = reshape(matmul(c, reshape(xs[xs.length - 1]!, [2, 3, 1])), [2, 2]);
  J.data.forEach((v, i) => assert.ok(Math.abs(v - exact.data[i]!) <= 1e-12, `J ${v} vs ${exact.data[i]}`));
});

test('X and the parameters must share a dtype; l2 with a box is refused', () => {
  assert.throws(() => new DualNetwork(mlp, Tensor.zeros([2, 1, 6, 7], 'float32'), 0.1), /X is float32 but the network's parameters are float64/);
  assert.throws(() => new DualNetwork(mlp, Tensor.zeros([2, 1, 6, 7], 'float64'), 0.1, { norm: 'l2', bounded: true }), /bounded is only supported with norm 'linf'/);
});

test('the objective checks the shape of c', () => {
  const X = Tensor.zeros([2, 1, 6, 7], 'float64');
  const dual = new DualNetwork(mlp, X, 0.1);
  assert.throws(() => dual.objective(Tensor.zeros([3, 1, 3], 'float64')), /c must be \[2, K, 3\]/);
});

test('a non-finite input is a clear error, not NaN bounds', () => {
  const X = Tensor.zeros([2, 1, 6, 7], 'float64');
  X.data[5] = Number.NaN;
  assert.throws(() => new DualNetwork(mlp, X, 0.1), /X must be finite, but element 5 is NaN/);
  X.data[5] = Infinity;
  assert.throws(() => new DualNetwork(mlp, X, 0.1), /element 5 is Infinity/);
});

test.run();

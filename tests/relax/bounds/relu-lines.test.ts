// The fused LeakyReLU lines (src/relax/bounds/relu-lines.ts) = the composition of element-wise ops
// they replace (activations.ts), bit for bit in values (float32 and float64), and in gradients, on
// crossing, active, dead, zero-width and touching (l = 0, u = 0) units, for a = 0, 0.1, 0.5 and
// both lower slopes; alpha-CROWN's clamped lower slope = its composition (values and alpha gradients).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { add, backward, mul, sum, unsqueeze } from '../../../src/autograd/index.js';
import { leakyLinesComposed } from '../../../src/relax/bounds/activations.js';
import { alphaLowerSlope, reluLines } from '../../../src/relax/bounds/relu-lines.js';
import type { Lines } from '../../../src/relax/bounds/operators.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';

function boxes(rng: Rng, n: number, dtype: 'float32' | 'float64'): [Tensor, Tensor] {
  const l = new Float64Array(n), u = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const kind = k % 6;
    const c = rng.uniform(-1, 1), r = rng.uniform(0, 1);
    [l[k], u[k]] = kind === 0 ? [0, r] : kind === 1 ? [-r, 0] : kind === 2 ? [c, c] : [c - r, c + r];
  }
  return [Tensor.from(l, [4, n / 4], dtype).detach().requireGrad(), Tensor.from(u, [4, n / 4], dtype).detach().requireGrad()];
}

function run(f: () => Lines, l: Tensor, u: Tensor, w: Tensor[]): { values: number[][]; grads: number[][] } {
  l.grad = null; u.grad = null;
  const lines = f();
  const parts = [lines.lowerSlope, lines.upperSlope, lines.upperBias!];
  backward(parts.map((t, k) => sum(mul(t, w[k]!))).reduce((x, y) => add(x, y)));
  return { values: parts.map((t) => Array.from(t.data)), grads: [Array.from(l.grad!.data), Array.from(u.grad!.data)] };
}

test('reluLines = the composed LeakyReLU lines: values bit for bit, gradients to 1e-12 (float64) / 1e-5 (float32)', () => {
  const rng = new Rng(3);
  for (const dtype of ['float64', 'float32'] as const) {
    for (const a of [0, 0.1, 0.5]) {
      for (const lower of ['adaptive', 'same'] as const) {
        const [l, u] = boxes(rng, 240, dtype);
        const w = [0, 1, 2].map(() => Tensor.uniform(l.shape, rng, -1, 1, dtype));
        const fused = run(() => reluLines(l, u, a, lower), l, u, w);
        const plain = run(() => leakyLinesComposed(l, u, a, lower), l, u, w);
        const label = `${dtype} a ${a} ${lower}`;
        fused.values.forEach((v, k) => assert.equal(v, plain.values[k], `${label}: line ${k}`));
        const tol = dtype === 'float64' ? 1e-12 : 1e-5;
        fused.grads.forEach((g, k) => g.forEach((x, i) => assert.ok(Math.abs(x - plain.grads[k]![i]!) <= tol * (1 + Math.abs(plain.grads[k]![i]!)), `${label}: gradient ${k}[${i}] ${x} vs ${plain.grads[k]![i]}`)));
      }
    }
  }
});

test('alphaLowerSlope = where(crossing, clamp(alpha, a, 1), exact slope): values bit for bit, alpha gradients (boundaries, outside values, shared batch)', () => {
  const rng = new Rng(9);
  for (const dtype of ['float64', 'float32'] as const) {
    for (const a of [0, 0.25]) {
      for (const Ba of [1, 4]) {
        const [l0, u0] = boxes(rng, 120, dtype);
        const [l, u] = [unsqueeze(l0.detach(), 1), unsqueeze(u0.detach(), 1)]; // [4, 1, 30]
        const raw = Array.from({ length: Ba * 3 * 30 }, (_, k) => [a, 1, -0.5, 1.5, rng.uniform(a, 1)][k % 5]!);
        const alpha = Tensor.from(raw, [Ba, 3, 30], dtype).requireGrad();
        const w = Tensor.uniform([4, 3, 30], rng, -1, 1, dtype);
        const grad = (f: () => Tensor): { value: number[]; grad: number[] } => {
          alpha.grad = null;
          const v = f();
          backward(sum(mul(v, w)));
          return { value: Array.from(v.data), grad: Array.from(alpha.grad!.data) };
        };
        const fused = grad(() => alphaLowerSlope(l, u, alpha, a));
        const plain = grad(() => leakyLinesComposed(l, u, a, alpha).lowerSlope);
        const label = `${dtype} a ${a} alpha batch ${Ba}`;
        assert.equal(fused.value, plain.value, `${label}: values`);
        fused.grad.forEach((g, k) => assert.ok(Math.abs(g - plain.grad[k]!) <= 1e-6 * (1 + Math.abs(g)), `${label}: gradient ${k} ${g} vs ${plain.grad[k]}`));
      }
    }
  }
});

test('reluLines: l and u of different shapes are refused', () => {
  assert.throws(() => reluLines(Tensor.zeros([2, 3]), Tensor.zeros([2, 1, 3]), 0, 'adaptive'), /one shape/);
});

test.run();

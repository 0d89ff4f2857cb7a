// The fused LeakyReLU lines (src/relax/bounds/relu-lines.ts) = the composition of element-wise ops
// they replace (activations.ts), bit for bit in values (float32 and float64), and in gradients, on
// crossing, active, dead, zero-width and touching (l = 0, u = 0) units, for a = 0, 0.1, 0.5 and
// both lower slopes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { add, backward, mul, sum } from '../../../src/autograd/index.js';
import { leakyLinesComposed } from '../../../src/relax/bounds/activations.js';
import { reluLines } from '../../../src/relax/bounds/relu-lines.js';
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

test('reluLines: l and u of different shapes are refused', () => {
  assert.throws(() => reluLines(Tensor.zeros([2, 3]), Tensor.zeros([2, 1, 3]), 0, 'adaptive'), /one shape/);
});

test.run();

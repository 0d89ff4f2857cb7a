// CROWN's per-example intermediate units (src/relax/bounds/unit-pairs.ts): bounding each example's
// own unstable units ('example') gives, for every example of a batch, exactly what the batch form
// ('batch', auto_LiRPA's union) gives on that example alone, on random conv nets through the window
// form and the generic pair back-substitution, with per-example radii and a box, gradients included;
// certify's margins do not depend on the batch an example is in.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, indexSelect, mul, sum } from '../../../src/autograd/index.js';
import { Conv2d, Flatten, Linear, ReLU, Sequential } from '../../../src/nn/index.js';
import { computeBounds } from '../../../src/relax/bounds/index.js';
import type { Perturbation } from '../../../src/relax/perturbation.js';
import { certify } from '../../../src/relax/robust-loss.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';

function close(a: ArrayLike<number>, b: ArrayLike<number>, label: string, tol = 1e-10): void {
  assert.is(a.length, b.length, `${label}: length`);
  for (let k = 0; k < a.length; k++) {
    const scale = 1 + Math.abs(b[k]!);
    assert.ok(Math.abs(a[k]! - b[k]!) <= tol * scale || a[k] === b[k], `${label}[${k}]: ${a[k]} vs ${b[k]}`);
  }
}

function convNet(seed: number): Sequential {
  const rng = new Rng(seed);
  return new Sequential(
    new Conv2d(1, 3, 3, { rng, stride: 2, padding: 1 }), new ReLU(),
    new Conv2d(3, 4, 3, { rng, stride: 1, padding: 1 }), new ReLU(), new Flatten(),
    new Linear(4 * 16, 12, { rng }), new ReLU(), new Linear(12, 5, { rng }),
  ).to('float64');
}

/** A number ε; per-example ε `[B]` and a box; per-dimension ε `[B, 1, 8, 8]`. */
function perturbations(B: number, rng: Rng): Perturbation[] {
  const perExample = Tensor.uniform([B], rng, 0.02, 0.12, 'float64');
  const perDimension = Tensor.uniform([B, 1, 8, 8], rng, 0.01, 0.1, 'float64');
  return [{ norm: 'linf', epsilon: 0.06 }, { norm: 'linf', epsilon: perExample, box: { lower: 0, upper: 1 } }, { norm: 'linf', epsilon: perDimension }];
}

const one = (p: Perturbation, b: number): Perturbation => {
  const pick = (v: number | Tensor): number | Tensor => (typeof v === 'number' ? v : indexSelect(v, 0, Int32Array.of(b)));
  return { ...p, epsilon: pick(p.epsilon), ...(p.box ? { box: p.box } : {}) };
};

test("'example' units = the batch form on each example alone (specification and layer bounds, gradients)", () => {
  let differs = 0; // the cases must tell the two selections apart: the batch's union bounds more units
  for (const seed of [1, 2, 3]) {
    const net = convNet(seed);
    const rng = new Rng(50 + seed);
    const B = 5;
    const X = Tensor.uniform([B, 1, 8, 8], rng, 0, 1, 'float64');
    const y = Array.from({ length: B }, () => rng.int(5));
    const weights = Tensor.uniform([B, 5], rng, -1, 1, 'float64');
    perturbations(B, rng).forEach((p, pi) => {
      net.zeroGrad();
      const batch = computeBounds(net, X, p, { method: 'crown', labels: y, units: 'example' });
      backward(sum(mul(batch.lower, weights)));
      const grads = net.parameters().map((t) => Float64Array.from(t.grad!.data));
      const sums = net.parameters().map((t) => new Float64Array(t.size));
      for (let b = 0; b < B; b++) {
        net.zeroGrad();
        const alone = computeBounds(net, indexSelect(X, 0, Int32Array.of(b)), one(p, b), { method: 'crown', labels: [y[b]!], units: 'batch' });
        backward(sum(mul(alone.lower, indexSelect(weights, 0, Int32Array.of(b)))));
        net.parameters().forEach((t, k) => t.grad!.data.forEach((v, i) => { sums[k]![i] += v; }));
        const label = `seed ${seed} set ${pi} example ${b}`;
        close(batch.lower.data.slice(b * 5, b * 5 + 5), alone.lower.data, `${label} lower`);
        batch.layers.forEach((layer, i) => {
          const n = layer.lower.size / B;
          close(layer.lower.data.slice(b * n, (b + 1) * n), alone.layers[i]!.lower.data, `${label} layer ${i} lower`);
          close(layer.upper.data.slice(b * n, (b + 1) * n), alone.layers[i]!.upper.data, `${label} layer ${i} upper`);
        });
      }
      grads.forEach((g, k) => close(g, sums[k]!, `seed ${seed} set ${pi} gradient ${k}`, 1e-9));
      const union = computeBounds(net, X, p, { method: 'crown', labels: y, units: 'batch' });
      union.layers.forEach((layer, i) => layer.lower.data.forEach((v, k) => { if (v !== batch.layers[i]!.lower.data[k]) differs++; }));
    });
  }
  assert.ok(differs > 0, 'no case where the batch union and per-example units differ');
});

test('certify (per-example units by default): the same margins in any batch', () => {
  const net = convNet(7);
  const rng = new Rng(70);
  const X = Tensor.uniform([6, 1, 8, 8], rng, 0, 1, 'float64');
  const y = Array.from({ length: 6 }, () => rng.int(5));
  const whole = certify(net, 0.05, X, y, { method: 'crown', sound: false }).logits.data;
  const halves = [0, 3].flatMap((b0) => Array.from(certify(net, 0.05, indexSelect(X, 0, Int32Array.of(b0, b0 + 1, b0 + 2)), y.slice(b0, b0 + 3), { method: 'crown', sound: false }).logits.data));
  close(whole, halves, 'certify logits');
});

test.run();

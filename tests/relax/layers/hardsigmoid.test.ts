// HardSigmoid (clamp(x/6 + 1/2, 0, 1), kinks at ±3): its CROWN lines ('adaptive', 'same', α
// slopes) and its Wong–Kolter parallel lines enclose σ on [ℓ, u] and are exact off the kinks, and
// the dual passes the property harness on random nets whose weights are scaled by 6 so that the
// pre-activations reach the kinks (at PyTorch's init they never do).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { noGrad } from '../../../src/autograd/index.js';
import { HardSigmoid } from '../../../src/nn/index.js';
import { hardSigmoidOp } from '../../../src/relax/bounds/activations.js';
import type { LowerSlope } from '../../../src/relax/bounds/operators.js';
import { relaxHardSigmoidSameSlope } from '../../../src/relax/layers/hardsigmoid.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { caseSpecArb, directionViolation, elementwiseViolation, netSpecArb, type ActivationFactories } from '../../helpers/relax-properties.js';

const factories: ActivationFactories = { HardSigmoid: () => new HardSigmoid() };
const nets = netSpecArb({ activations: ['HardSigmoid', 'ReLU', 'HardSigmoid'] });
const SCALE = 6;
const sigma = (x: number): number => Math.min(Math.max(x / 6 + 0.5, 0), 1);
// every case: flat low, flat high, linear, low kink, high kink, both kinks, and u = ℓ at and off the kinks
const L = [-9, 4, -2, -5, 1, -4, -3, 3, 0.5, -7, -3, 2.5];
const U = [-4, 8, 2.5, 1, 5, 4, -3, 3, 0.5, -7, -1, 3];

function holds(violation: string | null): void {
  if (violation) throw new Error(violation);
}

/** The worst amount by which the lines leave σ on a 400-point grid of [ℓ_j, u_j] (≤ 0 when sound). */
function gridViolation(l: number[], u: number[], value: (j: number, x: number) => [number, number]): number {
  let worst = -Infinity;
  l.forEach((lj, j) => {
    for (let s = 0; s <= 400; s++) {
      const x = lj + (u[j]! - lj) * s / 400;
      const [below, above] = value(j, x);
      worst = Math.max(worst, below - sigma(x), sigma(x) - above);
    }
  });
  return worst;
}

test('HardSigmoid dual passes the property harness (weights ×6): adjointness, sampled and PGD containment, weak duality, ε = 0, finite', () => {
  fc.assert(fc.property(nets, caseSpecArb(), (spec, cs) => holds(elementwiseViolation(spec, cs, factories, SCALE))), { seed: 51, numRuns: 40 });
});

test('HardSigmoid dual: forward columns and backward rows give the same bounds (weights ×6)', () => {
  fc.assert(fc.property(nets, caseSpecArb(), (spec, cs) => holds(noGrad(() => directionViolation(spec, cs, factories, 1e-10, SCALE)))), { seed: 52, numRuns: 30 });
});

test('CROWN lines enclose σ on [ℓ, u] for adaptive, same and α slopes; exact where stable; no NaN at u = ℓ', () => {
  const op = hardSigmoidOp([L.length]);
  const [l, u] = [Tensor.from([L], undefined, 'float64'), Tensor.from([U], undefined, 'float64')];
  const unstable = Array.from(op.unstable(l, u).data);
  assert.equal(unstable, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]); // [−3, −1]: the kink at an end is exact
  const { min, max } = op.lowerSlopeRange!(l, u);
  const modes: LowerSlope[] = ['adaptive', 'same', ...[min, (min + max) / 2, max].map((a) => Tensor.full([1, L.length], a, 'float64'))];
  for (const mode of modes) {
    const r = op.relax(l, u, mode);
    const at = (t: Tensor | null, j: number): number => (t ? t.data[t.size === 1 ? 0 : j]! : 0);
    const line = (j: number, x: number): [number, number] => [at(r.lowerSlope, j) * x + at(r.lowerBias, j), at(r.upperSlope, j) * x + at(r.upperBias, j)];
    const name = typeof mode === 'string' ? mode : `α = ${mode.data[0]}`;
    assert.ok(gridViolation(L, U, line) <= 1e-12, `${name}: a line leaves σ by ${gridViolation(L, U, line)}`);
    for (const t of [r.lowerSlope, r.lowerBias, r.upperSlope, r.upperBias]) assert.ok(t === null || t.data.every(Number.isFinite), `${name}: not finite`);
    unstable.forEach((m, j) => {
      if (m) return;
      for (const x of [L[j]!, U[j]!]) for (const y of line(j, x)) assert.ok(Math.abs(y - sigma(x)) <= 1e-12, `${name}: stable unit ${j} not exact at ${x}: ${y} vs ${sigma(x)}`);
    });
    if (mode === 'same') r.lowerSlope.data.forEach((s, j) => assert.ok(Math.abs(s - r.upperSlope.data[j]!) <= 1e-15, `same: slopes differ at ${j}`));
  }
});

test('parallel lines (Wong–Kolter): σ(x) − d·x ∈ [t⁻, t⁺] on [ℓ, u], d = chord across a kink, term on every unit with an offset', () => {
  const [l, u] = [Tensor.from([L], undefined, 'float64'), Tensor.from([U], undefined, 'float64')];
  const { d, offsetLow, offsetHigh, crossingIndex } = relaxHardSigmoidSameSlope(l, u);
  assert.ok(Math.abs(d.data[3]! - (sigma(1) - sigma(-5)) / 6) < 1e-15 && Math.abs(d.data[5]! - 1 / 8) < 1e-15 && d.data[2] === 1 / 6 && d.data[0] === 0);
  const lines = (j: number, x: number): [number, number] => [d.data[j]! * x + offsetLow.data[j]!, d.data[j]! * x + offsetHigh.data[j]!];
  assert.ok(gridViolation(L, U, lines) <= 1e-12, `leaves σ by ${gridViolation(L, U, lines)}`);
  assert.equal(Array.from(crossingIndex), [1, 2, 3, 4, 5, 6, 7, 8, 10, 11]); // units 0 and 9 sit on the 0 piece (t = 0)
  assert.ok([d, offsetLow, offsetHigh].every((t) => t.data.every(Number.isFinite)));
});

test.run();

// The per-step schedules of certified training: ε (linear, and Shi et al.'s smoothed ramp with
// matching value and slope at the mid point), β = 1 − ε_t/ε, κ from its start to its end value.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  betaAtStep, checkCertifiedSchedule, epsilonAtStep, kappaAtStep, type CertifiedSchedule,
} from '../../../src/train/certified/schedule.js';
import { certifiedLearningRate, checkCertifiedSettings, defaultCertifiedSettings } from '../../../src/train/certified/settings.js';

const base: CertifiedSchedule = { epsilon: 0.3, warmupSteps: 10, rampSteps: 100, ramp: 'smoothed', kappaStart: 1, kappaEnd: 0.5 };

test('warm-up at ε = 0, then the ramp, then ε (linear: ε·k/T)', () => {
  const lin = { ...base, ramp: 'linear' as const };
  for (let t = 0; t < 10; t++) assert.is(epsilonAtStep(t, lin), 0);
  assert.is(epsilonAtStep(10, lin), 0);
  assert.ok(Math.abs(epsilonAtStep(35, lin) - 0.3 * 25 / 100) < 1e-15);
  assert.is(epsilonAtStep(110, lin), 0.3);
  assert.is(epsilonAtStep(5000, lin), 0.3);
});

test('smoothed ramp: k^4 growth up to the mid step, then linear; value and slope agree at the mid step', () => {
  const at = (k: number) => epsilonAtStep(10 + k, base);
  // polynomial part: ε(k) / ε(k') = (k / k')^4 for k, k' < M = 25
  assert.ok(Math.abs(at(20) / at(10) - 16) < 1e-9, `${at(20) / at(10)}`);
  // linear part: constant differences after M
  assert.ok(Math.abs((at(60) - at(50)) - (at(90) - at(80))) < 1e-12);
  // slope continuity at M: left difference quotient ≈ right one
  const left = at(25) - at(24);
  const right = at(26) - at(25);
  assert.ok(Math.abs(left - right) / right < 0.13, `left ${left} right ${right}`);
  assert.ok(Math.abs(at(100) - 0.3) < 1e-15);
  assert.ok(at(5) < 0.3 * 5 / 100, 'starts slower than the linear ramp');
});

test('property: ε_t is non-decreasing, within [0, ε], and reaches ε at the end of the ramp', () => {
  fc.assert(fc.property(
    fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(50), fc.integer({ min: 1, max: 400 }), fc.constantFrom('linear' as const, 'smoothed' as const),
    fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.double({ min: 1, max: 6, noNaN: true }),
    (epsilon, warmupSteps, rampSteps, ramp, mid, power) => {
      const s = { epsilon, warmupSteps, rampSteps, ramp, mid, power, kappaStart: 1, kappaEnd: 0 };
      let previous = 0;
      for (let t = 0; t <= warmupSteps + rampSteps + 2; t++) {
        const e = epsilonAtStep(t, s);
        if (!(e >= previous - 1e-15 && e >= 0 && e <= epsilon + 1e-15)) return false;
        previous = e;
      }
      return epsilonAtStep(warmupSteps + rampSteps, s) === epsilon;
    }));
});

test('β goes 1 → 0 and κ goes κ_start → κ_end with ε_t / ε', () => {
  assert.is(betaAtStep(0, base), 1);
  assert.is(kappaAtStep(0, base), 1);
  assert.is(betaAtStep(110, base), 0);
  assert.is(kappaAtStep(110, base), 0.5);
  const t = 70;
  const f = epsilonAtStep(t, base) / 0.3;
  assert.ok(Math.abs(betaAtStep(t, base) - (1 - f)) < 1e-15);
  assert.ok(Math.abs(kappaAtStep(t, base) - (1 - 0.5 * f)) < 1e-15);
  // ε = 0: the fraction is 0 before the end of the ramp, 1 after
  const zero = { ...base, epsilon: 0 };
  assert.is(betaAtStep(50, zero), 1);
  assert.is(betaAtStep(200, zero), 0);
});

test('bad settings are rejected, naming the field', () => {
  assert.throws(() => checkCertifiedSchedule({ ...base, epsilon: -1 }), /epsilon must be a finite number >= 0/);
  assert.throws(() => checkCertifiedSchedule({ ...base, rampSteps: 1.5 }), /rampSteps must be an integer/);
  assert.throws(() => checkCertifiedSchedule({ ...base, mid: 1 }), /mid must lie in \(0, 1\)/);
  assert.throws(() => checkCertifiedSchedule({ ...base, kappaEnd: 2 }), /kappaEnd must lie in \[0, 1\]/);
  assert.throws(() => epsilonAtStep(-1, base), /step must be an integer >= 0/);
  const s = defaultCertifiedSettings({ epsilon: 0.1, epochs: 4 });
  assert.throws(() => checkCertifiedSettings({ ...s, rampEpochs: -1 }), /rampEpochs must be an integer >= 0/);
  assert.throws(() => checkCertifiedSettings({ ...s, batchSize: 0 }), /batchSize must be an integer >= 1/);
});

test('learning rate: multiplied by the factor at each decay epoch', () => {
  const s = { lr: 1e-3, lrDecayEpochs: [5, 8], lrDecayFactor: 0.2 };
  assert.is(certifiedLearningRate(4, s), 1e-3);
  assert.ok(Math.abs(certifiedLearningRate(5, s) - 2e-4) < 1e-18);
  assert.ok(Math.abs(certifiedLearningRate(9, s) - 4e-5) < 1e-18);
});

test.run();

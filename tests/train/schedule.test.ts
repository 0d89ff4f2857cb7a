import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  epsilonAt, epsilonSchedule, learningRateAt, linspace, MNIST_TRAINING_DEFAULTS,
} from '../../src/train/schedule.js';

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-15 * Math.max(1, Math.abs(b));

test('linspace matches numpy (endpoint exact, num 0 and 1)', () => {
  // np.linspace(0.01, 0.1, 10) = 0.01, 0.02, ..., 0.1 (step 0.01)
  const got = linspace(0.01, 0.1, 10);
  assert.is(got.length, 10);
  got.forEach((v, i) => assert.ok(close(v, 0.01 + i * 0.01), `[${i}] = ${v}`));
  assert.is(got[9], 0.1);
  assert.equal(linspace(3, 7, 1), [3]);
  assert.equal(linspace(3, 7, 0), []);
  assert.equal(linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
  assert.throws(() => linspace(0, 1, -1), /num must be an integer >= 0, got -1/);
});

test('mnist.py schedule: 10 ramp epochs from 0.01 to 0.1, then 0.1 for the rest of 20', () => {
  const d = MNIST_TRAINING_DEFAULTS;
  const s = epsilonSchedule({ epsilon: d.epsilon, startingEpsilon: d.startingEpsilon, scheduleLength: d.scheduleLength, epochs: d.epochs });
  assert.is(s.length, 20);
  assert.ok(close(s[0]!, 0.01));
  assert.ok(close(s[4]!, 0.05));
  assert.is(s[9], 0.1);
  for (let t = 10; t < 20; t++) assert.is(s[t], 0.1);
  for (let t = 1; t < 20; t++) assert.ok(s[t]! >= s[t - 1]!, 'the ramp never decreases');
  assert.is(epsilonAt(4, { epsilon: 0.1, startingEpsilon: 0.01, scheduleLength: 10, epochs: 20 }), s[4]);
  assert.is(epsilonAt(25, { epsilon: 0.1, startingEpsilon: 0.01, scheduleLength: 10, epochs: 20 }), 0.1);
});

test('starting epsilon defaults to the target (no ramp); length 0 also means no ramp', () => {
  assert.equal(epsilonSchedule({ epsilon: 0.2, epochs: 12 }), new Array(12).fill(0.2));
  assert.equal(epsilonSchedule({ epsilon: 0.2, startingEpsilon: 0, scheduleLength: 0, epochs: 3 }), [0.2, 0.2, 0.2]);
  // length 1: the single ramp entry is the starting epsilon (np.linspace(a, b, 1) = [a])
  assert.equal(epsilonSchedule({ epsilon: 0.2, startingEpsilon: 0.05, scheduleLength: 1, epochs: 3 }), [0.05, 0.2, 0.2]);
});

test('the schedule is rejected like the argparser does', () => {
  assert.throws(() => epsilonSchedule({ epsilon: 0.1, scheduleLength: 10, epochs: 5 }), /scheduleLength \(10\) is greater than the number of epochs \(5\)/);
  assert.throws(() => epsilonSchedule({ epsilon: -0.1, epochs: 20 }), /epsilon must be a finite number >= 0, got -0.1/);
  assert.throws(() => epsilonSchedule({ epsilon: 0.1, startingEpsilon: Number.NaN, epochs: 20 }), /startingEpsilon must be a finite number/);
  assert.throws(() => epsilonSchedule({ epsilon: 0.1, epochs: 2.5 }), /epochs must be an integer/);
  assert.throws(() => epsilonAt(-1, { epsilon: 0.1, epochs: 20 }), /epoch must be an integer >= 0, got -1/);
});

test('learning rate: StepLR(10, 0.5) counted from the end of the ramp', () => {
  const o = { lr: 1e-3, scheduleLength: 10 };
  for (let t = 0; t <= 19; t++) assert.is(learningRateAt(t, o), 1e-3, `epoch ${t}`);
  assert.is(learningRateAt(20, o), 5e-4);
  assert.is(learningRateAt(29, o), 5e-4);
  assert.is(learningRateAt(30, o), 2.5e-4);
  assert.is(learningRateAt(5, { lr: 0.05, scheduleLength: 0, stepSize: 2, gamma: 0.1 }), 0.05 * 0.1 ** 2);
  assert.throws(() => learningRateAt(0, { lr: 1, scheduleLength: 0, stepSize: 0 }), /stepSize must be a positive integer/);
});
test.run();

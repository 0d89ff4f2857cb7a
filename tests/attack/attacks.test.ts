import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attackDataset, fgs, pgd, PGD_DEFAULTS } from '../../src/attack/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { linearModel, reluNet } from './helpers.js';

// Two classes, logits z = W x + b with W = [[0,0,0],[1,-2,0.5]], b = 0: the class-1 minus
// class-0 margin is d(x) = x0 - 2 x1 + 0.5 x2, and the worst l∞ perturbation of radius eps
// changes it by exactly eps * ||(1,-2,0.5)||_1 = 3.5 eps, in the direction sign(1,-2,0.5).
const W = () => Tensor.from([[0, 0, 0], [1, -2, 0.5]], undefined, 'float64');
const b = () => Tensor.from([0, 0], undefined, 'float64');

test('FGS steps by eps * sign of the loss gradient (linear model, closed form)', () => {
  const model = linearModel(W(), b());
  const X = Tensor.from([[0.2, 0.3, 0.4], [0.5, 0.1, 0.2]], undefined, 'float64');
  // example 0 has d = 0.2 - 0.6 + 0.2 = -0.2 (class 0 correct): the attack raises d, moving +sign(w)
  // example 1 has d = 0.5 - 0.2 + 0.1 = 0.4 (class 1 correct): the attack lowers d, moving -sign(w)
  const r = fgs(model, X, [0, 1], 0.1);
  const expected = [[0.3, 0.2, 0.5], [0.4, 0.2, 0.1]];
  (r.adversarial.toArray() as number[][]).forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[i]![j]!) < 1e-12, `x'[${i}][${j}] = ${v}`)));
  // d after the attack: -0.2 + 0.35 = 0.15 > 0 (flipped) and 0.4 - 0.35 = 0.05 > 0 (not flipped)
  assert.equal([...r.errors], [1, 0]);
  assert.equal([...r.cleanErrors], [0, 0]);
  assert.is(r.errorRate, 0.5);
});

test('PGD flips a linear decision exactly when eps * ||w||_1 exceeds the margin', () => {
  const model = linearModel(W(), b());
  const X = Tensor.from([[0.2, 0.3, 0.4]], undefined, 'float64'); // d = -0.2, flips iff 3.5 eps > 0.2
  const below = pgd(model, X, [0], 0.05, { iterations: 20, step: 0.01 }); // 0.175 < 0.2
  const above = pgd(model, X, [0], 0.06, { iterations: 20, step: 0.01 }); // 0.21 > 0.2
  assert.equal([...below.errors], [0]);
  assert.equal([...above.errors], [1]);
  // PGD reaches the corner X + eps * sign(w) of the ball
  const corner = [0.26, 0.24, 0.46];
  [...above.adversarial.data].forEach((v, j) => assert.ok(Math.abs(v - corner[j]!) < 1e-12, `x'[${j}] = ${v}`));
});

test('PGD with 0 iterations returns X; defaults are the original 100 steps of 0.01', () => {
  const model = reluNet(4, 8, 3, 1);
  const X = Tensor.from([[0.1, 0.2, 0.3, 0.4]]);
  const r = pgd(model, X, [2], 0.1, { iterations: 0 });
  assert.equal([...r.adversarial.data], [...X.data]);
  assert.equal(PGD_DEFAULTS, { iterations: 100, step: 0.01 });
});

test('PGD finds at least the error FGS finds on a random network, and never less than clean error', () => {
  const model = reluNet(6, 16, 4, 3);
  const X = Tensor.uniform([16, 6], new Rng(5));
  const y = Int32Array.from({ length: 16 }, (_, i) => i % 4);
  const clean = fgs(model, X, y, 0);
  const f = fgs(model, X, y, 0.3);
  const p = pgd(model, X, y, 0.3, { iterations: 40, step: 0.02 });
  assert.ok(p.errorRate >= clean.cleanErrorRate, `pgd ${p.errorRate} < clean ${clean.cleanErrorRate}`);
  assert.ok(p.errorRate >= f.errorRate, `pgd ${p.errorRate} < fgs ${f.errorRate}`);
  assert.equal([...clean.errors], [...clean.cleanErrors], 'eps = 0 changes nothing');
});


test('attacks leave parameter gradients and requiresGrad flags as they were', () => {
  const model = linearModel(W(), b());
  const X = Tensor.from([[0.2, 0.3, 0.4]], undefined, 'float64');
  pgd(model, X, [0], 0.1, { iterations: 3 });
  fgs(model, X, [0], 0.1);
  assert.is(model.W.grad, null);
  assert.is(model.b.grad, null);
  assert.ok(model.W.requiresGrad && model.b.requiresGrad);
  assert.not.ok(X.requiresGrad);
});

test('random start is reproducible from the seed and differs between seeds', () => {
  const model = reluNet(5, 8, 3, 2);
  const X = Tensor.uniform([3, 5], new Rng(9));
  const opts = { iterations: 0, randomStart: true } as const;
  const a = pgd(model, X, [0, 1, 2], 0.2, { ...opts, seed: 1 });
  const a2 = pgd(model, X, [0, 1, 2], 0.2, { ...opts, seed: 1 });
  const c = pgd(model, X, [0, 1, 2], 0.2, { ...opts, seed: 2 });
  assert.equal([...a.adversarial.data], [...a2.adversarial.data]);
  assert.not.equal([...a.adversarial.data], [...c.adversarial.data]);
  assert.throws(() => pgd(model, X, [0, 1, 2], 0.2, { randomStart: true }), /randomStart needs options.rng or options.seed/);
});

test('bad arguments get an error naming the argument', () => {
  const model = reluNet(3, 4, 2, 0);
  const X = Tensor.from([[0.1, 0.5, 0.9]]);
  assert.throws(() => fgs(model, X, [0], -1), /fgs: epsilon must be a finite number >= 0, got -1/);
  assert.throws(() => pgd(model, X, [0, 1], 0.1), /pgd: y has 2 labels for a batch of 1/);
  assert.throws(() => pgd(model, X, [0], 0.1, { iterations: 1.5 }), /pgd: iterations must be an integer >= 0/);
  assert.throws(() => pgd(model, X, [0], 0.1, { step: Number.NaN }), /pgd: step must be a finite number/);
  assert.throws(() => fgs(model, Tensor.from([[1.5, 0, 0]]), [0], 0.1, { clip01: true }), /clip01 needs X in \[0, 1\], but X.data\[0\] = 1.5/);
  assert.throws(() => fgs(model, Tensor.from([0.1, 0.2, 0.3]), [0], 0.1), /X must be a batch/);
});

test('attackDataset averages over every example, including a short last batch', () => {
  const model = linearModel(W(), b());
  // three points with margins d = -0.2, -0.05, 0.4 (labels 0, 0, 1); with eps = 0.1 (shift 0.35)
  // the first two flip, the third (margin 0.4 > 0.35) does not.
  const images = Float32Array.from([0.2, 0.3, 0.4, 0.25, 0.15, 0, 0.5, 0.1, 0.2]);
  const ds = { images, labels: Int32Array.from([0, 0, 1]), n: 3, shape: [3] as const, classes: 2 };
  const seen: number[] = [];
  const s = attackDataset('pgd', model, ds, 0.1, { batchSize: 2, iterations: 20, step: 0.01, onBatch: (d) => seen.push(d) });
  assert.is(s.n, 3);
  assert.is(s.cleanError, 0);
  assert.ok(Math.abs(s.attackError - 2 / 3) < 1e-12, `${s.attackError}`);
  assert.equal(seen, [1, 2]);
});
test.run();

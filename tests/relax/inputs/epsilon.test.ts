// The radius forms and the input sets: a per-example ε gives each example the bounds it gets on
// its own, a per-dimension ε equal everywhere gives the scalar result, the box is exact for an
// identity layer, and bad radii or boxes are rejected with an error naming the argument.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DualLinear } from '../../../src/relax/layers/linear.js';
import { L2Ball } from '../../../src/relax/inputs/l2-ball.js';
import { LinfBall } from '../../../src/relax/inputs/linf-ball.js';
import { LinfBox } from '../../../src/relax/inputs/linf-box.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import type { DualObject } from '../../../src/relax/dual.js';

const rng = new Rng(5);
const X = Tensor.uniform([3, 4], rng, 0.2, 0.8, 'float64');
const W = Tensor.randn([5, 4], rng, 0, 1, 'float64');

function boundsThroughW(set: DualObject): [number[], number[]] {
  set.apply(new DualLinear(W, null));
  const [l, u] = set.bounds();
  return [Array.from(l.data), Array.from(u.data)];
}

function close(a: number[], b: number[], what: string): void {
  assert.is(a.length, b.length, what);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= 1e-12, `${what}[${i}]: ${v} vs ${b[i]}`));
}

for (const [name, make] of [['LinfBall', (x: Tensor, e: number | Tensor) => new LinfBall(x, e)], ['L2Ball', (x: Tensor, e: number | Tensor) => new L2Ball(x, e)]] as const) {
  test(`${name}: a per-example epsilon equals running each example with its own scalar`, () => {
    const eps = Tensor.from([0.1, 0.2, 0.05], [3], 'float64');
    const [l, u] = boundsThroughW(make(X, eps));
    for (let b = 0; b < 3; b++) {
      const row = Tensor.from(Array.from(X.data.slice(b * 4, b * 4 + 4)), [1, 4], 'float64');
      const [lb, ub] = boundsThroughW(make(row, eps.data[b]!));
      close(l.slice(b * 5, b * 5 + 5), lb, `${name} lower, example ${b}`);
      close(u.slice(b * 5, b * 5 + 5), ub, `${name} upper, example ${b}`);
    }
  });

  test(`${name}: a per-dimension epsilon equal everywhere equals the scalar`, () => {
    const [l, u] = boundsThroughW(make(X, Tensor.full([1, 4], 0.1, 'float64')));
    const [ls, us] = boundsThroughW(make(X, 0.1));
    close(l, ls, 'lower');
    close(u, us, 'upper');
  });
}

test('LinfBall with a per-dimension epsilon: ε_i |W_mi| summed, zero ε pins a coordinate', () => {
  const eps = Tensor.from([[0, 0.1, 0, 0.3]], undefined, 'float64');
  const [l, u] = boundsThroughW(new LinfBall(X, eps));
  for (let b = 0; b < 3; b++) {
    for (let m = 0; m < 5; m++) {
      let centre = 0;
      let spread = 0;
      for (let i = 0; i < 4; i++) {
        centre += W.data[m * 4 + i]! * X.data[b * 4 + i]!;
        spread += eps.data[i]! * Math.abs(W.data[m * 4 + i]!);
      }
      assert.ok(Math.abs(l[b * 5 + m]! - (centre - spread)) <= 1e-12);
      assert.ok(Math.abs(u[b * 5 + m]! - (centre + spread)) <= 1e-12);
    }
  }
});

test('LinfBox through the identity gives exactly [max(x − ε, 0), min(x + ε, 1)]', () => {
  const x = Tensor.from([[0.05, 0.5, 0.97]], undefined, 'float64');
  const box = new LinfBox(x, 0.1);
  box.apply(new DualLinear(Tensor.eye(3, 'float64'), null));
  const [l, u] = box.bounds();
  close(Array.from(l.data), [0, 0.4, 0.87], 'lower');
  close(Array.from(u.data), [0.15, 0.6, 1], 'upper');
});

test('bad radii and boxes are rejected, naming the argument', () => {
  assert.throws(() => new LinfBall(X, -0.1), /epsilon must be a finite number >= 0/);
  assert.throws(() => new LinfBall(X, Tensor.zeros([2], 'float64')), /epsilon must be a number, a per-example tensor \[3\]/);
  assert.throws(() => new L2Ball(X, Number.NaN), /epsilon/);
  assert.throws(() => new LinfBox(Tensor.from([[1.5, 0.5]], undefined, 'float64'), 0.1), /X: example 0 lies outside the input box/);
  assert.throws(() => new LinfBox(X, 0.1, Tensor.zeros([7], 'float64')), /inputLower must be a number or a tensor/);
  assert.throws(() => new LinfBox(X, 0.1, Number.NaN), /inputLower must be a number, got NaN/);
});

test.run();

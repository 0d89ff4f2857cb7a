import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { add, backward, exp, isGradEnabled, mul, noGrad, record, sum } from '../../src/autograd/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertAllClose, gradcheck } from '../helpers/gradcheck.js';

function leaf(values: number[]): Tensor {
  return Tensor.from(values, undefined, 'float64').requireGrad();
}

test('a diamond graph (x used by two branches that meet again) gets the summed gradient', () => {
  const x = leaf([0.5, -1]);
  const a = mul(x, 3);
  const b = exp(x);
  backward(sum(mul(add(a, b), a)));
  // d/dx [(3x + eˣ)·3x] = (3 + eˣ)·3x + (3x + eˣ)·3
  const expected = Array.from(x.data, (v) => (3 + Math.exp(v)) * 3 * v + (3 * v + Math.exp(v)) * 3);
  assertAllClose(x.grad!.data, expected);
  gradcheck((v) => { const p = mul(v, 3); return mul(add(p, exp(v)), p); }, [x]);
});

test('gradients accumulate across backward calls into .grad, and a deep chain does not overflow the stack', () => {
  const x = leaf([2]);
  backward(mul(x, x));
  backward(mul(x, 3));
  assert.equal(Array.from(x.grad!.data), [7]);
  let y: Tensor = leaf([1]);
  const start = y;
  for (let i = 0; i < 20000; i++) y = add(y, 0);
  backward(sum(y));
  assert.equal(Array.from(start.grad!.data), [1]);
});

test('backward with an explicit seed for a non-scalar output', () => {
  const x = leaf([1, 2, 3]);
  backward(mul(x, x), Tensor.from([1, 0, -1], undefined, 'float64'));
  assert.equal(Array.from(x.grad!.data), [2, 0, -6]);
});

test('noGrad records nothing and restores the mode, also after a throw', () => {
  const x = leaf([1]);
  const y = noGrad(() => mul(x, 2));
  assert.is(y.requiresGrad, false);
  assert.is(y.gradFn, null);
  assert.throws(() => noGrad(() => { throw new Error('boom'); }), /boom/);
  assert.is(isGradEnabled(), true);
  const z = mul(Tensor.from([1]), 2);
  assert.is(z.gradFn, null, 'no input requires grad: nothing recorded');
});

test('backward errors say what is wrong', () => {
  assert.throws(() => backward(Tensor.from([1])), /does not require grad/);
  assert.throws(() => backward(mul(leaf([1, 2]), 2)), /a gradient is needed for a non-scalar tensor of shape \[2\]/);
  const x = leaf([1, 2]);
  const bad = record(new Tensor(x.data.slice(), [2]), 'badShape', [x], () => [Tensor.zeros([3], 'float64')]);
  assert.throws(() => backward(sum(bad)), /backward of 'badShape' gave a gradient of shape \[3\] for an input of shape \[2\]/);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mul, record } from '../../src/autograd/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { distinct64, gradcheck, gradcheckReport, randn64 } from '../helpers/gradcheck.js';

/** x ⊙ y with a deliberately wrong backward: the gradient of y is scaled at one element. */
function brokenMul(x: Tensor, y: Tensor): Tensor {
  const out = new Tensor(x.data.map((v, i) => v * y.data[i]!), x.shape);
  return record(out, 'brokenMul', [x, y], (g) => {
    const gy = mul(g, x);
    gy.data[3] = gy.data[3]! * 1.001;
    return [mul(g, y), gy];
  });
}

test('gradcheck accepts a correct op and reports how many elements it compared', () => {
  const rng = new Rng(1);
  const report = gradcheck(mul, [randn64([2, 3], rng), randn64([2, 3], rng)]);
  assert.is(report.checked, 12);
  assert.is(report.failures, 0);
  assert.is(report.name, 'mul');
  assert.ok(report.worst!.ratio < 0.1, `worst ratio ${report.worst!.ratio}`);
});

test('gradcheck catches a backward that is off by 0.1% at one element, naming op, input and element', () => {
  const rng = new Rng(2);
  const inputs = [randn64([2, 3], rng), randn64([2, 3], rng)];
  const report = gradcheckReport(brokenMul, inputs);
  assert.is(report.failures, 1);
  assert.equal([report.worst!.input, report.worst!.element, report.worst!.index], [1, 3, [1, 0]]);
  assert.throws(() => gradcheck(brokenMul, inputs), /gradcheck\(brokenMul\): 1 of 12 gradient elements differ; worst: input 1 \[2, 3\] element 3 \[1, 0\]/);
});

test('gradcheck catches a missing gradient and a backward that ignores the output weights', () => {
  const rng = new Rng(3);
  const x = randn64([4], rng);
  const dropped = (v: Tensor): Tensor => record(new Tensor(v.data.map((a) => 2 * a), v.shape), 'dropped', [v], () => [null]);
  assert.throws(() => gradcheck(dropped, [x]), /dropped\): 4 of 4/);
  const unweighted = (v: Tensor): Tensor => record(new Tensor(v.data.map((a) => 2 * a), v.shape), 'unweighted', [v], (g) => [Tensor.full(g.shape, 2, g.dtype)]);
  assert.throws(() => gradcheck(unweighted, [x]), /unweighted/);
});

test('gradcheck respects wrt and rejects a float32 result', () => {
  const rng = new Rng(4);
  const report = gradcheck(mul, [distinct64([3], rng), distinct64([3], rng)], { wrt: [1] });
  assert.is(report.checked, 3);
  assert.is(report.worst!.input, 1);
  assert.throws(() => gradcheck((v) => v.to('float32').requireGrad(), [randn64([2], rng)]), /float64 inputs gave a float32 output/);
});

test.run();

// Dense / DenseSequential: ws = [w_k, …, w_1]; the LAST entry acts on the previous output, the
// first on the output k steps back; null skips; non-Dense layers see only the last output.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, sum } from '../../src/autograd/index.js';
import { Dense, DenseSequential, Identity, Linear, ReLU, Sequential } from '../../src/nn/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

/** A 1→1 Linear computing w·x + b. */
function scalar(w: number, b: number): Linear {
  const l = new Linear(1, 1, { rng: new Rng(0) });
  l.weight.data[0] = w;
  l.bias!.data[0] = b;
  return l;
}

/** x1 = 2x0 + 1; x2 = relu(x1); x3 = c(x0) + d(x2) with c = 3x, d = 5x − 1; x4 = x3 + 0.5. */
function net(): DenseSequential {
  return new DenseSequential(new Dense(scalar(2, 1)), new ReLU(), new Dense(scalar(3, 0), null, scalar(5, -1)), new ReLU(), scalar(1, 0.5));
}

test('Dense(c, null, d): c acts on the output three steps back (x0), d on the previous one (x2)', () => {
  const xs = net().outputs(Tensor.from([[1], [-2]]));
  assert.is(xs.length, 6);
  // x0 = 1: x1 = 3, x2 = 3, x3 = 3·1 + (5·3 − 1) = 17 (with c and d swapped it would be 13).
  // x0 = −2: x1 = −3, x2 = 0, x3 = 3·(−2) + (5·0 − 1) = −7.
  assert.equal(Array.from(xs[1]!.data), [3, -3]);
  assert.equal(Array.from(xs[2]!.data), [3, 0]);
  assert.equal(Array.from(xs[3]!.data), [17, -7]);
  assert.equal(Array.from(xs[4]!.data), [17, 0]);
  assert.equal(Array.from(net().forward(Tensor.from([[1], [-2]])).data), [17.5, 0.5]);
});

test('Dense(Identity, null, Linear) is the HAR resnet skip: x + W relu(...) + b', () => {
  const model = new DenseSequential(new Dense(scalar(1, -1)), new ReLU(), new Dense(new Identity(), null, scalar(2, 0)));
  // x0 = 3: x1 = 2, x2 = 2, x3 = x0 + 2·x2 = 7.
  assert.equal(Array.from(model.forward(Tensor.from([[3]])).data), [7]);
});

test('a non-Dense layer inside DenseSequential applies to the last output only', () => {
  const model = new DenseSequential(scalar(2, 0), scalar(3, 1));
  assert.equal(Array.from(model.forward(Tensor.from([[1]])).data), [7]);
});

test('gradients flow into every branch of a Dense layer', () => {
  const model = net();
  backward(sum(model.forward(Tensor.from([[1]]))));
  const grads = model.namedParameters().map(([name, p]) => [name, p.grad?.data[0]] as const);
  // x4 = 3·x0 + 5·relu(2x0 + 1) − 1 + 0.5 at x0 = 1 (all ReLUs active):
  // d/d(2.Ws.0.weight) = x0 = 1, d/d(2.Ws.2.weight) = x2 = 3, d/d(0.Ws.0.weight) = 5·x0 = 5.
  assert.equal(Object.fromEntries(grads), {
    '0.Ws.0.weight': 5, '0.Ws.0.bias': 5, '2.Ws.0.weight': 1, '2.Ws.0.bias': 1,
    '2.Ws.2.weight': 3, '2.Ws.2.bias': 1, '4.weight': 17, '4.bias': 1,
  });
});

test('Dense with more entries than outputs, or no entries, is an error', () => {
  const tooDeep = new DenseSequential(new Dense(scalar(1, 0), null, scalar(1, 0)));
  assert.throws(() => tooDeep.forward(Tensor.from([[1]])), /3 sub-layers need the last 3 outputs, but only 1 exist/);
  assert.throws(() => new Dense(null, null), /at least one non-null/);
  assert.throws(() => new Sequential(new Dense(scalar(1, 0), scalar(1, 0))).forward(Tensor.from([[1]])), /2 sub-layers/);
});

test.run();

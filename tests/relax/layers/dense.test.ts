// The Dense dual: forward sums each member applied to the activation it reads, members reaching
// before the history are dropped (zeros when none is left), and T per offset is the adjoint of
// the member at that offset.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DualDense } from '../../../src/relax/layers/dense.js';
import { DualIdentity } from '../../../src/relax/layers/identity.js';
import { DualLinear } from '../../../src/relax/layers/linear.js';
import { Tensor } from '../../../src/tensor/tensor.js';

const W = Tensor.from([[1, 2], [3, 4]], undefined, 'float64');
const dense = new DualDense([{ offset: 3, dual: new DualIdentity([2]) }, { offset: 1, dual: new DualLinear(W, null) }], [2]);

test('forward sums the members over the history: Identity(x_{-3}) + W x_{-1}', () => {
  const xs = [Tensor.from([[1, 1]], undefined, 'float64'), Tensor.from([[9, 9]], undefined, 'float64'), Tensor.from([[1, 0]], undefined, 'float64')];
  assert.equal(Array.from(dense.forward(xs).data), [2, 4]);
  assert.equal(dense.reads, [3, 1]);
  assert.ok(dense.inert);
});

test('members reaching before the history are dropped; zeros when none is left', () => {
  const onlySkip = new DualDense([{ offset: 2, dual: new DualIdentity([2]) }], [2]);
  const out = onlySkip.forward([Tensor.from([[5, 6]], undefined, 'float64')]);
  assert.equal(out.shape, [1, 2]);
  assert.equal(Array.from(out.data), [0, 0]);
  assert.equal(Array.from(dense.forward([Tensor.from([[1, 0]], undefined, 'float64')]).data), [1, 3]);
});

test('T(ν, offset) is the transpose of the member reading that offset', () => {
  const nu = Tensor.from([[[1, 1]]], undefined, 'float64');
  assert.equal(Array.from(dense.T(nu, 1).data), [4, 6]);
  assert.equal(Array.from(dense.T(nu, 3).data), [1, 1]);
  assert.throws(() => dense.T(nu, 2), /no member reads offset 2/);
});

test.run();

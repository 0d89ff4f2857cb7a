// HardSigmoid: PyTorch's nn.Hardsigmoid values and gradient, and its description ("Hardsigmoid",
// PyTorch's class name) round trip, so checkpoints record it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeLayer, describeModel, HardSigmoid, Linear, modelFromDescription, Sequential } from '../../src/nn/index.js';
import { Rng } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { gradcheck } from '../helpers/gradcheck.js';

test('HardSigmoid: 0 for x <= -3, 1 for x >= 3, x/6 + 1/2 between; gradient 1/6 inside, 0 outside', () => {
  const h = new HardSigmoid();
  const y = h.forward(Tensor.from([-7, -3, -1.5, 0, 1.2, 3, 4], undefined, 'float64'));
  assert.equal(Array.from(y.data), [0, 0, 0.25, 0.5, 0.7, 1, 1]);
  assert.is(y.dtype, 'float64');
  assert.is(new HardSigmoid().forward(Tensor.from([0.3])).dtype, 'float32');
  gradcheck((x) => h.forward(x), [Tensor.from([-5, -2.2, 0.4, 1.9, 3.5, -0.7], undefined, 'float64')], { name: 'HardSigmoid' });
  assert.equal(h.namedParameters(), []);
});

test('HardSigmoid description: {type: "Hardsigmoid"} both ways, inside a model', () => {
  assert.equal(describeLayer(new HardSigmoid()), { type: 'Hardsigmoid' });
  const net = new Sequential(new Linear(2, 3, { rng: new Rng(1) }), new HardSigmoid(), new Linear(3, 1, { rng: new Rng(2) }));
  const description = describeModel(net);
  assert.equal(description.layers[1], { type: 'Hardsigmoid' });
  const again = modelFromDescription(description);
  assert.ok(again.layers[1] instanceof HardSigmoid);
  assert.equal(describeModel(again), description);
});

test.run();

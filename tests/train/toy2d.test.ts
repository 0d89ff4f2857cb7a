import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { argmax, noGrad } from '../../src/autograd/index.js';
import { gridCentres } from '../../src/report/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { decisionGrid, fitToy, toyNetwork } from '../../src/train/toy2d.js';

test('toyNetwork has the notebook shape: 2-100-100-100-100-2 with ReLUs', () => {
  const net = toyNetwork(1);
  assert.equal(net.parameters().map((p) => p.shape), [[100, 2], [100], [100, 100], [100], [100, 100], [100], [100, 100], [100], [2, 100], [2]]);
});

test('fitToy drives the cross-entropy down and separates four points; seeded runs repeat exactly', () => {
  const X = Tensor.from([[0.1, 0.1], [0.9, 0.1], [0.1, 0.9], [0.9, 0.9]]);
  const y = Int32Array.from([0, 1, 1, 0]); // XOR: needs the hidden layers
  const losses = fitToy(toyNetwork(2, 16, 2), X, y, { steps: 300, lr: 1e-2 });
  assert.is(losses.length, 300);
  assert.ok(losses[299]! < 0.1 * losses[0]!, `loss ${losses[0]} -> ${losses[299]}`);
  const again = fitToy(toyNetwork(2, 16, 2), X, y, { steps: 300, lr: 1e-2 });
  assert.equal(again, losses);
});

test('decisionGrid holds the model argmax at the grid centres, row 0 at the top', () => {
  const net = toyNetwork(3, 8, 2);
  const size = 7;
  const grid = decisionGrid(net, size);
  const logits = noGrad(() => net.forward(new Tensor(gridCentres(size), [size * size, 2])));
  assert.equal(Array.from(grid.classes), [...argmax(logits, 1)]);
  assert.is(grid.size, size);
});
test.run();

// The ReLU dual: slopes d (1 active, 0 dead, u/(u−ℓ) crossing), the degenerate u = ℓ without
// NaN (value or gradient), the inert case, and row-form columns scaled by their own example.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, sum } from '../../../src/autograd/index.js';
import { dualRelu, relaxRelu } from '../../../src/relax/layers/relu.js';
import { Tensor } from '../../../src/tensor/tensor.js';

const f64 = (values: number[][]): Tensor => Tensor.from(values, undefined, 'float64');

test('slopes: active 1, dead 0, crossing u/(u − l), and the crossing mask', () => {
  const r = relaxRelu(f64([[1, -3, -1, 0, -2]]), f64([[2, -1, 3, 4, 0]]));
  assert.equal(Array.from(r.d.data), [1, 0, 0.75, 1, 0]);
  assert.equal(Array.from(r.crossing.data), [0, 0, 1, 0, 0]);
  assert.equal(Array.from(r.crossingIndex), [2]);
});

test('degenerate u = l (positive, zero, negative) gives finite slopes and finite gradients', () => {
  const lower = f64([[0.5, 0, -0.5, -1]]).requireGrad();
  const upper = f64([[0.5, 0, -0.5, 1]]).requireGrad();
  const { d } = relaxRelu(lower, upper);
  assert.equal(Array.from(d.data), [1, 1, 0, 0.5]);
  backward(sum(d));
  for (const g of [...lower.grad!.data, ...upper.grad!.data]) assert.ok(Number.isFinite(g), `gradient ${g}`);
  // ∂d/∂u = −l/(u−l)² = 0.25 and ∂d/∂l = u/(u−l)² = 0.25 on the crossing unit, 0 elsewhere.
  assert.equal(Array.from(upper.grad!.data), [0, 0, 0, 0.25]);
  assert.equal(Array.from(lower.grad!.data), [0, 0, 0, 0.25]);
});

test('no crossing unit: the dual is inert but still scales by d', () => {
  const relu = dualRelu(f64([[1, -2]]), f64([[2, -1]]));
  assert.ok(relu.inert);
  const out = relu.forward([f64([[5, 7]])]);
  assert.equal(Array.from(out.data), [5, 0]);
});

test('row-form columns are scaled by the slopes of their own example', () => {
  // Example 0 slopes [0.5, 1], example 1 slopes [0.25, 0].
  const relu = dualRelu(f64([[-1, 1], [-3, -2]]), f64([[1, 2], [1, -1]]));
  const rows = Int32Array.from([1, 0, 1]);
  const out = relu.forward([f64([[1, 1], [1, 1], [2, 2]])], rows);
  assert.equal(Array.from(out.data), [0.25, 0, 0.5, 1, 0.5, 0]);
});

test('column tensors [B, P, ...S] are scaled per example; the transpose equals the forward', () => {
  const relu = dualRelu(f64([[-1, 1], [-3, -2]]), f64([[1, 2], [1, -1]]));
  const x = Tensor.from([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], 'float64');
  assert.equal(Array.from(relu.forward([x]).data), [0.5, 2, 1.5, 4, 1.25, 0, 1.75, 0]);
  assert.equal(Array.from(relu.T(x).data), Array.from(relu.forward([x]).data));
});

test('bounds: each example collects only its own crossing rows', () => {
  // One crossing unit per example; the columns start as d_j e_j at the ReLU output.
  const relu = dualRelu(f64([[-1, 1], [2, -4]]), f64([[3, 2], [3, 4]]));
  const [lower, upper] = relu.bounds();
  // Example 0: unit 0, l = −1, d = 0.75 → lower term l·[−0.75]_+ = 0, upper −l·[0.75]_+ = 0.75.
  assert.equal(Array.from(lower.data), [0, 0, 0, 0]);
  assert.equal(Array.from(upper.data), [0.75, 0, 0, 2]);
});

test.run();

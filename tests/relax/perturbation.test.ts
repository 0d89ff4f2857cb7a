// The one perturbation value: validation names the field, JSON round-trips, and the support
// function (concretize) is the exact minimum over the set (l-inf box corners, l2 ball).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkPerturbation, concretize, inputBox, perturbationFromJson, perturbationToJson, samePerturbation } from '../../src/relax/perturbation.js';
import { Tensor } from '../../src/tensor/tensor.js';

const X = Tensor.from([[0.2, 0.9], [0.5, 0.05]], undefined, 'float64');

test('validation names the field and the expected form', () => {
  assert.throws(() => checkPerturbation({ norm: 'l3' as 'l2', epsilon: 0.1 }, X), /perturbation.norm must be 'linf' or 'l2'/);
  assert.throws(() => checkPerturbation({ norm: 'linf', epsilon: -1 }, X), /perturbation.epsilon/);
  assert.throws(() => checkPerturbation({ norm: 'linf', epsilon: Tensor.from([0.1, 0.2, 0.3], undefined, 'float64') }, X), /perturbation.epsilon/);
  assert.throws(() => checkPerturbation({ norm: 'l2', epsilon: 0.1, box: { lower: 0, upper: 1 } }, X), /box is only supported with norm 'linf'/);
  assert.throws(() => checkPerturbation({ norm: 'linf', epsilon: 0.1, box: { lower: 1, upper: 0 } }, X), /box.lower must be <= box.upper/);
  assert.throws(() => checkPerturbation({ norm: 'linf', epsilon: 0.1, projection: { k: 0 } }, X), /k must be a positive integer/);
  checkPerturbation({ norm: 'linf', epsilon: Tensor.from([0.1, 0.2], undefined, 'float64'), box: { lower: 0, upper: 1 } }, X);
});

test('JSON round trip; tensors are refused; bad JSON names the field', () => {
  const p = { norm: 'linf' as const, epsilon: 0.1, box: { lower: 0, upper: 1 }, projection: { k: 5, rng: 3 } };
  const json = perturbationToJson(p);
  assert.equal(JSON.parse(JSON.stringify(json)), { norm: 'linf', epsilon: 0.1, box: { lower: 0, upper: 1 }, projection: { k: 5, seed: 3 } });
  assert.ok(samePerturbation(perturbationFromJson(json), p));
  assert.not.ok(samePerturbation({ norm: 'l2', epsilon: 0.1 }, { norm: 'linf', epsilon: 0.1 }));
  assert.throws(() => perturbationToJson({ norm: 'linf', epsilon: Tensor.scalar(0.1) }), /not serialisable/);
  assert.throws(() => perturbationFromJson({ norm: 'linf' }), /perturbation.epsilon must be a finite number/);
  assert.throws(() => perturbationFromJson({ norm: 'l2', epsilon: 1, box: { lower: 0, upper: 1 } }), /box is only supported/);
  assert.throws(() => perturbationFromJson(null), /expected an object/);
});

test('concretize is the exact minimum: box corners (l-inf with [0,1]) and the l2 ball', () => {
  const A = Tensor.from([[[1, -2], [0.5, 0.5]]], undefined, 'float64'); // [1, R=2, n=2]
  const box = { norm: 'linf' as const, epsilon: 0.2, box: { lower: 0, upper: 1 } };
  const [lo, hi] = inputBox(box, X);
  const got = concretize(box, X, A).data;
  for (let b = 0; b < 2; b++) for (let r = 0; r < 2; r++) {
    let best = Infinity;
    for (const s0 of [0, 1]) for (const s1 of [0, 1]) {
      const x = [s0 ? hi.data[b * 2]! : lo.data[b * 2]!, s1 ? hi.data[b * 2 + 1]! : lo.data[b * 2 + 1]!];
      best = Math.min(best, A.data[r * 2]! * x[0]! + A.data[r * 2 + 1]! * x[1]!);
    }
    assert.ok(Math.abs(got[b * 2 + r]! - best) < 1e-12, `box b${b} r${r}: ${got[b * 2 + r]} vs ${best}`);
  }
  const l2 = concretize({ norm: 'l2', epsilon: 0.3 }, X, A).data;
  assert.ok(Math.abs(l2[0]! - (0.2 - 1.8 - 0.3 * Math.sqrt(5))) < 1e-12);
});

test.run();

// The one perturbation value: validation names the field, JSON round-trips, the support
// function (concretize) is the exact minimum over the set (l-inf box corners, l2 ball), and
// certify / robustLoss / robustLogits take it in place of (epsilon, set options).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkPerturbation, concretize, inputBox, perturbationFromJson, perturbationToJson, samePerturbation } from '../../src/relax/perturbation.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Rng } from '../../src/tensor/random.js';
import { modelFromDescription } from '../../src/nn/describe.js';
import { certify, robustLogits, robustLoss } from '../../src/relax/robust-loss.js';

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

const net = modelFromDescription({
  kind: 'Sequential', layers: [{ type: 'Linear', in: 2, out: 6, bias: true }, { type: 'ReLU' }, { type: 'Linear', in: 6, out: 3, bias: true }],
}, 5).to('float64');
const Xs = Tensor.uniform([4, 2], new Rng(2), 0, 1, 'float64');
const ys = [0, 1, 2, 1];

test('certify, robustLoss and robustLogits take a perturbation value: the same numbers as (epsilon, options), every method', () => {
  const cases = [
    { p: { norm: 'linf' as const, epsilon: 0.2, box: { lower: 0, upper: 1 } }, o: { norm: 'linf' as const, bounded: true, inputLower: 0, inputUpper: 1 } },
    { p: { norm: 'l2' as const, epsilon: 0.3 }, o: { norm: 'l2' as const } },
    { p: { norm: 'linf' as const, epsilon: Tensor.from([0.1, 0.2, 0.05, 0.3], undefined, 'float64') }, o: {} },
  ];
  for (const { p, o } of cases) {
    for (const method of ['dual', 'ibp', 'crown', 'crown-ibp', 'alpha-crown'] as const) {
      const viaValue = robustLogits(net, p, Xs, ys, { method });
      const viaOptions = robustLogits(net, p.epsilon, Xs, ys, { ...o, method });
      viaValue.data.forEach((v, k) => assert.is(v, viaOptions.data[k], `${p.norm} ${method} [${k}]`));
    }
    assert.equal(certify(net, p, Xs, ys, { sound: false }).errors, certify(net, p.epsilon, Xs, ys, { ...o, sound: false }).errors);
    assert.is(robustLoss(net, p, Xs, ys).loss.item(), robustLoss(net, p.epsilon, Xs, ys, o).loss.item());
  }
  // the box of the value is used: a box that excludes the ball's far side tightens the bound
  const boxed = robustLogits(net, { norm: 'linf', epsilon: 0.5, box: { lower: 0.4, upper: 0.6 } }, Xs, ys);
  const open = robustLogits(net, { norm: 'linf', epsilon: 0.5 }, Xs, ys);
  boxed.data.forEach((v, k) => assert.ok(v <= open.data[k]! + 1e-12, `box ignored at ${k}`));
  assert.ok(boxed.data.some((v, k) => v < open.data[k]! - 1e-6), 'the box changed nothing');
});

test('a perturbation value with set options too, or a malformed set, is refused naming the options', () => {
  const p = { norm: 'linf' as const, epsilon: 0.1 };
  assert.throws(() => certify(net, p, Xs, ys, { norm: 'l2' }), /certify: the perturbation value already gives the input set; drop options.norm/);
  assert.throws(() => robustLoss(net, p, Xs, ys, { bounded: true, inputUpper: 2 }), /robustLoss: .*drop options.bounded, options.inputUpper/);
  assert.throws(() => robustLogits(net, p, Xs, ys, { projection: { k: 2 } }), /robustLogits: .*options.projection/);
  assert.throws(() => certify(net, { ...p, projection: { k: 2 } }, Xs, ys), /projection gives estimated bounds/);
  assert.throws(() => certify(net, { epsilon: 0.1 } as never, Xs, ys), /radius \(number or tensor\) or a perturbation/);
  assert.throws(() => certify(net, { norm: 'l2', epsilon: 0.1, box: { lower: 0, upper: 1 } }, Xs, ys), /box|bounded/);
});

test.run();

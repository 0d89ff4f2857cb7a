// Tier 2 of the sound check (src/relax/sound/check.ts): the float64 recheck runs in IEEE float64
// (on gpu.js, which computes float64 tensors in float32, it runs on js); a float64 run's own logits
// are its recheck, so a float64 CROWN certificate is kept when, and only when, its margin clears
// the float64 a-priori error bound (they used to be withdrawn, all of them).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { noGrad } from '../../../src/autograd/index.js';
import { BatchNorm2d, Conv2d, Flatten, Linear, ReLU, Sequential } from '../../../src/nn/index.js';
import { certify, robustLogits } from '../../../src/relax/robust-loss.js';
import { soundCheck, type Recompute } from '../../../src/relax/sound/check.js';
import { float64Copy } from '../../../src/relax/sound/inputs.js';
import { Rng } from '../../../src/tensor/random.js';
import { getBackend, withBackend } from '../../../src/tensor/registry.js';
import { Tensor } from '../../../src/tensor/tensor.js';

function setup(dtype: 'float32' | 'float64'): { net: Sequential; X: Tensor; y: number[] } {
  const rng = new Rng(4);
  const net32 = new Sequential(new Linear(4, 8, { rng }), new ReLU(), new Linear(8, 3, { rng }));
  const net = dtype === 'float64' ? (float64Copy(net32) as Sequential) : net32;
  const X = Tensor.uniform([3, 4], new Rng(9), 0, 1).to(dtype);
  const out = noGrad(() => net.forward(X));
  const y = [0, 1, 2].map((b) => [0, 1, 2].reduce((best, j) => (out.data[b * 3 + j]! > out.data[b * 3 + best]! ? j : best), 0));
  return { net, X, y };
}

test('a float64 CROWN run keeps its certificates: its own logits clear the float64 error bound', () => {
  const { net, X, y } = setup('float64');
  const checked = certify(net, 1e-4, X, y, { method: 'crown' });
  const unchecked = certify(net, 1e-4, X, y, { method: 'crown', sound: false });
  assert.ok(Array.from(unchecked.errors).includes(0), 'the unchecked run certifies something');
  assert.equal(Array.from(checked.errors), Array.from(unchecked.errors));
  assert.is(checked.soundness!.withdrawn.length, 0);
});

test('a float64 margin below the error bound is not certified, and no recompute runs', () => {
  const { net, X, y } = setup('float64');
  const logits = noGrad(() => robustLogits(net, 1e-4, X, y, { method: 'crown' }));
  const thin = new Tensor(Float64Array.from(logits.data, (v) => (v === 0 ? 0 : -1e-300)), logits.shape);
  let calls = 0;
  const recompute: Recompute = () => { calls++; return thin; };
  const report = soundCheck(net, 1e-4, X, y, thin, null, {}, recompute);
  assert.equal(Array.from(report.errors), [1, 1, 1]);
  assert.is(calls, 0);
});

test('on gpu.js the float32 recheck runs on an IEEE float64 backend (js)', () => {
  const { net, X, y } = setup('float32');
  const logits = noGrad(() => robustLogits(net, 1e-4, X, y, { method: 'crown' }));
  const seen: string[] = [];
  const recompute: Recompute = (n, e, x, labels, o) => { seen.push(getBackend().name); return robustLogits(n, e, x, labels, { ...o, method: 'crown' }); };
  const report = withBackend('gpujs', () => soundCheck(net, 1e-4, X, y, logits, null, {}, recompute));
  assert.ok(seen.length > 0, 'the recheck ran');
  assert.equal([...new Set(seen)], ['js']);
  assert.ok(Array.from(report.errors).includes(0), 'and certified');
});

test('with a training-mode BatchNorm the recheck recomputes the whole batch (its statistics), and judges the right examples', () => {
  const rng = new Rng(2);
  const net = new Sequential(new Conv2d(1, 2, 3, { rng, padding: 1 }), new BatchNorm2d(2), new ReLU(), new Flatten(), new Linear(2 * 4 * 4, 3, { rng }));
  net.train();
  const X = Tensor.uniform([4, 1, 4, 4], new Rng(5), 0, 1);
  const y = [0, 1, 2, 0];
  // examples 1 and 3 are the fast path's certificates; 0 and 2 are not (a positive logit)
  const fake = new Tensor(Float32Array.from({ length: 12 }, (_, i) => (Math.floor(i / 3) % 2 === 1 ? (i % 3 === y[Math.floor(i / 3)] ? 0 : -1) : 1)), [4, 3]);
  const seen: number[] = [];
  const recompute: Recompute = (_n, _e, x) => { seen.push(x.shape[0]!); return new Tensor(Float64Array.from({ length: 12 }, (_, i) => (i % 3 === y[Math.floor(i / 3)] ? 0 : Math.floor(i / 3) === 3 ? -1 : 1)), [4, 3]); };
  const report = soundCheck(net, 1e-4, X, y, fake, null, {}, recompute);
  assert.equal(seen, [4]);
  // the full-batch recompute certifies example 3 only (its row 1 has positive logits)
  assert.equal(Array.from(report.errors), [1, 1, 1, 0]);
});

test.run();

// Soundness of verifyInstance on the operator network (no densified network: the path of
// convolutional image networks) on random small conv / BN / MaxPool / AvgPool / residual ONNX
// models and boxes: the answer never contradicts sampling and PGD on the ONNX graph (no `unsat`
// where a violating point is found), and every counterexample lies in its box and satisfies the
// property on the interpreter's forward pass. Thresholds are drawn around the sampled minimum so
// that sat, unsat and unknown all occur (the test counts them).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyInstance } from '../../src/verify/instance.js';
import { pgdOperators } from '../../src/verify/onnx/attack.js';
import { loadOnnxGraph } from '../../src/verify/onnx/graph.js';
import { evaluate } from '../../src/verify/onnx/interpret.js';
import { toOperatorNetwork } from '../../src/verify/onnx/to-network.js';
import { stackRows } from '../../src/verify/spec.js';
import type { VnnProperty } from '../../src/verify/vnnlib.js';
import { genesOf, randomCase, randomConvModel } from '../helpers/onnx-conv-models.js';

test('operator-network answers never contradict sampling / PGD; counterexamples are valid', () => {
  const counts = { sat: 0, unsat: 0, unknown: 0, timeout: 0 };
  for (let seed = 0; seed < 24; seed++) {
    const { graph, net, rand, lower, upper } = randomCase(300 + seed, seed, 0.01, 0.1);
    const margin = (x: ArrayLike<number>): number => { const y = evaluate(graph, x); return y[0]! - y[1]!; };
    let least = Infinity;
    for (let s = 0; s < 300; s++) least = Math.min(least, margin(lower.map((l, j) => l + rand() * (upper[j]! - l))));
    const t = least + (rand() - 0.6) * 0.5 * (1 + Math.abs(least)); // unsafe iff y0 − y1 ≤ t
    const row = { c: Float64Array.from([1, -1]), d: -t };
    const property: VnnProperty = { inputs: net.inputSize, outputs: 2, parts: [{ lower, upper, conjunctions: [[row]] }] };
    const res = verifyInstance(graph, undefined, property, { timeoutSeconds: 2, seed }, net);
    counts[res.result]++;
    if (res.result === 'sat') {
      const x = res.counterexample!.x;
      x.forEach((v, j) => assert.ok(v >= lower[j]! && v <= upper[j]!, `seed ${seed}: counterexample outside the box`));
      assert.ok(margin(x) <= t, `seed ${seed}: counterexample does not violate`);
    }
    if (res.result === 'unsat') {
      assert.ok(least > t, `seed ${seed}: unsat but a sampled point violates (${least} <= ${t})`);
      const found = pgdOperators(net, stackRows([[row]]), lower, upper, { restarts: 16, steps: 20, seed: seed + 1, deadline: Date.now() + 3000 });
      assert.is(found, undefined, `seed ${seed}: unsat but PGD found a violation`);
    }
  }
  assert.ok(counts.sat > 0 && counts.unsat > 0, `both answers occur: ${JSON.stringify(counts)}`);
});

test('an always-violated property is sat, by search alone and with the operator network; a never-violated one unsat only with it', () => {
  const graph = loadOnnxGraph(randomConvModel(1, genesOf(1)));
  const net = toOperatorNetwork(graph);
  const lower = new Float64Array(net.inputSize).fill(-0.01);
  const upper = new Float64Array(net.inputSize).fill(0.01);
  const property = (d: number): VnnProperty => ({ inputs: net.inputSize, outputs: 2, parts: [{ lower, upper, conjunctions: [[{ c: Float64Array.from([1, 0]), d }]] }] });
  assert.is(verifyInstance(graph, undefined, property(-1e6), { timeoutSeconds: 1 }).result, 'sat');
  assert.is(verifyInstance(graph, undefined, property(-1e6), { timeoutSeconds: 1 }, net).result, 'sat');
  assert.is(verifyInstance(graph, undefined, property(1e6), { timeoutSeconds: 1 }).result, 'unknown');
  assert.is(verifyInstance(graph, undefined, property(1e6), { timeoutSeconds: 1 }, net).result, 'unsat');
});

test.run();

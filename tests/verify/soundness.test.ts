// Soundness of `verifyInstance` against an exact MILP (HiGHS, big-M ReLU encoding) on random tiny
// ONNX networks and properties: never a wrong sat or unsat, and every counterexample is inside
// the box and satisfies the property on the ONNX graph's forward pass. Thresholds are drawn near
// the sampled minimum, so both answers occur (the test counts them).
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { seededRandom } from '../../src/verify/attack.js';
import { verifyInstance } from '../../src/verify/instance.js';
import { extractNetwork, forwardPl } from '../../src/verify/network.js';
import { loadOnnxGraph } from '../../src/verify/onnx/graph.js';
import type { VnnProperty } from '../../src/verify/vnnlib.js';
import { exactMin, judge, randomModel } from '../helpers/verify-milp.js';

test('verify agrees with the exact MILP on random tiny networks; counterexamples are valid', () => {
  const tally = { sat: 0, unsat: 0, other: 0 };
  fc.assert(fc.property(fc.record({
    seed: fc.integer({ min: 0, max: 1e6 }), d: fc.integer({ min: 1, max: 3 }),
    hidden: fc.array(fc.integer({ min: 2, max: 6 }), { minLength: 1, maxLength: 2 }), percent: fc.integer({ min: -25, max: 8 }),
  }), ({ seed, d, hidden, percent }) => {
    const graph = loadOnnxGraph(randomModel(seed, d, hidden));
    const net = extractNetwork(graph);
    const rand = seededRandom(seed + 1);
    const lower = Float64Array.from({ length: d }, () => -1 + rand());
    const upper = Float64Array.from(lower, (l) => l + 0.2 + rand());
    const c = [1, -1];
    const samples = Array.from({ length: 200 }, () => { const y = forwardPl(net, lower.map((l, j) => l + rand() * (upper[j]! - l))).output; return y[0]! - y[1]!; });
    const smin = Math.min(...samples);
    const smax = Math.max(...samples);
    const dd = -(smin + (percent / 100) * (smax - smin)); // unsafe iff y0 - y1 + dd <= 0
    const property: VnnProperty = { inputs: d, outputs: 2, parts: [{ lower, upper, conjunctions: [[{ c: Float64Array.from(c), d: dd }]] }] };
    const r = verifyInstance(graph, net, property, { timeoutSeconds: 2, seed });
    const exact = exactMin(net, lower, upper, c, dd);
    judge(r, graph, lower, upper, dd, exact, tally);
  }), { seed: 11, numRuns: 30 });
  assert.ok(tally.sat >= 5 && tally.unsat >= 5, `both answers must occur: ${JSON.stringify(tally)}`);
});

test.run();

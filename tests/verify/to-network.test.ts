// The ONNX graph as a network of the bound engine's operators (src/verify/onnx/to-network.ts):
// its forward pass equals the float64 interpreter on every generated test model and on random
// conv / BN / MaxPool / AvgPool / residual models (asymmetric pads included) and the shared
// VNN-COMP test networks; ops without an operator are refused with the node named. The bounds
// (bound.ts) hold at sampled and PGD points of random boxes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { seededRandom } from '../../src/verify/attack.js';
import { pgdOperators } from '../../src/verify/onnx/attack.js';
import { boundRows } from '../../src/verify/onnx/bound.js';
import { loadOnnxGraph, type OnnxGraph } from '../../src/verify/onnx/graph.js';
import { evaluate } from '../../src/verify/onnx/interpret.js';
import { forwardOperators, toOperatorNetwork } from '../../src/verify/onnx/to-network.js';
import { stackRows } from '../../src/verify/spec.js';
import { genesOf, randomCase, randomConvModel } from '../helpers/onnx-conv-models.js';
import { buildModel, testModels } from '../helpers/onnx-models.js';

const SHARED = new URL('../../../shared/vnncomp2021/', import.meta.url).pathname;

/** Operator network = interpreter at `trials` random points of [-2, 2]. */
function checkForward(name: string, graph: OnnxGraph, trials = 4): void {
  const net = toOperatorNetwork(graph);
  const rand = seededRandom(5);
  for (let t = 0; t < trials; t++) {
    const x = Array.from({ length: net.inputSize }, () => rand() * 4 - 2);
    const want = evaluate(graph, x);
    const got = forwardOperators(net, x);
    assert.is(got.length, want.length, `${name}: output size`);
    want.forEach((v, i) => assert.ok(Math.abs(v - got[i]!) <= 1e-9 * (1 + Math.abs(v)), `${name} output ${i}: ${got[i]} vs ${v}`));
  }
}

for (const [name, model] of Object.entries(testModels())) {
  test(`generated model '${name}': the operator network ${name === 'sigmoid' ? 'is refused with the node named' : 'equals the forward pass'}`, () => {
    const graph = loadOnnxGraph(model.bytes);
    if (name === 'sigmoid') assert.throws(() => toOperatorNetwork(graph), /^node n1_Sigmoid \(op Sigmoid\): the bound engine has no operator for it$/);
    else checkForward(name, graph);
  });
}

test('random conv / BN / MaxPool / AvgPool / residual models (asymmetric pads too): operator network = forward pass', () => {
  for (let seed = 0; seed < 12; seed++) checkForward(`seed ${seed} ${JSON.stringify(genesOf(seed))}`, loadOnnxGraph(randomConvModel(seed, genesOf(seed))));
});

const sharedModels = existsSync(SHARED) ? ['test', 'acasxu'].flatMap((b) => readdirSync(join(SHARED, b)).filter((f) => f.endsWith('.onnx')).slice(0, 3).map((f) => join(SHARED, b, f))) : [];
test(`VNN-COMP models (${sharedModels.length} of ../shared/vnncomp2021): operator network = forward pass`, () => {
  for (const file of sharedModels) checkForward(file, loadOnnxGraph(readFileSync(file)), 2);
});

test('a grouped convolution is refused naming the node (the caller keeps the densified path)', () => {
  const cw = { dims: [2, 1, 3, 3], values: Array.from({ length: 18 }, (_, i) => (i % 5) / 4 - 0.5) };
  const graph = loadOnnxGraph(buildModel([1, 2, 4, 4], [{ op: 'Conv', inputs: ['x', 'cw'], output: 'c', attrs: { kernel_shape: [3, 3], group: 2 } }, { op: 'Relu', inputs: ['c'], output: 'y' }], { cw }));
  assert.throws(() => toOperatorNetwork(graph), /^node n0_Conv \(op Conv\): grouped convolutions are not supported/);
});

test('CROWN / alpha-CROWN row bounds hold at sampled and PGD points of random boxes', () => {
  for (let seed = 0; seed < 9; seed++) {
    const { graph, net, rand, lower, upper } = randomCase(100 + seed, seed, 0.02, 0.2);
    const rows = [{ c: Float64Array.from([1, -1]), d: 0 }, { c: Float64Array.from([-1, 0.5]), d: 0.25 }];
    for (const alphaIterations of [0, 5]) {
      const b = boundRows(net, lower, upper, rows, { alphaIterations });
      const value = (x: ArrayLike<number>, k: number): number => { const y = evaluate(graph, x); return rows[k]!.c[0]! * y[0]! + rows[k]!.c[1]! * y[1]! + rows[k]!.d; };
      for (let s = 0; s < 200; s++) {
        const x = lower.map((l, j) => l + rand() * (upper[j]! - l));
        rows.forEach((_, k) => assert.ok(b.lower[k]! <= value(x, k) + 1e-12, `seed ${seed} row ${k}: bound ${b.lower[k]} above ${value(x, k)}`));
      }
      rows.forEach((row, k) => {
        // a point with row value below the bound would be a PGD "counterexample" to c·y + d − bound + 1e-9 ≤ 0
        const stacked = stackRows([[{ c: row.c, d: row.d - b.lower[k]! + 1e-9 }]]);
        const x = pgdOperators(net, stacked, lower, upper, { restarts: 8, steps: 15, seed, deadline: Date.now() + 3000 });
        assert.is(x, undefined, `seed ${seed} row ${k}: PGD went below the bound ${b.lower[k]}`);
        assert.ok(Number.isFinite(b.lower[k]!), `seed ${seed}: finite bound`);
      });
    }
  }
});

test.run();

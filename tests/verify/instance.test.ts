// verifyInstance on graphs the bound engine cannot take (MaxPool): a random search on the ONNX
// graph finds easy counterexamples and otherwise answers unknown, never unsat; and a property
// whose unsafe set is a disjunction of input boxes is decided box by box.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { verifyInstance } from '../../src/verify/instance.js';
import { extractNetwork } from '../../src/verify/network.js';
import { loadOnnxGraph } from '../../src/verify/onnx/graph.js';
import { evaluate } from '../../src/verify/onnx/interpret.js';
import type { VnnProperty } from '../../src/verify/vnnlib.js';
import { testModels } from '../helpers/onnx-models.js';

const row = (c: number[], d: number): { c: Float64Array; d: number } => ({ c: Float64Array.from(c), d });

test('MaxPool graph: sat by search when easy, unknown (not unsat) otherwise', () => {
  const graph = loadOnnxGraph(testModels().maxpool!.bytes);
  const lower = new Float64Array(16).fill(-1);
  const upper = new Float64Array(16).fill(1);
  const y0 = evaluate(graph, new Float64Array(16))[0]!;
  const prop = (t: number): VnnProperty => ({ inputs: 16, outputs: 2, parts: [{ lower, upper, conjunctions: [[row([1, 0], -t)]] }] });
  const easy = verifyInstance(graph, undefined, prop(y0 + 1e-3), { timeoutSeconds: 2 });
  assert.is(easy.result, 'sat');
  assert.ok(evaluate(graph, easy.counterexample!.x)[0]! <= y0 + 1e-3);
  const hard = verifyInstance(graph, undefined, prop(-1e6), { timeoutSeconds: 1 });
  assert.is(hard.result, 'unknown');
});

test('two input boxes: unsat needs both, sat names a point of the violating box', () => {
  const graph = loadOnnxGraph(testModels().mlp!.bytes);
  const net = extractNetwork(graph);
  const box = (l: number): { lower: Float64Array; upper: Float64Array } => ({ lower: new Float64Array(3).fill(l), upper: new Float64Array(3).fill(l + 0.1) });
  const y = (l: number): number => evaluate(graph, new Float64Array(3).fill(l + 0.05))[0]!;
  // unsafe iff y0 >= t; t above both boxes' outputs except near box 2's centre value
  const far = Math.max(y(0), y(2)) + 50;
  const none: VnnProperty = { inputs: 3, outputs: 2, parts: [0, 2].map((l) => ({ ...box(l), conjunctions: [[row([-1, 0], far)]] })) };
  assert.is(verifyInstance(graph, net, none, { timeoutSeconds: 5 }).result, 'unsat');
  const some: VnnProperty = { inputs: 3, outputs: 2, parts: [{ ...box(0), conjunctions: [[row([-1, 0], far)]] }, { ...box(2), conjunctions: [[row([-1, 0], y(2) - 1e-3)]] }] };
  const r = verifyInstance(graph, net, some, { timeoutSeconds: 5 });
  assert.is(r.result, 'sat');
  r.counterexample!.x.forEach((v) => assert.ok(v >= 2 && v <= 2.1));
});

test.run();

// ONNX import: the float64 interpreter against onnxruntime-node on every test model (the shared
// VNN-COMP networks when ../shared is there, and small generated models covering every mapped
// op); the network read off the graph against the interpreter; one-line errors for what is
// not supported.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { seededRandom } from '../../src/verify/attack.js';
import { extractNetwork, forwardPl } from '../../src/verify/network.js';
import { loadOnnxGraph } from '../../src/verify/onnx/graph.js';
import { evaluate } from '../../src/verify/onnx/interpret.js';
import { buildModel, testModels } from '../helpers/onnx-models.js';

const SHARED = new URL('../../../shared/vnncomp2021/', import.meta.url).pathname;

/** Our output and onnxruntime's at a few seeded inputs agree to float32 precision. */
async function checkAgainstOrt(name: string, bytes: Uint8Array): Promise<void> {
  const graph = loadOnnxGraph(bytes);
  const session = await ort.InferenceSession.create(bytes);
  const n = graph.inputShape.reduce((a, b) => a * b, 1);
  const rand = seededRandom(7);
  for (let trial = 0; trial < 3; trial++) {
    const x = Float32Array.from({ length: n }, () => rand() * 2 - 1);
    const ours = evaluate(graph, x);
    const out = await session.run({ [graph.inputName]: new ort.Tensor('float32', x, [...graph.inputShape]) });
    const theirs = out[graph.outputName]!.data as Float32Array;
    assert.is(ours.length, theirs.length, `${name}: output size`);
    ours.forEach((v, i) => {
      const tol = 1e-5 * (1 + Math.abs(v));
      assert.ok(Math.abs(v - theirs[i]!) <= tol, `${name}: output ${i}: ours ${v}, onnxruntime ${theirs[i]}`);
    });
  }
}

for (const [name, model] of Object.entries(testModels())) {
  test(`generated model '${name}': forward pass equals onnxruntime`, async () => {
    await checkAgainstOrt(name, model.bytes);
  });
  test(`generated model '${name}': the densified network ${model.boundable ? 'equals the forward pass' : 'is refused with the node named'}`, () => {
    const graph = loadOnnxGraph(model.bytes);
    if (!model.boundable) {
      assert.throws(() => extractNetwork(graph), /^node n\d+_(MaxPool|Sigmoid) \(op (MaxPool|Sigmoid)\): not supported by the bound engine/);
      return;
    }
    const net = extractNetwork(graph);
    const rand = seededRandom(3);
    for (let t = 0; t < 5; t++) {
      const x = Array.from({ length: net.inputSize }, () => rand() * 4 - 2);
      const want = evaluate(graph, x);
      const got = forwardPl(net, x).output;
      want.forEach((v, i) => assert.ok(Math.abs(v - got[i]!) <= 1e-9 * (1 + Math.abs(v)), `${name} output ${i}: ${got[i]} vs ${v}`));
    }
  });
}

const sharedModels = existsSync(SHARED) ? ['test', 'acasxu'].flatMap((b) => readdirSync(join(SHARED, b)).filter((f) => f.endsWith('.onnx')).slice(0, 6).map((f) => join(SHARED, b, f))) : [];
test(`VNN-COMP models (${sharedModels.length} of ../shared/vnncomp2021): forward pass equals onnxruntime`, async () => {
  for (const file of sharedModels) await checkAgainstOrt(file, readFileSync(file));
});

test('an unsupported op is a one-line error naming the node and op', () => {
  const bytes = buildModel([1, 2], [{ op: 'Softmax', inputs: ['x'], output: 'y' }], {});
  assert.throws(() => loadOnnxGraph(bytes), (e: Error) => /^unsupported ONNX node n0_Softmax \(op Softmax\)/.test(e.message) && !e.message.includes('\n'));
});

test('an unsupported attribute is named with its node', () => {
  const bytes = buildModel([1, 2], [{ op: 'Relu', inputs: ['x'], output: 'y', attrs: { alpha: 0.1 } }], {});
  assert.throws(() => loadOnnxGraph(bytes), /unsupported attribute 'alpha' of ONNX node n0_Relu \(op Relu\)/);
});

test('bytes that are not ONNX are refused clearly', () => {
  assert.throws(() => loadOnnxGraph(new Uint8Array([1, 2, 3, 4, 5])), /not a readable ONNX model|no graph nodes/);
});

test.run();

// The `model` descriptions of the reference vectors build modules whose parameter names and
// shapes match the cases' state dicts exactly, and whose forward pass agrees with the original:
// at the centre X of the perturbation set, the pre-activation of every ReLU lies inside the
// bounds [zl, zu] the original computed (tight for the small-radius `_b` cases, so a wrong skip
// ordering in Dense would fall outside). Fixture copies always run; ../shared/reference when present.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { noGrad } from '../../src/autograd/index.js';
import { loadStateDict } from '../../src/io/torch.js';
import { describeModel, modelFromDescription, stateDictFromJson, type DenseSequential, type Sequential } from '../../src/nn/index.js';
import { Tensor, type NestedArray } from '../../src/tensor/tensor.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixtureDir = resolve(repoRoot, 'tests', 'fixtures', 'reference');
const sharedDir = resolve(repoRoot, '..', 'shared', 'reference', 'public');

interface ReferenceCase {
  model: unknown;
  state_dict: Record<string, NestedArray>;
  input: { X: NestedArray };
  expected: { relu_bounds: { zl: NestedArray; zu: NestedArray }[] };
}

/** Inputs of every ReLU of the network at x (what the bounds bound). */
function reluInputs(model: Sequential | DenseSequential, x: Tensor): Tensor[] {
  const inputs: Tensor[] = [];
  if (model.kind === 'denseSequential') {
    const xs = model.outputs(x);
    model.layers.forEach((l, i) => { if (l.kind === 'relu') inputs.push(xs[i]!); });
  } else {
    let h = x;
    for (const l of model.layers) { if (l.kind === 'relu') inputs.push(h); h = l.forward(h); }
  }
  return inputs;
}

function checkCase(path: string, checkpoint: string | null): void {
  const c = JSON.parse(readFileSync(path, 'utf8')) as ReferenceCase;
  const model = modelFromDescription(c.model).to('float64');
  assert.equal(describeModel(model), c.model, 'description round trip');
  const sd = stateDictFromJson(c.state_dict);
  assert.equal([...model.stateDict().keys()].sort(), [...sd.keys()].sort());
  model.loadStateDict(sd);
  if (checkpoint) {
    const fromTorch = modelFromDescription(c.model).loadStateDict(loadStateDict(checkpoint));
    for (const [k, v] of fromTorch.stateDict()) {
      const expected = sd.get(k)!.data;
      v.data.forEach((value, i) => assert.ok(Math.abs(value - expected[i]!) <= 1e-6 * (1 + Math.abs(expected[i]!)), `${k}[${i}]`));
    }
  }
  const z = noGrad(() => reluInputs(model, Tensor.from(c.input.X, undefined, 'float64')));
  assert.is(z.length, c.expected.relu_bounds.length);
  z.forEach((zi, i) => {
    const lo = Tensor.from(c.expected.relu_bounds[i]!.zl, undefined, 'float64');
    const hi = Tensor.from(c.expected.relu_bounds[i]!.zu, undefined, 'float64');
    assert.equal(zi.shape, lo.shape, `ReLU ${i} shape`);
    for (let j = 0; j < zi.size; j++) {
      const v = zi.data[j]!;
      assert.ok(v >= lo.data[j]! - 1e-9 && v <= hi.data[j]! + 1e-9, `ReLU ${i} element ${j}: ${v} outside [${lo.data[j]}, ${hi.data[j]}]`);
    }
  });
}

function casesIn(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
}

function checkpointFor(dir: string, jsonName: string): string | null {
  for (const ext of ['.pth', '.torch']) {
    const p = join(dir, jsonName.replace(/\.json$/, ext));
    if (existsSync(p)) return p;
  }
  return null;
}

for (const f of casesIn(fixtureDir)) {
  test(`fixture ${f}: builds, loads strictly, forward inside the reference ReLU bounds`, () => checkCase(join(fixtureDir, f), checkpointFor(fixtureDir, f)));
}

if (existsSync(sharedDir)) {
  for (const f of casesIn(sharedDir)) {
    test(`shared ${f}: builds, loads strictly, forward inside the reference ReLU bounds`, () => checkCase(join(sharedDir, f), checkpointFor(sharedDir, f)));
  }
} else {
  console.log(`tests/nn/reference-models: not checking the shared references: ${sharedDir} does not exist`);
}

test('malformed descriptions are rejected with the path of the bad entry', () => {
  assert.throws(() => modelFromDescription({ kind: 'Sequential', layers: [{ type: 'Linear', in: 2, out: 'x', bias: true }] }), /model\.layers\[0\]\.out/);
  assert.throws(() => modelFromDescription({ kind: 'DenseSequential', layers: [{ type: 'Dense', ws: [{ type: 'Tanh' }] }] }), /model\.layers\[0\]\.ws\[0\]\.type/);
  assert.throws(() => modelFromDescription({ kind: 'Graph', layers: [] }), /model\.kind/);
});

test.run();

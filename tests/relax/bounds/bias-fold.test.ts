// Back-substitution's shortcuts give the numbers and gradients of the plain steps they replace:
// a linear layer's bias folded into the next element-wise layer's lines (bias-fold.ts) = the
// separate product λ·b; the l∞ support function as one op (box-support.ts) = concretize's
// composition; the one-pass finiteness check of safeLines = the three checks it replaces.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { add, backward, mul, sum, unsqueeze } from '../../../src/autograd/index.js';
import { Conv2d, Flatten, Linear, ReLU, Residual, Sequential } from '../../../src/nn/index.js';
import { concretize, type Perturbation } from '../../../src/relax/perturbation.js';
import { backSubstitute, compileNetwork, intervalBounds, type Lines } from '../../../src/relax/bounds/index.js';
import { context } from '../../../src/relax/bounds/compute-bounds.js';
import { canFoldBias, linesWithBias } from '../../../src/relax/bounds/bias-fold.js';
import { supportFromBelow } from '../../../src/relax/bounds/box-support.js';
import { finiteWidths } from '../../../src/relax/bounds/crown.js';
import { reluOp } from '../../../src/relax/bounds/activations.js';
import { linearOp } from '../../../src/relax/bounds/linear-ops.js';
import type { BoundGraph } from '../../../src/relax/bounds/operators.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';

function close(a: Tensor | null | undefined, b: Tensor | null | undefined, what: string, tol = 1e-12): void {
  assert.ok(a && b, `${what}: missing`);
  assert.equal(a!.shape, b!.shape, `${what}: shape`);
  a!.data.forEach((v, k) => {
    const w = b!.data[k]!;
    assert.ok(Object.is(v, w) || Math.abs(v - w) <= tol * (1 + Math.abs(w)), `${what}[${k}]: ${v} vs ${w}`);
  });
}

const weights = (t: Tensor, seed: number): Tensor => Tensor.uniform(t.shape, new Rng(seed), -1, 1, t.dtype);

test('linesWithBias = a ⊙ b + line bias (values, gradients of slopes, biases and b; conv and dense layouts, null lower bias)', () => {
  const rng = new Rng(3);
  for (const [shape, biasShape, lowerBias] of [[[3, 2, 4, 4], [1, 2, 1, 1], false], [[3, 5], [1, 5], true], [[1, 2, 3, 3], [1, 2, 1, 1], true]] as const) {
    const rand = (s: readonly number[]): Tensor => Tensor.uniform([...s], rng, -1, 1, 'float64').requireGrad();
    const lines: Lines = { lowerSlope: rand(shape), upperSlope: rand(shape), lowerBias: lowerBias ? rand(shape) : null, upperBias: rand(shape) };
    const bias = rand(biasShape);
    const inputs = [lines.lowerSlope, lines.upperSlope, lines.upperBias!, bias, ...(lines.lowerBias ? [lines.lowerBias] : [])];
    // the slopes are read too (as the element-wise step does): their gradient is the step's plus g ⊙ b
    const run = (f: () => Tensor[]): { values: Tensor[]; grads: Tensor[] } => {
      inputs.forEach((t) => { t.grad = null; });
      const values = f();
      backward(values.map((v, k) => sum(mul(v, weights(v, k + 1)))).reduce((a, b) => add(a, b)));
      return { values, grads: inputs.map((t) => t.grad!) };
    };
    const fused = run(() => { const l = linesWithBias(lines, bias); return [l.lowerBias!, l.upperBias!, l.lowerSlope, l.upperSlope]; });
    const plain = run(() => [lines.lowerBias ? add(mul(lines.lowerSlope, bias), lines.lowerBias) : mul(lines.lowerSlope, bias), add(mul(lines.upperSlope, bias), lines.upperBias!), lines.lowerSlope, lines.upperSlope]);
    fused.values.forEach((v, k) => close(v, plain.values[k], `[${shape.join(', ')}] value ${k}`));
    fused.grads.forEach((g, k) => close(g, plain.grads[k], `[${shape.join(', ')}] gradient ${k}`));
  }
});

test('linesWithBias: built once per lines and bias, a copy that a later in-place write to b does not change', () => {
  const line = (v: number[]): Tensor => Tensor.from(v, [1, 2], 'float64');
  const lines: Lines = { lowerSlope: line([1, 0.5]), upperSlope: line([1, 0.5]), lowerBias: null, upperBias: line([0, 0.25]) };
  const bias = Tensor.from([2, 4], [1, 2], 'float64');
  const folded = linesWithBias(lines, bias);
  assert.is(linesWithBias(lines, bias), folded, 'row groups of one pass share the shifted lines');
  assert.equal(Array.from(folded.upperBias!.data), [2, 2.25]);
  bias.data[0] = 100; // an optimiser step in place
  assert.equal(Array.from(folded.lowerBias!.data), [2, 2], 'the shifted biases do not alias b');
  assert.equal(Array.from(folded.upperSlope.data), [1, 0.5], 'the slopes are the input slopes');
  const next: Lines = { ...lines }; // the next bound computation builds its own lines
  assert.equal(Array.from(linesWithBias(next, bias).lowerBias!.data), [100, 2]);
});

test('canFoldBias: only a biased linear input whose single consumer below the target is the element-wise node, with per-unit lines', () => {
  const W = Tensor.from([1, 2, 3, 4], [2, 2], 'float64');
  const b = Tensor.from([1, -1], [2], 'float64');
  const graph: BoundGraph = { inputShape: [2], nodes: [null, { op: linearOp('fc', W, b), inputs: [0], shape: [2] }, { op: reluOp([2]), inputs: [1], shape: [2] }, { op: { kind: 'add', name: 'add', shape: [2] }, inputs: [1, 2], shape: [2] }] };
  const unit = Tensor.zeros([3, 2], 'float64');
  const lines: Lines = { lowerSlope: unit, upperSlope: unit, lowerBias: null, upperBias: unit };
  assert.ok(canFoldBias(graph, 2, 2, lines), 'target 2: the ReLU alone reads node 1');
  assert.not.ok(canFoldBias(graph, 2, 3, lines), 'target 3: the add reads node 1 too');
  assert.not.ok(canFoldBias(graph, 2, 2, { ...lines, lowerSlope: unsqueeze(unit, 1) }), 'per-row lines');
  const noBias: BoundGraph = { ...graph, nodes: [null, { op: linearOp('fc', W, null), inputs: [0], shape: [2] }, graph.nodes[2]!] };
  assert.not.ok(canFoldBias(noBias, 2, 2, lines), 'no bias');
});

test('back-substitution with folded biases = with the separate bias products (bound and every parameter gradient; conv, dense, residual)', () => {
  const rng = new Rng(17);
  const nets = [
    new Sequential(new Conv2d(1, 3, 3, { rng, stride: 2, padding: 1 }), new ReLU(), new Conv2d(3, 4, 3, { rng, stride: 2, padding: 1 }), new ReLU(), new Flatten(), new Linear(16, 6, { rng }), new ReLU(), new Linear(6, 4, { rng })),
    new Sequential(new Conv2d(1, 2, 3, { rng, padding: 1 }), new ReLU(), new Residual(2, 1, { rng }), new ReLU(), new Flatten(), new Linear(32, 3, { rng })),
  ].map((n) => n.to('float64'));
  nets.forEach((net, index) => {
    const side = index === 0 ? 8 : 4;
    const X = Tensor.uniform([2, 1, side, side], rng, 0, 1, 'float64');
    const p: Perturbation = { norm: 'linf', epsilon: 0.2, ...(index === 1 ? { box: { lower: 0, upper: 1 } } : {}) };
    const graph = compileNetwork(net, X);
    const target = graph.nodes.length - 1;
    const rows = Tensor.uniform([2, 3, ...graph.nodes[target]!.shape], rng, -1, 1, 'float64');
    const run = (perRow: boolean): { bound: Tensor; grads: Tensor[] } => {
      net.zeroGrad();
      const base = context(graph, X, p, intervalBounds(graph, X, p), 'adaptive');
      // lines [B, 1, ...S] (one row broadcast): the same lines, but per row, so nothing is folded
      const lines = (i: number, t: number): Lines => {
        const l = base.lines(i, t);
        const one = (x: Tensor | null): Tensor | null => (x ? unsqueeze(x, 1) : null);
        return perRow ? { lowerSlope: one(l.lowerSlope)!, upperSlope: one(l.upperSlope)!, lowerBias: one(l.lowerBias), upperBias: one(l.upperBias) } : l;
      };
      const bound = backSubstitute({ ...base, lines }, target, rows);
      backward(sum(mul(bound, weights(bound, 4))));
      return { bound, grads: net.parameters().map((q) => q.grad!.clone()) };
    };
    const folded = run(false);
    const separate = run(true);
    close(folded.bound, separate.bound, `net ${index} bound`);
    folded.grads.forEach((g, k) => close(g, separate.grads[k], `net ${index} gradient ${k}`, 1e-10));
  });
});

test('supportFromBelow = concretize (A·m − |A|·r) on l∞ sets: values and row gradients, shared and per-example rows, zero entries', () => {
  const rng = new Rng(5);
  const X = Tensor.uniform([3, 2, 4], rng, 0, 1, 'float64');
  for (const p of [{ norm: 'linf', epsilon: 0.1 }, { norm: 'linf', epsilon: 0.3, box: { lower: 0, upper: 1 } }] as Perturbation[]) {
    for (const b0 of [1, 3]) {
      const A = Tensor.uniform([b0, 5, 2, 4], rng, -1, 1, 'float64');
      A.data.forEach((_, k) => { if (k % 4 === 0) A.data[k] = 0; });
      A.requireGrad();
      const run = (f: () => Tensor): { value: Tensor; grad: Tensor } => {
        A.grad = null;
        const value = f();
        backward(sum(mul(value, weights(value, 6))));
        return { value, grad: A.grad! };
      };
      const fused = run(() => supportFromBelow(p, X, A));
      const plain = run(() => concretize(p, X, A));
      close(fused.value, plain.value, `rows [${b0}, 5] value`);
      close(fused.grad, plain.grad, `rows [${b0}, 5] gradient`);
    }
  }
});

test('finiteWidths: false for NaN, ±∞ and a float32 width that overflows; true for finite boxes', () => {
  const t = (v: number[], dtype: 'float32' | 'float64' = 'float32'): Tensor => Tensor.from(v, [1, v.length], dtype);
  assert.ok(finiteWidths(t([-1, 0, 2]), t([1, 0, 3])));
  assert.not.ok(finiteWidths(t([-1, Number.NaN]), t([1, 1])));
  assert.not.ok(finiteWidths(t([-Infinity, 0]), t([1, 1])));
  assert.not.ok(finiteWidths(t([-1, 0]), t([1, Infinity])));
  assert.not.ok(finiteWidths(t([-3e38, 0]), t([3e38, 1])), 'float32: 3e38 − (−3e38) overflows');
  assert.ok(finiteWidths(t([-3e38, 0], 'float64'), t([3e38, 1], 'float64')), 'float64: it does not');
});

test.run();

// The fused bound ops (src/relax/bounds/relax-step.ts, window-rows.ts) and the window form of
// CROWN's intermediate bounds (conv-window.ts) give the numbers and gradients of the plain
// compositions they replace: relaxStep = compare/mul/where/clamp/sum (shared, per-row and
// batch-broadcast lines, null biases, lambda = 0 and NaN), windowBounds = the generic
// back-substitution of the same units (float64, random conv nets, strides and paddings), and
// bounds by labels (the zero row j = y skipped) = bounds of the explicit specification.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { add, backward, clamp, compare, mul, noGrad, reshape, sum, unsqueeze, where } from '../../../src/autograd/index.js';
import { Conv2d, Flatten, Linear, ReLU, Sequential } from '../../../src/nn/index.js';
import { labelDifferences } from '../../../src/relax/robust-loss.js';
import { backSubstitute, compileNetwork, computeBounds, intervalBounds, unitBounds, type Lines } from '../../../src/relax/bounds/index.js';
import { backSubstituteInChunks } from '../../../src/relax/bounds/row-chunks.js';
import { context } from '../../../src/relax/bounds/compute-bounds.js';
import { windowBounds } from '../../../src/relax/bounds/conv-window.js';
import { unionPairs } from '../../../src/relax/bounds/unit-pairs.js';
import { relaxStep } from '../../../src/relax/bounds/relax-step.js';
import { Rng } from '../../../src/tensor/random.js';
import { Tensor } from '../../../src/tensor/tensor.js';

/** The composition relaxStep replaces (the engine's former element-wise step). */
function composed(lambda: Tensor, lines: Lines): { rows: Tensor; constant: Tensor } {
  const perRow = (t: Tensor): Tensor => (t.rank === lambda.rank ? t : unsqueeze(t, 1));
  const positive = compare('ge', lambda, 0);
  const rows = where(positive, mul(lambda, perRow(lines.lowerSlope)), mul(lambda, perRow(lines.upperSlope)));
  const [B, R] = rows.shape as [number, number];
  let constant: Tensor = Tensor.zeros([1, R], lambda.dtype);
  const term = (part: Tensor, bias: Tensor): Tensor => sum(reshape(mul(part, perRow(bias)), [B, R, -1]), 2);
  if (lines.lowerBias) constant = add(constant, term(clamp(lambda, 0), lines.lowerBias));
  if (lines.upperBias) constant = add(constant, term(clamp(lambda, -Infinity, 0), lines.upperBias));
  return { rows, constant: add(constant, Tensor.zeros([B, R], lambda.dtype)) };
}

function close(a: Tensor | null, b: Tensor | null, what: string, tol = 1e-12): void {
  assert.ok(a && b, `${what}: missing`);
  assert.equal(a!.shape, b!.shape, `${what}: shape`);
  a!.data.forEach((v, k) => {
    const w = b!.data[k]!;
    assert.ok(Object.is(v, w) || Math.abs(v - w) <= tol * (1 + Math.abs(w)), `${what}[${k}]: ${v} vs ${w}`);
  });
}

test('relaxStep equals the composed step, values and gradients, for every line layout', () => {
  const rng = new Rng(7);
  const rand = (shape: number[], zeros = false): Tensor => {
    const t = Tensor.uniform(shape, rng, -1, 1, 'float64');
    if (zeros) t.data.forEach((_, k) => { if (k % 5 === 0) t.data[k] = 0; });
    return t.requireGrad();
  };
  const S = [2, 3];
  for (const [B0, lineShape, biases] of [[3, [3, ...S], true], [1, [3, ...S], true], [3, [1, ...S], false], [3, [3, 4, ...S], true], [3, [3, 1, ...S], true], [1, [3, 4, ...S], false]] as const) {
    const lambda = rand([B0, 4, ...S], true);
    const lines: Lines = { lowerSlope: rand([...lineShape]), upperSlope: rand([...lineShape]), lowerBias: biases ? rand([...lineShape]) : null, upperBias: biases ? rand([...lineShape]) : null };
    const inputs = [lambda, lines.lowerSlope, lines.upperSlope, ...(biases ? [lines.lowerBias!, lines.upperBias!] : [])];
    const gradients = (step: (l: Tensor, s: Lines) => { rows: Tensor; constant: Tensor }): { values: Tensor[]; grads: (Tensor | null)[] } => {
      inputs.forEach((t) => { t.grad = null; });
      const { rows, constant } = step(lambda, lines);
      const weights = Tensor.uniform(rows.shape, new Rng(3), -1, 1, 'float64');
      backward(add(sum(mul(rows, weights)), mul(sum(constant), 0.7)));
      return { values: [rows, constant], grads: inputs.map((t) => t.grad) };
    };
    const fused = gradients(relaxStep);
    const plain = gradients(composed);
    const label = `rows [${B0}, 4], lines [${lineShape.join(', ')}]`;
    fused.values.forEach((v, k) => close(v, plain.values[k]!, `${label} value ${k}`));
    fused.grads.forEach((g, k) => close(g, plain.grads[k]!, `${label} gradient ${k}`));
  }
});

test('relaxStep: a NaN row entry propagates into the rows (fail closed downstream)', () => {
  const lambda = Tensor.from([Number.NaN, 1], [1, 1, 2], 'float64');
  const line = Tensor.from([0.5, 0.5], [1, 2], 'float64');
  const { rows } = relaxStep(lambda, { lowerSlope: line, upperSlope: line, lowerBias: null, upperBias: line });
  assert.ok(Number.isNaN(rows.data[0]!));
  assert.is(rows.data[1], 0.5);
});

test('windowBounds equals the generic back-substitution on the same units (values and weight gradients)', () => {
  const geometries = [[4, 2, 1, 4, 2, 1], [3, 1, 0, 3, 2, 1], [3, 2, 1, 2, 1, 0]] as const;
  geometries.forEach(([k1, s1, p1, k2, s2, p2], index) => {
    const rng = new Rng(100 + index);
    const net = new Sequential(
      new Conv2d(2, 3, k1, { rng, stride: s1, padding: p1 }), new ReLU(),
      new Conv2d(3, 4, k2, { rng, stride: s2, padding: p2 }), new ReLU(), new Flatten(),
    ).to('float64');
    const X = Tensor.uniform([2, 2, 9, 9], rng, 0, 1, 'float64');
    const perturbation = { norm: 'linf' as const, epsilon: 0.15, ...(index === 1 ? { box: { lower: 0, upper: 1 } } : {}) };
    const graph = compileNetwork(net, X);
    const boxes = intervalBounds(graph, X, perturbation);
    const ctx = context(graph, X, perturbation, boxes, 'adaptive');
    const n = graph.nodes[3]!.shape.reduce((a, b) => a * b, 1);
    for (const units of [Int32Array.from({ length: n }, (_, k) => k), Int32Array.from({ length: Math.ceil(n / 3) }, (_, k) => 3 * k)]) {
      const run = (f: () => readonly [Tensor, Tensor]): { box: readonly [Tensor, Tensor]; grad: Tensor } => {
        net.zeroGrad();
        const box = f();
        backward(add(sum(box[0]), mul(sum(box[1]), -0.3)));
        return { box, grad: net.parameters()[2]!.grad!.clone() };
      };
      const windows = run(() => windowBounds(ctx, 3, unionPairs(units, 2, n), boxes[3]!)!);
      const generic = run(() => unitBounds(ctx, 3, units, boxes[3]!));
      close(windows.box[0], generic.box[0], `geometry ${index} lower`, 1e-10);
      close(windows.box[1], generic.box[1], `geometry ${index} upper`, 1e-10);
      close(windows.grad, generic.grad, `geometry ${index} conv-2 weight gradient`, 1e-10);
    }
  });
});

test('labels skip the zero row j = y: the same bounds and gradients as the explicit specification, 0 at y', () => {
  const rng = new Rng(11);
  const net = new Sequential(new Conv2d(1, 2, 3, { rng, stride: 2, padding: 1 }), new ReLU(), new Flatten(), new Linear(2 * 16, 8, { rng }), new ReLU(), new Linear(8, 4, { rng })).to('float64');
  const X = Tensor.uniform([3, 1, 8, 8], rng, 0, 1, 'float64');
  const y = [2, 0, 3];
  const p = { norm: 'linf' as const, epsilon: 0.05 };
  for (const method of ['crown', 'crown-ibp', 'alpha-crown'] as const) {
    const run = (options: { labels?: number[]; specification?: Tensor }): { lower: Tensor; grad: Tensor } => {
      net.zeroGrad();
      const lower = computeBounds(net, X, p, { method, ...options, alpha: { iterations: 3 } }).lower;
      backward(sum(mul(lower, Tensor.uniform(lower.shape, new Rng(5), -1, 1, 'float64'))));
      return { lower, grad: net.parameters()[0]!.grad!.clone() };
    };
    const byLabels = run({ labels: y });
    const explicit = run({ specification: labelDifferences(y, 3, 4, X) });
    close(byLabels.lower, explicit.lower, `${method} lower`, 1e-12);
    close(byLabels.grad, explicit.grad, `${method} gradient`, 1e-10);
    y.forEach((label, b) => assert.is(byLabels.lower.data[b * 4 + label], 0));
  }
});

test('back-substitution in row groups equals one pass, with per-row (alpha-CROWN) lines sliced along', () => {
  const rng = new Rng(21);
  const net = new Sequential(new Linear(6, 5, { rng }), new ReLU(), new Linear(5, 4, { rng }), new ReLU(), new Linear(4, 3, { rng })).to('float64');
  const X = Tensor.uniform([2, 6], rng, -1, 1, 'float64');
  const p = { norm: 'linf' as const, epsilon: 0.3 };
  const graph = compileNetwork(net, X);
  const boxes = intervalBounds(graph, X, p);
  const base = context(graph, X, p, boxes, 'adaptive');
  const R = 7;
  const slopes = new Map<number, Tensor>();
  const ctx = { ...base, lines: (i: number, t: number): Lines => {
    const lines = base.lines(i, t);
    if (!slopes.has(i)) slopes.set(i, Tensor.uniform([2, R, ...graph.nodes[i]!.shape], new Rng(i), 0, 1, 'float64').requireGrad());
    return { ...lines, lowerSlope: slopes.get(i)! };
  } };
  const rows = Tensor.uniform([2, R, 3], rng, -1, 1, 'float64');
  const run = (f: () => Tensor): { bound: Tensor; grads: Tensor[] } => {
    slopes.forEach((s) => { s.grad = null; });
    const bound = f();
    backward(sum(mul(bound, Tensor.uniform(bound.shape, new Rng(9), -1, 1, 'float64'))));
    return { bound, grads: [...slopes.values()].map((s) => s.grad!.clone()) };
  };
  const whole = run(() => backSubstitute(ctx, graph.nodes.length - 1, rows));
  const grouped = run(() => backSubstituteInChunks(ctx, graph.nodes.length - 1, rows, 2 * 6 * 3)); // groups of 3 rows
  close(grouped.bound, whole.bound, 'row groups: bound', 1e-14);
  grouped.grads.forEach((g, k) => close(g, whole.grads[k]!, `row groups: alpha gradient ${k}`, 1e-14));
});

test('alpha-CROWN under no-grad holds the parameters constant while it optimises, and gives them back requiring grad', () => {
  const rng = new Rng(31);
  const net = new Sequential(new Linear(4, 6, { rng }), new ReLU(), new Linear(6, 3, { rng })).to('float64');
  const X = Tensor.uniform([2, 4], rng, -1, 1, 'float64');
  const p = { norm: 'linf' as const, epsilon: 0.2 };
  const options = { method: 'alpha-crown' as const, labels: [0, 2], alpha: { iterations: 5 } };
  const graded = computeBounds(net, X, p, options).lower;
  const plain = noGrad(() => computeBounds(net, X, p, options).lower);
  close(plain, graded.detach(), 'no-grad alpha = alpha under grad', 1e-12);
  assert.ok(net.parameters().every((q) => q.requiresGrad && q.grad === null), 'parameters still require grad, no gradient left');
});

test.run();

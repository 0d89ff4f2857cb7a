// The auto_LiRPA reference cases (../shared/reference/lirpa, one `expected` entry per method)
// load into our nn modules (MaxPool2d, AvgPool2d, BatchNorm2d in eval mode, Residual), and the
// layers compute what PyTorch computed: the clean forward pass lies inside every method's bounds,
// interval propagation through our layers gives the `ibp` ReLU bounds, and the Wong–Kolter dual
// on the AvgPool / BatchNorm / residual nets gives `crown_same_slope` (the same relaxation).
// One case of each new family is copied into tests/fixtures/lirpa and always runs; all 26 run
// when ../shared/reference/lirpa exists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { abs, add, conv2d, linear, mul, noGrad, reshape, sub } from '../../src/autograd/index.js';
import { expandResiduals, type Layer } from '../../src/nn/index.js';
import {
  caseMethods, compareFields, isMethodCase, loadCase, runCase, type LoadedCase, type MethodCase, type ReferenceCase,
} from '../../src/relax/reference-case.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const dirs = [join(repoRoot, 'tests', 'fixtures', 'lirpa'), resolve(repoRoot, '..', 'shared', 'reference', 'lirpa')].filter(existsSync);
const cases: [string, MethodCase][] = dirs.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
  .map((f): [string, MethodCase] => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as MethodCase]));
const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
const hasLayer = (c: MethodCase, type: string): boolean => (c.model as { layers: { type: string }[] }).layers.some((l) => l.type === type);

/** The input of every ReLU (in graph order, residual blocks expanded) and the logits, on the clean batch. */
function cleanPass(loaded: LoadedCase): { reluInputs: Tensor[]; logits: Tensor } {
  const net = expandResiduals(loaded.net);
  const xs = [loaded.X];
  const reluInputs: Tensor[] = [];
  for (const layer of net.layers) {
    if (layer.kind === 'relu') reluInputs.push(xs[xs.length - 1]!);
    xs.push(layer.kind === 'dense' ? layer.forwardAll(xs) : layer.forward(xs[xs.length - 1]!));
  }
  return { reluInputs, logits: xs[xs.length - 1]! };
}

test('the fixtures hold a MaxPool2d, an AvgPool2d, a BatchNorm2d and a Residual case', () => {
  for (const type of ['MaxPool2d', 'AvgPool2d', 'BatchNorm2d', 'Residual']) assert.ok(cases.some(([, c]) => hasLayer(c, type)), type);
});

test('every case loads; its clean forward pass lies inside every method\'s ReLU bounds and logit-difference bounds', () => {
  for (const [name, c] of cases) {
    assert.ok(isMethodCase(c), `${name}: per-method format`);
    const loaded = loadCase(c, 'float64');
    const { reluInputs, logits } = noGrad(() => cleanPass(loaded));
    const K = logits.shape[1]!;
    for (const method of caseMethods(c)) {
      const e = c.expected[method]!;
      (e.relu_bounds ?? []).forEach((b, i) => {
        const z = reluInputs[i]!.data;
        const [lo, hi] = [flat(b.zl), flat(b.zu)];
        assert.is(lo.length, z.length, `${name} ${method} relu ${i} size`);
        z.forEach((v, k) => assert.ok(lo[k]! - 1e-9 <= v && v <= hi[k]! + 1e-9, `${name} ${method} relu ${i}[${k}]: ${v} not in [${lo[k]}, ${hi[k]}]`));
      });
      if (e.relu_bounds) assert.is(e.relu_bounds.length, reluInputs.length, `${name} ${method}: ReLU count`);
      const upper = flat(e.robust_upper_logit_diff);
      const slack = (v: number): number => (method === 'alpha_crown' ? 1e-6 * (1 + Math.abs(v)) : 1e-9); // alpha_crown ran in float32
      loaded.y.forEach((y, b) => {
        for (let j = 0; j < K; j++) {
          const diff = logits.data[b * K + j]! - logits.data[b * K + y]!;
          assert.ok(diff <= upper[b * K + j]! + slack(diff), `${name} ${method} [${b}][${j}]: f_j − f_y = ${diff} above its bound ${upper[b * K + j]}`);
        }
      });
    }
  }
});

/** Interval propagation (centre, radius) through a Sequential of the layers the pooling cases use. */
function intervalReluBounds(loaded: LoadedCase): { lower: Tensor; upper: Tensor }[] {
  let lo = sub(loaded.X, loaded.epsilon);
  let hi = add(loaded.X, loaded.epsilon);
  const found: { lower: Tensor; upper: Tensor }[] = [];
  for (const layer of loaded.net.layers as readonly Layer[]) {
    const mid = mul(add(lo, hi), 0.5);
    const rad = mul(sub(hi, lo), 0.5);
    let centre: Tensor, radius: Tensor;
    if (layer.kind === 'linear') [centre, radius] = [linear(mid, layer.weight, layer.bias), linear(rad, abs(layer.weight))];
    else if (layer.kind === 'conv2d') {
      const o = { stride: layer.stride, padding: layer.padding };
      [centre, radius] = [conv2d(mid, layer.weight, layer.bias, o), conv2d(rad, abs(layer.weight), null, o)];
    } else if (layer.kind === 'flatten') [centre, radius] = [reshape(mid, [mid.shape[0]!, -1]), reshape(rad, [rad.shape[0]!, -1])];
    else {
      if (layer.kind === 'relu') found.push({ lower: lo, upper: hi });
      [lo, hi] = [layer.forward(lo), layer.forward(hi)]; // ReLU, MaxPool2d, AvgPool2d: monotone
      continue;
    }
    [lo, hi] = [sub(centre, radius), add(centre, radius)];
  }
  return found;
}

test('interval propagation through our MaxPool2d / AvgPool2d gives the ibp ReLU bounds (1e-9 relative)', () => {
  const pooling = cases.filter(([, c]) => (hasLayer(c, 'MaxPool2d') || hasLayer(c, 'AvgPool2d')) && c.expected.ibp?.relu_bounds);
  assert.ok(pooling.length >= 2);
  for (const [name, c] of pooling) {
    const ours = noGrad(() => intervalReluBounds(loadCase(c, 'float64')));
    const reports = compareFields({ relu_bounds: c.expected.ibp!.relu_bounds! }, {
      reluBounds: ours.map(({ lower, upper }) => ({ lower: Float64Array.from(lower.data), upper: Float64Array.from(upper.data) })),
    }, { tolerance: 1e-9, floorFraction: 1e-9 });
    assert.equal(reports.filter((r) => !r.pass).map((r) => `${r.field}: ${r.worst}`), [], name);
  }
});

test('the dual on AvgPool2d, BatchNorm2d (eval) and Residual nets equals crown_same_slope: logits, CE, errors, gradients (1e-9)', () => {
  const duals = cases.filter(([, c]) => !hasLayer(c, 'MaxPool2d') && c.input.norm === 'linf' && c.expected.crown_same_slope
    && ['AvgPool2d', 'BatchNorm2d', 'Residual'].some((t) => hasLayer(c, t)));
  assert.ok(duals.length >= 3);
  for (const [name, c] of duals) {
    const { relu_bounds: bounds, ...fields } = c.expected.crown_same_slope!;
    // auto_LiRPA keeps the IBP bounds of units IBP already proves stable, so only the first ReLU's bounds compare.
    const reports = compareFields({ ...fields, relu_bounds: bounds!.slice(0, 1) }, runCaseFirstBounds(c), { tolerance: 1e-9, floorFraction: 1e-6 });
    assert.equal(reports.filter((r) => !r.pass).map((r) => `${r.field}: ${r.worst}`), [], name);
  }
});

function runCaseFirstBounds(c: MethodCase): ReturnType<typeof runCase> {
  const result = runCase(c as unknown as ReferenceCase, 'float64');
  return { ...result, reluBounds: result.reluBounds.slice(0, 1) };
}

test.run();

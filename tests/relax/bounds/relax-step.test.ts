/**
 * The native backend's fused relaxStep kernel (native/relax-step.cc) against the JavaScript table
 * kernel (src/relax/bounds/relax-step-table.ts) that js / wasm / gpujs run: rows, constant and every
 * gradient bit for bit, float32 and float64, 1 and 2 threads, every line layout ([B'', n] shared,
 * [B'', R | 1, n] per row, batch broadcast of λ and of each line), null biases, one output's gradient
 * only, and special entries (±0, NaN, ±Infinity, huge) in λ, the lines and the upstream gradients.
 * Skipped, with the reason in the test name, when the addon is not built.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { backward, mul, sum, add } from '../../../src/autograd/index.js';
import type { Lines } from '../../../src/relax/bounds/operators.js';
import { relaxStep } from '../../../src/relax/bounds/relax-step.js';
import type { Backend } from '../../../src/tensor/backend.js';
import { createNativeBackend, nativeBackendAvailable, nativeUnavailableReason } from '../../../src/tensor/backends/native/index.js';
import { jsBackend } from '../../../src/tensor/backends/js/index.js';
import { Rng } from '../../../src/tensor/random.js';
import { withBackend } from '../../../src/tensor/registry.js';
import { Tensor } from '../../../src/tensor/tensor.js';
import { assertClose, dtypes, randomArray, type Dtype } from '../../tensor/backends/native-helpers.js';

/** One case: λ `[B0, R, n]`, each line `[batch, rows | none, n]` (rows 0: the shared `[batch, n]` form), which inputs require grad, which outputs are used. */
interface Case {
  readonly B: number; readonly R: number; readonly n: number; readonly lamBatch: boolean;
  readonly lines: readonly { batch: boolean; rows: 0 | 1 | 'R'; grad: boolean }[];
  readonly biases: 0 | 1 | 2 | 3; readonly outputs: 0 | 1 | 2; readonly special: number; readonly seed: number;
}

const specials = [0, -0, Infinity, -Infinity, NaN, 1e-30, 3e38, -3e38];

/** Uniform values in [−1, 1) with a fraction `rate` of special ones (±0, ±Infinity, NaN, tiny, huge). */
function values(n: number, rng: Rng, dtype: Dtype, rate: number): Float32Array | Float64Array {
  const out = randomArray(n, rng, dtype);
  for (let i = 0; i < n; i++) if (rng.next() < rate) out[i] = specials[Math.floor(rng.next() * specials.length)]!;
  return out;
}

const lineArb = fc.record({ batch: fc.boolean(), rows: fc.constantFrom<0 | 1 | 'R'>(0, 1, 'R'), grad: fc.boolean() });
// big: B·R·n ≥ 4·4·2100, past the kernel's parallel threshold (2^15 entries), λ not broadcast
const caseArb = (big: boolean): fc.Arbitrary<Case> => fc.record({
  B: fc.integer({ min: big ? 4 : 1, max: big ? 6 : 4 }), R: fc.integer({ min: big ? 4 : 1, max: big ? 5 : 4 }),
  n: big ? fc.integer({ min: 2100, max: 3000 }) : fc.integer({ min: 1, max: 300 }), lamBatch: big ? fc.constant(true) : fc.boolean(),
  lines: fc.array(lineArb, { minLength: 4, maxLength: 4 }), biases: fc.constantFrom<0 | 1 | 2 | 3>(0, 1, 2, 3),
  outputs: fc.constantFrom<0 | 1 | 2>(0, 1, 2), special: fc.constantFrom(0.2, 0.02, 0.0005), seed: fc.integer({ min: 0, max: 1e6 }),
});

/** Inputs of a case: λ and the four lines (all of one rank: a shared line is `[batch, n]`, others `[batch, rows, n]`). */
function inputs(c: Case, dtype: Dtype): { lambda: Tensor; lines: Lines; weights: [Tensor, Tensor] } {
  const rng = new Rng(c.seed);
  const make = (shape: number[], grad: boolean): Tensor => {
    const t = new Tensor(values(shape.reduce((a, b) => a * b, 1), rng, dtype, c.special), shape);
    return grad ? t.requireGrad() : t;
  };
  const perRow = c.lines.some((l) => l.rows !== 0);
  const lambda = make([c.lamBatch ? c.B : 1, c.R, c.n], true);
  const line = (k: number): Tensor => {
    const { batch, rows, grad } = c.lines[k]!;
    const b = batch ? c.B : 1;
    return make(perRow ? [b, rows === 'R' ? c.R : 1, c.n] : [b, c.n], grad);
  };
  const lines: Lines = { lowerSlope: line(0), upperSlope: line(1), lowerBias: c.biases & 1 ? line(2) : null, upperBias: c.biases & 2 ? line(3) : null };
  const B = Math.max(lambda.shape[0]!, ...[lines.lowerSlope, lines.upperSlope, lines.lowerBias, lines.upperBias].map((t) => t?.shape[0] ?? 1));
  const weights: [Tensor, Tensor] = [new Tensor(values(B * c.R * c.n, rng, dtype, c.special), [B, c.R, c.n]), new Tensor(values(B * c.R, rng, dtype, c.special), [B, c.R])];
  return { lambda, lines, weights };
}

/** Values and input gradients of the step on `backend`, driven by the weights (outputs: 0 both, 1 rows only, 2 constant only). */
function run(backend: Backend, c: Case, dtype: Dtype): Float32Array[] | Float64Array[] {
  return withBackend(backend, () => {
    const { lambda, lines, weights } = inputs(c, dtype);
    const { rows, constant } = relaxStep(lambda, lines);
    const loss = c.outputs === 1 ? sum(mul(rows, weights[0])) : c.outputs === 2 ? sum(mul(constant, weights[1])) : add(sum(mul(rows, weights[0])), sum(mul(constant, weights[1])));
    backward(loss);
    const ins = [lambda, lines.lowerSlope, lines.upperSlope, lines.lowerBias, lines.upperBias];
    return [rows.data, constant.data, ...ins.map((t) => t?.grad?.data ?? new (rows.data.constructor as Float64ArrayConstructor)(0))] as Float64Array[];
  });
}

const available = nativeBackendAvailable();
const natives: Array<[string, Backend]> = available
  ? [['1 thread', createNativeBackend({ threads: 1 })], ['2 threads', createNativeBackend({ threads: 2 })]]
  : [];
const names = ['rows', 'constant', 'dλ', 'da_l', 'da_u', 'db_l', 'db_u'];

function same(c: Case): void {
  for (const dtype of dtypes) {
    const expected = run(jsBackend, c, dtype);
    for (const [label, backend] of natives) {
      const got = run(backend, c, dtype);
      got.forEach((x, i) => assertClose(x, expected[i]!, null, 0, dtype, `${names[i]} ${dtype} ${label} ${JSON.stringify(c)}`));
    }
  }
}

if (!available) {
  test(`native relaxStep skipped: ${nativeUnavailableReason()}`, () => undefined);
} else {
  test('native relaxStep = the table kernel bit for bit: every layout, null biases, one output, special values (fast-check)', () => {
    fc.assert(fc.property(caseArb(false), same), { seed: 23, numRuns: 120 });
  });

  test('native relaxStep = the table kernel bit for bit past the parallel threshold, 1 and 2 threads (fast-check)', () => {
    fc.assert(fc.property(caseArb(true), same), { seed: 29, numRuns: 8 });
  });

  test('native relaxStep runs the fused kernel (not the table fallback) and rejects a line that does not fit', () => {
    const [, backend] = natives[1]!;
    let calls = 0;
    const counting: Backend = { ...backend, relaxStep: (...args) => (calls++, backend.relaxStep!(...args)) };
    const c: Case = { B: 2, R: 3, n: 5, lamBatch: true, lines: [0, 1, 2, 3].map(() => ({ batch: true, rows: 0 as const, grad: true })), biases: 3, outputs: 0, special: 0, seed: 1 };
    run(counting, c, 'float32');
    assert.is(calls, 1);
    const lambda = Tensor.zeros([2, 3, 5], 'float32');
    const bad = Tensor.zeros([2, 4], 'float32');
    assert.throws(() => withBackend(backend, () => relaxStep(lambda, { lowerSlope: bad, upperSlope: bad, lowerBias: null, upperBias: null })), /relaxStep: a line of shape \[2, 4\]/);
  });
}

test.run();

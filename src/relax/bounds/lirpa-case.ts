/**
 * The auto_LiRPA reference contract (`../shared/reference/lirpa/README.md`): a case
 * ({@link MethodCase}, loaded by {@link loadCase}) holds one `expected` entry per method (`ibp`,
 * `crown`, `crown_same_slope`, `crown_ibp`, `alpha_crown`, `wong_kolter`); each is run through
 * {@link computeBounds} with the matching options and its fields compared by
 * {@link compareFields} (the tolerance rules of reference-case.ts):
 *
 * - deterministic methods: every field present (ReLU input bounds in graph order, upper logit
 *   differences = −lower bound, robust CE per example and mean, errors, gradient of the mean CE);
 * - `alpha_crown`: one-sided, ours ≤ theirs + 1e-4·(1 + |theirs|) on every entry (an optimiser's
 *   result to meet or beat, smaller is tighter);
 * - `wong_kolter`: our Wong–Kolter dual network against the original's logit differences.
 * @module
 */
import { backward, crossEntropy, neg, noGrad } from '../../autograd/index.js';
import type { DType } from '../../tensor/dtype.js';
import type { NestedArray } from '../../tensor/tensor.js';
import type { Perturbation } from '../perturbation.js';
import { compareFields, expectedOf, loadCase, roundedToFloat32, type CaseInput, type CaseResult, type FieldReport, type MethodCase, type ReferenceMethod, type Tolerance } from '../reference-case.js';
import { uncertified } from '../robust-loss.js';
import { computeBounds, type BoundOptions } from './compute-bounds.js';

/** Our options for each reference method (α-CROWN as the references: 100 Adam steps, lr 0.1). */
export const METHOD_OPTIONS: Record<ReferenceMethod, Omit<BoundOptions, 'labels'>> = {
  ibp: { method: 'ibp' },
  crown: { method: 'crown' },
  crown_same_slope: { method: 'crown', relaxation: 'same-slope' },
  crown_ibp: { method: 'crown-ibp' },
  alpha_crown: { method: 'alpha-crown', alpha: { iterations: 100, lr: 0.1 } },
  wong_kolter: { method: 'dual' },
};

/** Deterministic methods in float64: 1e-8 relative against auto_LiRPA, entries below 1e-6 of their field's largest judged at that scale. */
export const LIRPA_FLOAT64: Tolerance = { tolerance: 1e-8, floorFraction: 1e-6 };

/**
 * Deterministic methods in float32, against float64 on the same float32-rounded data (the float32
 * arithmetic's own error): |ours − exact| ≤ 1e-4 · max(|exact|, 0.05 · scale), scale = the
 * field's largest |entry|. That is 1e-4 relative with an absolute part of 5e-6 of the scale, about
 * 84 float32 unit roundoffs (u = 2⁻²⁴): the same budget in units of the format as the float64
 * rule, whose absolute part 1e-8 · 1e-6 = 1e-14 of the scale is 90 float64 unit roundoffs, and
 * half PyTorch's float32 default for `assert_allclose` (rtol 1e-4, atol 1e-5) on a unit scale. A
 * tighter absolute part is not a float32 property on these cases: rounding the *data* once to
 * float32 moves the float64 gradients by up to 7e-6 of their scale (narrow crossing units
 * amplify every rounding), which {@link float32Check} prints beside each float32 error.
 */
export const LIRPA_FLOAT32: Tolerance = { tolerance: 1e-4, floorFraction: 5e-2 };

/** The perturbation of a case's input (`bounded_input`: the l∞ ball intersected with [0, 1]). */
export function casePerturbation(c: CaseInput): Perturbation {
  return { norm: c.input.norm, epsilon: c.input.epsilon, ...(c.input.bounded_input ? { box: { lower: 0, upper: 1 } } : {}) };
}

/**
 * Every field of one method, in `dtype` (ReLU input bounds only: MaxPool inputs are not in the
 * references; the gradient is of the mean robust CE of this method's bound).
 * @throws Error naming the method when it is not one of {@link METHOD_OPTIONS}.
 */
export function runMethod(c: CaseInput, method: string, dtype: DType): CaseResult {
  const options = (METHOD_OPTIONS as Record<string, Omit<BoundOptions, 'labels'> | undefined>)[method];
  if (!options) throw new Error(`unknown method '${method}' (known: ${Object.keys(METHOD_OPTIONS).join(', ')})`);
  const { net, X, y } = loadCase(c, dtype);
  net.eval();
  const result = computeBounds(net, X, casePerturbation(c), { ...options, labels: y });
  const upper = neg(result.lower);
  const logits = noGrad(() => neg(result.lower));
  const loss = crossEntropy(upper, y, 'mean');
  if (loss.requiresGrad) backward(loss);
  const perExample = noGrad(() => crossEntropy(upper, y, 'none'));
  return {
    reluBounds: result.layers.filter((l) => l.name === 'ReLU').map(({ lower, upper: u }) => ({ lower: Float64Array.from(lower.data), upper: Float64Array.from(u.data) })),
    logits: Float64Array.from(logits.data),
    cePerExample: Float64Array.from(perExample.data),
    errors: uncertified(logits, y),
    ceMean: loss.item(),
    grads: new Map(net.namedParameters().map(([name, p]) => [name, Float64Array.from(p.grad?.data ?? new Float64Array(p.size))])),
  };
}

/** The reports of one method: the fields its entry holds, or the one-sided logit check for α-CROWN. */
export function compareMethod(c: MethodCase, method: ReferenceMethod, ours: CaseResult, check: Tolerance): FieldReport[] {
  const e = c.expected[method];
  if (!e) throw new Error(`the case has no '${method}' entry`);
  if (method === 'alpha_crown') return [{ field: 'robust_upper_logit_diff (<= ref)', ...oneSided(ours.logits, e.robust_upper_logit_diff ?? []) }];
  return compareFields(e, ours, check);
}

/** max over entries of (ours − theirs) / (1 + |theirs|); passes at ≤ 1e-4. */
function oneSided(ours: Float64Array, expected: NestedArray): { worst: number; pass: boolean } {
  const e = (Array.isArray(expected) ? expected.flat(Infinity) : [expected]) as number[];
  if (e.length !== ours.length) return { worst: Infinity, pass: false };
  let worst = -Infinity;
  e.forEach((v, i) => { const d = (ours[i]! - v) / (1 + Math.abs(v)); worst = Number.isNaN(d) ? Infinity : Math.max(worst, d); });
  return { worst, pass: worst <= 1e-4 };
}

/** A float32 run of one deterministic method, judged against float64 on the same rounded data. */
export interface Float32Check {
  /** Field reports of the float32 run against float64 on the float32-rounded data (per-example errors against the case's). */
  readonly reports: FieldReport[];
  /** The worst error, by the same rule, of float64 on the original data against float64 on the rounded data: how far rounding the data alone moves the exact result. */
  readonly dataRounding: number;
}

/**
 * Runs `method` in float32 and in float64 on the float32-rounded data and on the original data,
 * and compares the float32 result with the float64 one on the same data under `check` (the
 * per-example errors must still equal the case's).
 * @throws Error naming the method when the case has no entry for it or it is `alpha_crown` (one-sided, see {@link compareMethod}).
 */
export function float32Check(c: MethodCase, method: ReferenceMethod, check: Tolerance = LIRPA_FLOAT32): Float32Check {
  const e = c.expected[method];
  if (!e || method === 'alpha_crown') throw new Error(`float32Check needs a deterministic method of the case, got '${method}'`);
  const exact = expectedOf(runMethod(roundedToFloat32(c), method, 'float64'));
  const basis: MethodCase = { ...c, expected: { [method]: e.relu_bounds ? { ...exact, robust_err_per_example: e.robust_err_per_example! } : { robust_upper_logit_diff: exact.robust_upper_logit_diff } } };
  const reports = compareMethod(basis, method, runMethod(c, method, 'float32'), check);
  const moved = compareMethod(basis, method, runMethod(c, method, 'float64'), check);
  return { reports, dataRounding: Math.max(...moved.map((r) => r.worst)) };
}

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
import { compareFields, loadCase, type CaseInput, type CaseResult, type FieldReport, type MethodCase, type ReferenceMethod, type Tolerance } from '../reference-case.js';
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

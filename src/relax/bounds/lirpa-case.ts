/**
 * The auto_LiRPA reference contract (`../shared/reference/lirpa/README.md`): a case holds one
 * `expected` entry per method (`ibp`, `crown`, `crown_same_slope`, `crown_ibp`, `alpha_crown`,
 * `wong_kolter`); each is run through {@link computeBounds} with the matching options and its
 * fields compared with the tolerance rules of reference-case.ts.
 *
 * - deterministic methods: every field present (ReLU input bounds in graph order, upper logit
 *   differences = −lower bound, robust CE per example and mean, errors, gradient of the mean CE);
 * - `alpha_crown`: one-sided, ours ≤ theirs + 1e-4·(1 + |theirs|) on every entry (an optimiser's
 *   result to meet or beat, smaller is tighter);
 * - `wong_kolter`: our Wong–Kolter dual network against the original's logit differences.
 * @module
 */
import { backward, crossEntropy, neg, noGrad } from '../../autograd/index.js';
import { modelFromDescription } from '../../nn/describe.js';
import { stateDictFromJson } from '../../nn/state-dict.js';
import type { DType } from '../../tensor/dtype.js';
import { Tensor, type NestedArray } from '../../tensor/tensor.js';
import type { Perturbation } from '../perturbation.js';
import { compareCase, worstRelativeError, type CaseResult, type FieldReport, type ReferenceCase, type Tolerance } from '../reference-case.js';
import { uncertified } from '../robust-loss.js';
import { computeBounds, type BoundOptions } from './compute-bounds.js';

/** Expected values of one method (deterministic methods hold every field; the others only the logits). */
export type MethodExpected = Partial<ReferenceCase['expected']> & { robust_upper_logit_diff: NestedArray };

/** A case of the lirpa format. */
export interface LirpaCase extends Omit<ReferenceCase, 'expected'> {
  readonly expected: Record<string, MethodExpected>;
}

/** Our options for each reference method name (α-CROWN as the references: 100 Adam steps, lr 0.1). */
export const METHOD_OPTIONS: Record<string, Omit<BoundOptions, 'labels'>> = {
  ibp: { method: 'ibp' },
  crown: { method: 'crown' },
  crown_same_slope: { method: 'crown', relaxation: 'same-slope' },
  crown_ibp: { method: 'crown-ibp' },
  alpha_crown: { method: 'alpha-crown', alpha: { iterations: 100, lr: 0.1 } },
  wong_kolter: { method: 'dual' },
};

/** Whether a case is in the lirpa format (expected keyed by method) rather than the original one. */
export function isLirpaCase(c: unknown): c is LirpaCase {
  const e = (c as { expected?: Record<string, unknown> }).expected;
  return !!e && typeof e === 'object' && !('robust_upper_logit_diff' in e) && Object.values(e).every((v) => typeof v === 'object' && v !== null && 'robust_upper_logit_diff' in v);
}

/** The perturbation of a case's input. */
export function casePerturbation(c: Omit<ReferenceCase, 'expected'>): Perturbation {
  return { norm: c.input.norm, epsilon: c.input.epsilon, ...(c.input.bounded_input ? { box: { lower: 0, upper: 1 } } : {}) };
}

/** Every field of one method, in `dtype` (ReLU input bounds only: MaxPool inputs are not in the references). */
export function runMethod(c: LirpaCase, method: string, dtype: DType): CaseResult {
  const options = METHOD_OPTIONS[method];
  if (!options) throw new Error(`unknown method '${method}' (known: ${Object.keys(METHOD_OPTIONS).join(', ')})`);
  const net = modelFromDescription(c.model).to(dtype);
  net.loadStateDict(stateDictFromJson(c.state_dict));
  net.eval();
  net.zeroGrad();
  const X = Tensor.from(c.input.X, undefined, dtype);
  const y = c.input.y;
  const result = computeBounds(net, X, casePerturbation(c), { ...options, labels: y });
  const logits = noGrad(() => neg(result.lower));
  const upper = neg(result.lower);
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

/** The reports of one method: every field for deterministic methods, the one-sided logit check for α-CROWN. */
export function compareMethod(c: LirpaCase, method: string, ours: CaseResult, check: Tolerance): FieldReport[] {
  const e = c.expected[method]!;
  if (method === 'alpha_crown') return [{ field: 'robust_upper_logit_diff (<= ref)', ...oneSided(ours.logits, e.robust_upper_logit_diff) }];
  if (!e.relu_bounds) {
    const worst = worstRelativeError(ours.logits, e.robust_upper_logit_diff, check.floorFraction);
    return [{ field: 'robust_upper_logit_diff', worst, pass: worst <= check.tolerance }];
  }
  return compareCase({ ...c, expected: e as ReferenceCase['expected'] }, ours, check);
}

/** max over entries of (ours − theirs) / (1 + |theirs|); passes at ≤ 1e-4. */
function oneSided(ours: Float64Array, expected: NestedArray): { worst: number; pass: boolean } {
  const e = (Array.isArray(expected) ? expected.flat(Infinity) : [expected]) as number[];
  if (e.length !== ours.length) return { worst: Infinity, pass: false };
  let worst = -Infinity;
  e.forEach((v, i) => { const d = (ours[i]! - v) / (1 + Math.abs(v)); worst = Number.isNaN(d) ? Infinity : Math.max(worst, d); });
  return { worst, pass: worst <= 1e-4 };
}

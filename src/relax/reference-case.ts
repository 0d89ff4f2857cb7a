/**
 * Runs one reference case of `../shared/reference` (the format of its README: a model
 * description, a state dict, an input batch and the original's outputs) through our dual network
 * and compares every field: ReLU bounds, robust logits, per-example and mean robust CE, errors,
 * and the gradient of the mean robust CE for every parameter. The auto_LiRPA cases of
 * `../shared/reference/lirpa` (one `expected` entry per method, new layer types) load through
 * {@link loadCase} and compare per method with {@link compareFields}.
 *
 * Comparison: the error of a value a against the expected e is |a − e| / max(|e|, floor) with
 * floor = `floorFraction` × (largest |e| of that field tensor), so entries that are zero up to
 * rounding (a −0.0 logit, a vanishing gradient, a bound that cancels) are judged on the field's
 * scale: {@link FLOAT64_CHECK} and {@link FLOAT32_CHECK} give the tolerances used.
 * @module
 */
import type { BoundDirection } from './rows/bound-cost.js';
import { backward, crossEntropy, noGrad } from '../autograd/index.js';
import type { DenseSequential } from '../nn/dense-sequential.js';
import { modelFromDescription } from '../nn/describe.js';
import type { Sequential } from '../nn/sequential.js';
import { stateDictFromJson, type StateDict } from '../nn/state-dict.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor, type NestedArray } from '../tensor/tensor.js';
import { DualNetwork } from './network.js';
import { robustLoss } from './robust-loss.js';

/** The fields of one method's expected values (all present in a public case). */
export interface ExpectedFields {
  relu_bounds: { zl: NestedArray; zu: NestedArray }[];
  robust_upper_logit_diff: NestedArray;
  robust_ce_per_example: number[];
  robust_err_per_example: (number | boolean)[];
  robust_ce_mean: number;
  grad_robust_ce_mean: Record<string, NestedArray>;
}

/** The model, weights and input of a case (both formats). */
export interface CaseInput {
  readonly name?: string;
  readonly model: unknown;
  readonly state_dict: Record<string, NestedArray>;
  readonly input: { X: NestedArray; y: number[]; epsilon: number; norm: 'linf' | 'l2'; bounded_input: boolean };
}

/** A case of `../shared/reference/public`: the original's dual, every field. */
export interface ReferenceCase extends CaseInput {
  readonly expected: ExpectedFields;
}

/** The `expected` keys of an auto_LiRPA case (`../shared/reference/lirpa/README.md`). */
export const REFERENCE_METHODS = ['ibp', 'crown', 'crown_same_slope', 'crown_ibp', 'alpha_crown', 'wong_kolter'] as const;

/** One of {@link REFERENCE_METHODS}. */
export type ReferenceMethod = (typeof REFERENCE_METHODS)[number];

/** An auto_LiRPA case: one entry per method, each with some of the fields (alpha_crown, wong_kolter: only the logits). */
export interface MethodCase extends CaseInput {
  readonly expected: Partial<Record<ReferenceMethod, Partial<ExpectedFields>>>;
}

/** Whether `c` is in the per-method format (its `expected` keys are method names). */
export function isMethodCase(c: ReferenceCase | MethodCase): c is MethodCase {
  const keys = Object.keys(c.expected);
  return keys.length > 0 && keys.every((k) => (REFERENCE_METHODS as readonly string[]).includes(k));
}

/** The methods a case holds, in {@link REFERENCE_METHODS} order. */
export function caseMethods(c: MethodCase): ReferenceMethod[] {
  return REFERENCE_METHODS.filter((m) => c.expected[m] !== undefined);
}

/** A case's network (weights loaded, in `dtype`; BatchNorm in the mode its description names) and input. */
export interface LoadedCase {
  readonly net: Sequential | DenseSequential;
  readonly X: Tensor;
  readonly y: readonly number[];
  readonly epsilon: number;
  readonly norm: 'linf' | 'l2';
  /** `bounded_input`: the l∞ ball intersected with [0, 1]. */
  readonly box?: { readonly lower: number; readonly upper: number };
}

/**
 * Builds a case's network from its `model` description (every layer type of both READMEs:
 * MaxPool2d, AvgPool2d, BatchNorm2d `mode: "eval"`, Residual, ...), loads the JSON weights (or
 * `weights`) and reads its input. Parameters have no gradient yet (`zeroGrad`).
 * @throws Error naming the path of a malformed model entry or a state-dict mismatch.
 */
export function loadCase(c: CaseInput, dtype: DType, weights?: StateDict): LoadedCase {
  const net = modelFromDescription(c.model).to(dtype);
  net.loadStateDict(weights ?? stateDictFromJson(c.state_dict));
  net.zeroGrad();
  const { y, epsilon, norm, bounded_input: bounded } = c.input;
  return { net, X: Tensor.from(c.input.X, undefined, dtype), y, epsilon, norm, ...(bounded ? { box: { lower: 0, upper: 1 } } : {}) };
}

/** Our values for the fields of a case, flattened. */
export interface CaseResult {
  readonly reluBounds: { lower: Float64Array; upper: Float64Array }[];
  readonly logits: Float64Array;
  readonly cePerExample: Float64Array;
  readonly errors: Uint8Array;
  readonly ceMean: number;
  readonly grads: Map<string, Float64Array>;
}

/** The worst error of one field. */
export interface FieldReport {
  readonly field: string;
  readonly worst: number;
  readonly pass: boolean;
}

/** How close our values must be: worst error ≤ `tolerance`, with the floor described above. */
export interface Tolerance {
  readonly tolerance: number;
  readonly floorFraction: number;
}

/** Float64: 1e-4 relative; entries below 1e-6 of the field's largest are judged at that scale. */
export const FLOAT64_CHECK: Tolerance = { tolerance: 1e-4, floorFraction: 1e-6 };

/**
 * Float32: 1e-3 relative; entries below 1e-3 of the field's largest are judged at that scale
 * (float32 rounding leaves absolute errors of about 1e-7 of a field's scale, which is a large
 * relative error on an entry that cancels to nearly 0).
 */
export const FLOAT32_CHECK: Tolerance = { tolerance: 1e-3, floorFraction: 1e-3 };

/** Computes every field in `dtype`, with the JSON weights or the given state dict (and bounds in `direction`). */
export function runCase(c: ReferenceCase, dtype: DType, weights?: StateDict, direction: BoundDirection = 'auto'): CaseResult {
  const { net, X, y, epsilon } = loadCase(c, dtype, weights);
  const options = { norm: c.input.norm, bounded: c.input.bounded_input, boundDirection: direction };
  const reluBounds = noGrad(() => new DualNetwork(net, X, epsilon, options).reluBounds())
    .map(({ lower, upper }) => ({ lower: Float64Array.from(lower.data), upper: Float64Array.from(upper.data) }));
  const result = robustLoss(net, epsilon, X, y, options);
  backward(result.loss);
  const perExample = noGrad(() => crossEntropy(result.logits, y, 'none'));
  const grads = new Map(net.namedParameters().map(([name, p]) => [name, Float64Array.from(p.grad?.data ?? new Float64Array(p.size))]));
  return {
    reluBounds,
    logits: Float64Array.from(result.logits.data),
    cePerExample: Float64Array.from(perExample.data),
    errors: result.errors,
    ceMean: result.loss.item(),
    grads,
  };
}

/**
 * The case with its data rounded to float32 (X, ε and every weight), expected values unchanged.
 * Running it in float64 gives the exact answer for the data a float32 run actually holds, which
 * separates a float32 implementation's own rounding from the rounding of its inputs (on an
 * ill-conditioned case such as `conv_linf_0_b` the latter alone moves a gradient by 1.1e-3).
 */
export function roundedToFloat32<C extends CaseInput>(c: C): C {
  const round = (v: NestedArray): NestedArray => (typeof v === 'number' ? Math.fround(v) : v.map(round));
  const stateDict = Object.fromEntries(Object.entries(c.state_dict).map(([name, v]) => [name, round(v)]));
  return { ...c, state_dict: stateDict, input: { ...c.input, X: round(c.input.X), epsilon: Math.fround(c.input.epsilon) } };
}

/** A result in the `expected` format of a case (flat arrays), to compare another result against it. */
export function expectedOf(result: CaseResult): ExpectedFields {
  return {
    relu_bounds: result.reluBounds.map(({ lower, upper }) => ({ zl: Array.from(lower), zu: Array.from(upper) })),
    robust_upper_logit_diff: Array.from(result.logits),
    robust_ce_per_example: Array.from(result.cePerExample),
    robust_err_per_example: Array.from(result.errors),
    robust_ce_mean: result.ceMean,
    grad_robust_ce_mean: Object.fromEntries([...result.grads].map(([name, g]) => [name, Array.from(g)])),
  };
}

/** Compares our values with the case's expected ones, field by field (every field is required). */
export function compareCase(c: ReferenceCase, ours: CaseResult, check: Tolerance): FieldReport[] {
  return compareFields(c.expected, ours, check);
}

/**
 * Compares the fields `expected` holds (one method's entry of an auto_LiRPA case may hold only
 * some) with ours; a field expected but missing from `ours` fails.
 */
export function compareFields(e: Partial<ExpectedFields>, ours: Partial<CaseResult>, check: Tolerance): FieldReport[] {
  const reports: FieldReport[] = [];
  const add = (field: string, worst: number): void => { reports.push({ field, worst, pass: worst <= check.tolerance }); };
  const worstError = (a: ArrayLike<number> | undefined, expected: NestedArray): number =>
    (a ? worstRelativeError(a, expected, check.floorFraction) : Infinity);
  if (e.relu_bounds) compareBounds(e.relu_bounds, ours.reluBounds ?? [], worstError, add);
  if (e.robust_upper_logit_diff !== undefined) add('robust_upper_logit_diff', worstError(ours.logits, e.robust_upper_logit_diff));
  if (e.robust_ce_per_example) add('robust_ce_per_example', worstError(ours.cePerExample, e.robust_ce_per_example));
  if (e.robust_ce_mean !== undefined) {
    add('robust_ce_mean', worstError(ours.ceMean === undefined ? undefined : Float64Array.of(ours.ceMean), e.robust_ce_mean));
  }
  if (e.robust_err_per_example) {
    const errors = ours.errors;
    const mismatch = !errors || e.robust_err_per_example.length !== errors.length || e.robust_err_per_example.some((v, i) => Number(v) !== errors[i]);
    add('robust_err_per_example', mismatch ? Infinity : 0);
  }
  if (e.grad_robust_ce_mean) {
    const grads = ours.grads ?? new Map<string, Float64Array>();
    let worst = grads.size === Object.keys(e.grad_robust_ce_mean).length ? 0 : Infinity;
    for (const [name, expected] of Object.entries(e.grad_robust_ce_mean)) worst = Math.max(worst, worstError(grads.get(name), expected));
    add('grad_robust_ce_mean', worst);
  }
  return reports;
}

/** One report per expected ReLU bound (and a failing one when the counts differ). */
function compareBounds(
  expected: ExpectedFields['relu_bounds'], ours: CaseResult['reluBounds'],
  worstError: (a: ArrayLike<number> | undefined, e: NestedArray) => number, add: (field: string, worst: number) => void,
): void {
  if (expected.length !== ours.length) add(`relu_bounds (count ${ours.length} vs ${expected.length})`, Infinity);
  expected.forEach((b, i) => {
    const mine = ours[i];
    add(`relu_bounds[${i}]`, Math.max(worstError(mine?.lower, b.zl), worstError(mine?.upper, b.zu)));
  });
}

/** max_i |a_i − e_i| / max(|e_i|, floorFraction · max_k |e_k|); Infinity on a length mismatch or NaN. */
export function worstRelativeError(actual: ArrayLike<number>, expected: NestedArray, floorFraction: number): number {
  const e = flatten(expected);
  if (e.length !== actual.length) return Infinity;
  const scale = e.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const floor = Math.max(floorFraction * scale, Number.MIN_VALUE);
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    const err = Math.abs(actual[i]! - e[i]!) / Math.max(Math.abs(e[i]!), floor);
    if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
  }
  return worst;
}

function flatten(v: NestedArray): number[] {
  if (typeof v === 'number') return [v];
  const out: number[] = [];
  const walk = (x: NestedArray): void => { if (typeof x === 'number') out.push(x); else x.forEach(walk); };
  walk(v);
  return out;
}

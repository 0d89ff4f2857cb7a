/**
 * One perturbation value: the set of inputs x' around a batch X that a bound must hold on.
 *
 *   l∞:  { x' : |x' − x| ≤ ε (element-wise) } ∩ [box.lower, box.upper]   (box optional)
 *   l2:  { x' : ‖(x' − x) / ε‖_2 ≤ 1 }  (a ball for scalar ε, an ellipsoid for per-element ε)
 *
 * ε is a number, or a tensor broadcastable to X `[B, ...S_0]` (`[]`, `[B]` per example, or
 * `[1 | B, ...S_0]` per element), every entry finite and ≥ 0. It is serialisable (JSON) when ε
 * and the box limits are numbers. {@link checkPerturbation} is the one place the fields are
 * validated; the bound algorithms read the set only through {@link inputBox} (IBP) and
 * {@link concretize} (the support function of the set, used by every backward method).
 * @module
 */
import { abs, add, clamp, matmul, maximum, minimum, mul, reshape, sub, sum } from '../autograd/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Radius } from './inputs/epsilon.js';
import { checkProjectionCount, type ProjectionOptions } from './inputs/projected-ball.js';
import { safeSqrt } from './norms.js';

/** One perturbation value (see the module comment). */
export interface Perturbation {
  readonly norm: 'linf' | 'l2';
  /** Radius: a number, `[B]`, or `[1 | B, ...S_0]`, finite and ≥ 0. */
  readonly epsilon: number | Tensor;
  /** l∞ only: intersect the ball with the box [lower, upper] (numbers or tensors broadcastable to X). */
  readonly box?: { readonly lower: number | Tensor; readonly upper: number | Tensor };
  /** Random projections of the Wong–Kolter dual (training only; estimates, not certificates). */
  readonly projection?: ProjectionOptions;
}

/** The JSON form of a perturbation whose ε and box limits are numbers. */
export interface PerturbationJson {
  readonly norm: 'linf' | 'l2';
  readonly epsilon: number;
  readonly box?: { readonly lower: number; readonly upper: number };
  readonly projection?: { readonly k: number; readonly seed?: number };
}

/**
 * Checks a perturbation against the batch X it applies to.
 * @throws Error naming the field: norm not 'linf'/'l2', ε negative / non-finite / of a shape not
 *   broadcastable to X, a box with l2, a box limit above the other or non-finite, k not a positive integer.
 */
export function checkPerturbation(p: Perturbation, X: Tensor): void {
  if (p.norm !== 'linf' && p.norm !== 'l2') throw new Error(`perturbation.norm must be 'linf' or 'l2', got '${String(p.norm)}'`);
  try {
    Radius.of(p.epsilon, X);
  } catch (e) {
    throw new Error(`perturbation.${(e as Error).message}`);
  }
  if (p.box) {
    if (p.norm !== 'linf') throw new Error("perturbation.box is only supported with norm 'linf'");
    const lower = boxLimit(p.box.lower, X, 'box.lower');
    const upper = boxLimit(p.box.upper, X, 'box.upper');
    const bad = sub(upper, lower).data.findIndex((v) => !(v >= 0));
    if (bad >= 0) throw new Error(`perturbation.box.lower must be <= box.upper everywhere (entry ${bad} is not)`);
  }
  if (p.projection) checkProjectionCount(p.projection.k);
}

/** ε as a tensor broadcastable to X: `[]`, `[B, 1, …]` or `[1 | B, ...S_0]`. */
export function epsilonTensor(p: Perturbation, X: Tensor): Tensor {
  const eps = p.epsilon;
  if (typeof eps === 'number') return Tensor.scalar(eps, X.dtype);
  const e = eps.dtype === X.dtype ? eps : eps.to(X.dtype);
  if (e.rank === 1 && X.rank > 1) return reshape(e, [e.shape[0]!, ...X.shape.slice(1).map(() => 1)]);
  return e;
}

/** The box limit as a tensor of X's dtype; a number stays a scalar. */
function boxLimit(v: number | Tensor, X: Tensor, name: string): Tensor {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`perturbation.${name} must be finite, got ${v}`);
    return Tensor.scalar(v, X.dtype);
  }
  if (v.data.some((x) => !Number.isFinite(x))) throw new Error(`perturbation.${name} must hold finite values`);
  return v.dtype === X.dtype ? v : v.to(X.dtype);
}

/**
 * The coordinate-wise bounds `[l_0, u_0]` (each `[B, ...S_0]`) of the set: x ∓ ε, cut to the box.
 * For l2 this is the enclosing box (exact per coordinate).
 */
export function inputBox(p: Perturbation, X: Tensor): [Tensor, Tensor] {
  const eps = epsilonTensor(p, X);
  let lower = sub(X, eps);
  let upper = add(X, eps);
  if (p.box) {
    lower = maximum(lower, boxLimit(p.box.lower, X, 'box.lower'));
    upper = minimum(upper, boxLimit(p.box.upper, X, 'box.upper'));
  }
  return [lower, upper];
}

/**
 * The support function from below: min over x' in the set of `A · x'` for rows A `[B' , R, ...S_0]`
 * (B' = 1 or B): `[B, R]`. l∞ / box: A·m − |A|·r with the box's centre m and radius r;
 * l2: A·x − ‖A ⊙ ε‖_2 (Hölder; exact for the ball).
 */
export function concretize(p: Perturbation, X: Tensor, A: Tensor): Tensor {
  const B = X.shape[0]!;
  const R = A.shape[1]!;
  const n = X.size / B;
  const rows = reshape(A, [A.shape[0]!, R, n]);
  if (p.norm === 'l2') {
    const eps = epsilonTensor(p, X);
    const scaled = eps.rank === 0 ? mul(rows, eps.item()) : mul(rows, reshape(add(eps, Tensor.zeros([1, ...X.shape.slice(1)], X.dtype)), [-1, 1, n]));
    return sub(rowDot(rows, X), safeSqrt(sum(mul(scaled, scaled), 2)));
  }
  const [lower, upper] = inputBox(p, X);
  const centre = mul(add(lower, upper), 0.5);
  const radius = clamp(mul(sub(upper, lower), 0.5), 0);
  return sub(rowDot(rows, centre), rowDot(abs(rows), radius));
}

/** `Σ_i A_ri v_bi`: rows `[B', R, n]` (B' = 1 or B), v `[B, ...]` → `[B, R]`. */
export function rowDot(rows: Tensor, v: Tensor): Tensor {
  const B = v.shape[0]!;
  const n = rows.shape[2]!;
  const flat = reshape(v, [B, n]);
  if (rows.shape[0] === 1) return matmul(flat, reshape(rows, [rows.shape[1]!, n]), { transB: true });
  return reshape(matmul(rows, reshape(flat, [B, n, 1])), [B, rows.shape[1]!]);
}

/** The JSON form. @throws Error when ε or a box limit is a tensor (not serialisable). */
export function perturbationToJson(p: Perturbation): PerturbationJson {
  if (typeof p.epsilon !== 'number') throw new Error('perturbationToJson: a tensor epsilon is not serialisable');
  const box = p.box;
  if (box && (typeof box.lower !== 'number' || typeof box.upper !== 'number')) throw new Error('perturbationToJson: tensor box limits are not serialisable');
  const rng = p.projection?.rng;
  if (rng !== undefined && typeof rng !== 'number') throw new Error('perturbationToJson: projection.rng must be a seed (number) to be serialised');
  return {
    norm: p.norm,
    epsilon: p.epsilon,
    ...(box ? { box: { lower: box.lower as number, upper: box.upper as number } } : {}),
    ...(p.projection ? { projection: { k: p.projection.k, ...(rng !== undefined ? { seed: rng } : {}) } } : {}),
  };
}

/**
 * A perturbation from its JSON form.
 * @throws Error naming the field that is missing or of the wrong type.
 */
export function perturbationFromJson(json: unknown): Perturbation {
  if (typeof json !== 'object' || json === null) throw new Error('perturbation: expected an object { norm, epsilon, box?, projection? }');
  const o = json as Record<string, unknown>;
  if (o.norm !== 'linf' && o.norm !== 'l2') throw new Error(`perturbation.norm must be 'linf' or 'l2', got ${JSON.stringify(o.norm)}`);
  if (typeof o.epsilon !== 'number' || !(o.epsilon >= 0) || !Number.isFinite(o.epsilon)) throw new Error(`perturbation.epsilon must be a finite number >= 0, got ${JSON.stringify(o.epsilon)}`);
  const out: { norm: 'linf' | 'l2'; epsilon: number; box?: { lower: number; upper: number }; projection?: ProjectionOptions } = { norm: o.norm, epsilon: o.epsilon };
  if (o.box !== undefined) {
    const b = o.box as Record<string, unknown> | null;
    if (!b || typeof b.lower !== 'number' || typeof b.upper !== 'number' || !(b.lower <= b.upper)) throw new Error('perturbation.box must be { lower: number, upper: number } with lower <= upper');
    if (o.norm !== 'linf') throw new Error("perturbation.box is only supported with norm 'linf'");
    out.box = { lower: b.lower, upper: b.upper };
  }
  if (o.projection !== undefined) {
    const q = o.projection as Record<string, unknown> | null;
    if (!q || typeof q.k !== 'number') throw new Error('perturbation.projection must be { k: number, seed?: number }');
    checkProjectionCount(q.k);
    if (q.seed !== undefined && typeof q.seed !== 'number') throw new Error('perturbation.projection.seed must be a number');
    out.projection = { k: q.k, ...(q.seed !== undefined ? { rng: q.seed as number } : {}) };
  }
  return out;
}

/** Whether two serialisable perturbations describe the same set (and projections). */
export function samePerturbation(a: Perturbation, b: Perturbation): boolean {
  return JSON.stringify(perturbationToJson(a)) === JSON.stringify(perturbationToJson(b));
}

/** The fields of the `(epsilon, options)` form that say the input set (what a perturbation value replaces). */
export interface SetOptions {
  norm?: 'linf' | 'l2';
  bounded?: boolean;
  inputLower?: number | Tensor;
  inputUpper?: number | Tensor;
  projection?: ProjectionOptions;
}

const SET_FIELDS = ['norm', 'bounded', 'inputLower', 'inputUpper', 'projection'] as const;

/**
 * The `(epsilon, options)` form of the set argument of certify / robustLoss / robustLogits: a
 * radius (number or tensor) passes through; a perturbation value `{ norm, epsilon, box?,
 * projection? }` becomes its ε and the options norm, bounded + inputLower / inputUpper (its box)
 * and projection.
 * @throws Error naming `fn` and the options when a perturbation value comes with set options too
 *   (the set is said in one place), or when the value is neither a radius nor a perturbation.
 */
export function setArguments<O extends SetOptions>(set: number | Tensor | Perturbation, options: O, fn: string): { epsilon: number | Tensor; options: O } {
  if (typeof set === 'number' || set instanceof Tensor) return { epsilon: set, options };
  if (typeof set !== 'object' || set === null || !('norm' in set) || !('epsilon' in set)) {
    throw new Error(`${fn}: the input set must be a radius (number or tensor) or a perturbation { norm, epsilon, box?, projection? }`);
  }
  const clash = SET_FIELDS.filter((f) => options[f] !== undefined);
  if (clash.length > 0) throw new Error(`${fn}: the perturbation value already gives the input set; drop options.${clash.join(', options.')}`);
  const box = set.box ? { bounded: true, inputLower: set.box.lower, inputUpper: set.box.upper } : {};
  return { epsilon: set.epsilon, options: { ...options, norm: set.norm, ...box, ...(set.projection ? { projection: set.projection } : {}) } };
}

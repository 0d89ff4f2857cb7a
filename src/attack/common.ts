/**
 * Pieces shared by FGS and PGD: argument checks, the input gradient of the cross-entropy with
 * the model's parameters frozen, the projection onto the ε-ball (∩ [0,1]) that is exact in the
 * tensor's own precision, and the per-example error flags.
 * @module
 */
import { argmax, backward, crossEntropy, noGrad } from '../autograd/index.js';
import { shapeText } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { Classifier } from './types.js';

/**
 * Checks the common attack arguments and throws an error naming the argument.
 * @param name - the attack's name, used as the message prefix.
 */
export function checkAttackArgs(name: string, X: Tensor, y: ArrayLike<number>, epsilon: number, clip01: boolean): void {
  if (X.rank < 2) throw new Error(`${name}: X must be a batch [B, ...], got shape ${shapeText(X.shape)}`);
  if (y.length !== X.shape[0]) throw new Error(`${name}: y has ${y.length} labels for a batch of ${X.shape[0]}`);
  if (!Number.isFinite(epsilon) || epsilon < 0) throw new Error(`${name}: epsilon must be a finite number >= 0, got ${epsilon}`);
  if (clip01) {
    const outside = X.data.findIndex((v) => !(v >= 0 && v <= 1));
    if (outside >= 0) throw new Error(`${name}: clip01 needs X in [0, 1], but X.data[${outside}] = ${X.data[outside]}`);
  }
}

/**
 * Runs `fn` with every parameter of `model` marked `requiresGrad = false`, restoring the flags
 * afterwards, so the attack's backward passes leave parameter gradients untouched.
 */
export function withFrozenParameters<T>(model: Classifier, fn: () => T): T {
  const params = model.parameters ? [...model.parameters()] : [];
  const flags = params.map((p) => p.requiresGrad);
  for (const p of params) p.requiresGrad = false;
  try {
    return fn();
  } finally {
    params.forEach((p, i) => { p.requiresGrad = flags[i]!; });
  }
}

/**
 * `sign(∇_x Σ_b CE(model(x)_b, y_b))`, shape of `x`. The original differentiates the batch
 * *mean*; the sign is the same (the factor 1/B is positive) and the sum avoids underflow.
 * Entries whose gradient is exactly 0 get sign 0, as `torch.sign`; a NaN gradient also
 * gives 0 (no step) instead of poisoning the iterate.
 */
export function lossGradientSign(model: Classifier, x: Tensor, y: ArrayLike<number>): Float64Array {
  const leaf = new Tensor(x.data.slice(), x.shape).requireGrad();
  const loss = crossEntropy(model.forward(leaf), y, 'sum');
  const out = new Float64Array(x.size);
  if (!loss.requiresGrad) return out; // the output does not depend on x: zero gradient
  backward(loss);
  const g = leaf.grad?.data;
  if (g) for (let i = 0; i < out.length; i++) out[i] = Math.sign(g[i]!) || 0; // NaN -> 0: no step
  return out;
}

/**
 * Projects `candidate` (in place) onto `{x : ‖x − X‖∞ ≤ ε}`, then onto [0, 1] when `clip01`
 * (the original: `X + clamp(x − X, −ε, ε)`, then `clamp(·, 0, 1)`). Rounding to the storage
 * type may put a value one unit in the last place past `X ± ε`; such values are moved one ulp
 * back toward `X`, so `|x − X| ≤ ε` holds exactly for the stored numbers.
 */
export function projectToBall(candidate: TypedArray, X: TypedArray, epsilon: number, clip01: boolean): void {
  const round = candidate instanceof Float32Array ? Math.fround : (v: number) => v;
  const step = candidate instanceof Float32Array ? nextFloat32Toward : nextFloat64Toward;
  for (let i = 0; i < candidate.length; i++) {
    const x0 = X[i]!;
    const c = candidate[i]!;
    let v = Number.isNaN(c) ? x0 : Math.min(Math.max(c, x0 - epsilon), x0 + epsilon);
    if (clip01) v = Math.min(Math.max(v, 0), 1);
    v = round(v);
    while (Math.abs(v - x0) > epsilon) v = step(v, x0);
    candidate[i] = v;
  }
}

const f32 = new Float32Array(1);
const f32Bits = new Int32Array(f32.buffer);
const f64 = new Float64Array(1);
const f64Bits = new BigInt64Array(f64.buffer);

/** The float32 neighbour of float32 `r` in the direction of `target` (`r !== target`). */
function nextFloat32Toward(r: number, target: number): number {
  f32[0] = r;
  if (r === 0) f32Bits[0] = target > 0 ? 1 : 0x80000001 | 0;
  else f32Bits[0] = f32Bits[0]! + ((target > r) === (r > 0) ? 1 : -1);
  return f32[0]!;
}

/** The float64 neighbour of `r` in the direction of `target` (`r !== target`). */
function nextFloat64Toward(r: number, target: number): number {
  f64[0] = r;
  if (r === 0) return target > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  f64Bits[0] = f64Bits[0]! + ((target > r) === (r > 0) ? 1n : -1n);
  return f64[0]!;
}

/** Per example, 1 when the first maximal logit of `model(x)` is not `y` (torch's `max(1)[1] != y`). */
export function errorFlags(model: Classifier, x: Tensor, y: ArrayLike<number>): Uint8Array {
  const logits = noGrad(() => model.forward(x));
  if (logits.rank !== 2 || logits.shape[0] !== y.length) {
    throw new Error(`attack: the model must return logits [${y.length}, K], got ${shapeText(logits.shape)}`);
  }
  const predicted = argmax(logits, 1);
  return Uint8Array.from(predicted, (p, b) => (p === y[b] ? 0 : 1));
}

/** Mean of 0/1 flags (0 for an empty batch). */
export function rate(flags: Uint8Array): number {
  let count = 0;
  for (const f of flags) count += f;
  return flags.length === 0 ? 0 : count / flags.length;
}

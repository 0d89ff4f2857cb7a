/**
 * Validation at the boundary of the bound library (docs/soundness.md): a non-finite parameter,
 * buffer, input, radius or box limit is an error naming the tensor and its first bad index, raised
 * before any bound is computed. (Inside the computation, non-finite values fail closed instead:
 * src/relax/finite.ts.) An infinite weight makes the network's own output NaN or ±∞, and a NaN box
 * limit makes every first-layer bound NaN; neither has a meaningful certificate.
 * @module
 */
import type { Module } from '../nn/module.js';
import type { Shape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { EpsilonInput } from './inputs/epsilon.js';
import type { BoxLimit } from './inputs/linf-box.js';

/** What {@link validateBoundInputs} reads of the options (the dual's and the engine's box fields). */
export interface ValidatedOptions {
  readonly inputLower?: BoxLimit;
  readonly inputUpper?: BoxLimit;
}

/** The multi-index `[i, j, …]` of flat index `flat` in a row-major tensor of `shape`. */
export function multiIndex(flat: number, shape: Shape): string {
  const index: number[] = [];
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index.unshift(flat % shape[axis]!);
    flat = Math.floor(flat / shape[axis]!);
  }
  return `[${index.join(', ')}]`;
}

/**
 * Throws `"<context>: <name> must be finite (<extra>), but <name><index> is <value>"` at the first
 * entry that is NaN or ±∞, or (with `nonNegative`) negative.
 */
export function checkFiniteTensor(t: Tensor, name: string, context: string, nonNegative = false): void {
  const data = t.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isFinite(v) && !(nonNegative && v < 0)) continue;
    const what = nonNegative ? 'finite and >= 0' : 'finite';
    throw new Error(`${context}: ${name} must be ${what}, but ${name}${multiIndex(i, t.shape)} is ${v}`);
  }
}

/** Every parameter and buffer of `net` finite, named as in its state dict (e.g. `2.weight`). */
export function checkNetworkFinite(net: Module, context: string): void {
  for (const [name, t] of net.namedParameters()) checkFiniteTensor(t, `parameter '${name}'`, context);
  for (const [name, t] of net.namedBuffers()) checkFiniteTensor(t, `buffer '${name}'`, context);
}

/** ε finite and ≥ 0 (a number or every entry of a tensor). */
export function checkEpsilon(epsilon: EpsilonInput, context: string): void {
  if (typeof epsilon === 'number') {
    if (!(Number.isFinite(epsilon) && epsilon >= 0)) throw new Error(`${context}: epsilon must be finite and >= 0, got ${epsilon}`);
    return;
  }
  checkFiniteTensor(epsilon, 'epsilon', context, true);
}

/** A box limit finite (a number or every entry of a tensor). */
function checkLimit(limit: BoxLimit | undefined, name: string, context: string): void {
  if (limit === undefined) return;
  if (typeof limit === 'number') {
    if (!Number.isFinite(limit)) throw new Error(`${context}: ${name} must be finite, got ${limit}`);
    return;
  }
  checkFiniteTensor(limit, name, context);
}

/**
 * The inputs of a bound computation: the network's parameters and buffers, X, ε and the box limits.
 * @throws Error naming the tensor and its first bad index.
 */
export function validateBoundInputs(net: Module, X: Tensor, epsilon: EpsilonInput, options: ValidatedOptions, context: string): void {
  checkNetworkFinite(net, context);
  checkFiniteTensor(X, 'X', context);
  checkEpsilon(epsilon, context);
  checkLimit(options.inputLower, 'options.inputLower', context);
  checkLimit(options.inputUpper, 'options.inputUpper', context);
}

/**
 * Runs a kernel on every available backend and compares it with the `js` reference backend on
 * the same inputs, element by element within a float32 tolerance.
 *
 * `availableBackends()` lists every backend registered in `src/tensor/registry.ts` (other than js)
 * that can be created here; suites that want particular configurations (a gpu.js mode, small
 * tiling limits) pass their own list.
 * @module
 */
import * as assert from 'uvu/assert';
import type { Backend, MedianResult } from '../../src/tensor/backend.js';
import { jsBackend } from '../../src/tensor/backends/js/index.js';
import type { TypedArray } from '../../src/tensor/dtype.js';
import { Rng } from '../../src/tensor/random.js';
import { backendByName, backendNames } from '../../src/tensor/registry.js';

/** A backend under test with a label for messages (e.g. `gpujs/webasm`). */
export interface LabeledBackend {
  label: string;
  backend: Backend;
}

/** What a kernel returns. */
export type KernelResult = TypedArray | Int32Array | MedianResult;

/** Element-wise tolerance `|got − want| <= atol + rtol·|want|`; NaN must meet NaN, ±Infinity itself. */
export interface Tolerance {
  rtol: number;
  atol: number;
}

/** Float32 rounding of a few operations. */
export const F32_TOL: Tolerance = { rtol: 1e-5, atol: 1e-6 };

/** Exact equality (data movement, comparisons, indices). */
export const EXACT: Tolerance = { rtol: 0, atol: 0 };

/** Every registered non-js backend that can be created here; the ones that cannot are reported once. */
export function availableBackends(): LabeledBackend[] {
  const found: LabeledBackend[] = [];
  for (const name of backendNames()) {
    if (name === 'js') continue;
    try {
      found.push({ label: name, backend: backendByName(name) });
    } catch (error) {
      console.log(`backend '${name}' is not available here: ${(error as Error).message}`);
    }
  }
  return found;
}

/** Calls `fn` for each backend (default: {@link availableBackends}). */
export function forEachBackend(fn: (entry: LabeledBackend) => void, backends: readonly LabeledBackend[] = availableBackends()): void {
  for (const entry of backends) fn(entry);
}

/** Asserts that two arrays have the same type and length and agree within `tol`. */
export function assertClose(got: KernelResult, want: KernelResult, tol: Tolerance, label: string): void {
  if (!(got instanceof Int32Array || got instanceof Float32Array || got instanceof Float64Array)) {
    const w = want as MedianResult;
    assertClose(got.values, w.values, tol, `${label} (values)`);
    assertClose(got.indices, w.indices, EXACT, `${label} (indices)`);
    return;
  }
  assert.is(got.constructor.name, want.constructor.name, `${label}: result type`);
  assert.is(got.length, (want as TypedArray).length, `${label}: result length`);
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!;
    const w = (want as TypedArray)[i]!;
    const ok = Number.isNaN(w) ? Number.isNaN(g) : !Number.isFinite(w) ? g === w : Math.abs(g - w) <= tol.atol + tol.rtol * Math.abs(w);
    if (!ok) assert.unreachable(`${label}: element ${i} is ${g}, js gives ${w} (tolerance ${tol.atol} + ${tol.rtol}·|js|)`);
  }
}

/** Options of {@link compareWithJs}. */
export interface CompareOptions {
  backends?: readonly LabeledBackend[];
  tol?: Tolerance;
  /** Replaces the element-wise comparison (e.g. medians with ties, whose positions may differ). */
  check?: (got: KernelResult, want: KernelResult, label: string) => void;
}

/** Runs `run` on js and on each backend and compares the results. */
export function compareWithJs(label: string, run: (backend: Backend) => KernelResult, options: CompareOptions = {}): void {
  const want = run(jsBackend);
  forEachBackend(({ label: name, backend }) => {
    const got = run(backend);
    const where = `${label} on ${name}`;
    if (options.check) options.check(got, want, where);
    else assertClose(got, want, options.tol ?? F32_TOL, where);
  }, options.backends);
}

/** `n` seeded uniform values in [lo, hi) as float32 (or float64). */
export function randomArray(n: number, seed: number, lo = -2, hi = 2, dtype: 'float32' | 'float64' = 'float32'): TypedArray {
  const rng = new Rng(seed);
  const out = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(lo, hi);
  return out;
}

/** `n` seeded integers in [0, size). */
export function randomIndices(n: number, size: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(size));
}

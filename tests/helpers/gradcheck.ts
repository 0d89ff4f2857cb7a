/**
 * Central-difference gradient checking for the autograd tape, in float64.
 *
 * For a function f(x₁, …, xₙ) → y and a fixed random weight tensor w of y's shape, the scalar
 * L = Σ y ⊙ w has, for every input element x_i[j], the tape gradient ∂L/∂x_i[j] (from
 * `backward`) and the numerical estimate (L(x + ε e_j) − L(x − ε e_j)) / 2ε, whose error is
 * O(ε²) plus rounding O(δ/ε). Random weights (rather than plain `sum(y)`) make sure every output
 * element and every mixing of output elements is checked, so a backward that permutes or
 * drops part of the incoming gradient cannot pass.
 * @module
 */
import { backward, mul, noGrad, sum } from '../../src/autograd/index.js';
import { Rng } from '../../src/tensor/random.js';
import { shapeText, stridesOf, type Shape } from '../../src/tensor/shape.js';
import { Tensor } from '../../src/tensor/tensor.js';

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
  /** Relative tolerance, against the numerical value (default 1e-5). */
  rtol?: number;
  /** Seed of the random output weights (default 7). */
  seed?: number;
  /** Indices of the inputs to check (default: all). The others get no gradient. */
  wrt?: readonly number[];
  /** Label for messages (default: the name of the op that produced the output). */
  name?: string;
}

/** One compared element. */
export interface GradMismatch {
  /** Which input. */
  input: number;
  /** Flat element index within that input. */
  element: number;
  /** The same element as a multi-index. */
  index: number[];
  /** Gradient from the tape. */
  analytic: number;
  /** Central-difference estimate. */
  numeric: number;
  /** |analytic − numeric| / (atol + rtol·|numeric|); above 1 is a failure. */
  ratio: number;
}

/** The outcome of a gradient check. */
export interface GradcheckReport {
  /** Op label (option `name`, or the output's `gradFn.name`). */
  name: string;
  /** Elements compared over all checked inputs. */
  checked: number;
  /** Elements whose ratio exceeds 1. */
  failures: number;
  /** The element with the largest ratio (null when nothing was compared). */
  worst: GradMismatch | null;
}

function multiIndex(flat: number, shape: Shape): number[] {
  return stridesOf(shape).map((s, d) => Math.floor(flat / s) % shape[d]!);
}

function weightedTotal(out: Tensor, weights: Tensor): number {
  let total = 0;
  for (let i = 0; i < out.size; i++) total += out.data[i]! * weights.data[i]!;
  return total;
}

/** Float64 leaf copies of the inputs; checked ones require a gradient. */
function float64Leaves(inputs: readonly Tensor[], wrt: readonly number[]): Tensor[] {
  return inputs.map((x, i) => x.to('float64').requireGrad(wrt.includes(i)));
}

/**
 * Compares tape and central-difference gradients without throwing; see {@link gradcheck}.
 * @throws Error when the function does not return float64 or no checked input reaches it.
 */
export function gradcheckReport(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckReport {
  const { eps = 1e-6, atol = 1e-6, rtol = 1e-5, seed = 7 } = options;
  const wrt = options.wrt ?? inputs.map((_, i) => i);
  const xs = float64Leaves(inputs, wrt);
  const out = fn(...xs);
  const name = options.name ?? out.gradFn?.name ?? 'fn';
  if (out.dtype !== 'float64') throw new Error(`gradcheck(${name}): float64 inputs gave a ${out.dtype} output`);
  const weights = Tensor.randn(out.shape, new Rng(seed), 0, 1, 'float64');
  backward(sum(mul(out, weights)));
  const report: GradcheckReport = { name, checked: 0, failures: 0, worst: null };
  for (const i of wrt) {
    const x = xs[i]!;
    const grad = x.grad;
    if (grad && grad.dtype !== 'float64') throw new Error(`gradcheck(${name}): input ${i} got a ${grad.dtype} gradient`);
    for (let j = 0; j < x.size; j++) {
      const saved = x.data[j]!;
      x.data[j] = saved + eps;
      const plus = noGrad(() => weightedTotal(fn(...xs), weights));
      x.data[j] = saved - eps;
      const minus = noGrad(() => weightedTotal(fn(...xs), weights));
      x.data[j] = saved;
      const numeric = (plus - minus) / (2 * eps);
      const analytic = grad ? grad.data[j]! : 0;
      const diff = Math.abs(analytic - numeric);
      const ratio = Number.isNaN(diff) ? Infinity : diff / (atol + rtol * Math.abs(numeric));
      report.checked++;
      if (ratio > 1) report.failures++;
      if (!report.worst || ratio > report.worst.ratio) {
        report.worst = { input: i, element: j, index: multiIndex(j, x.shape), analytic, numeric, ratio };
      }
    }
  }
  return report;
}

/** A one-line description of the worst mismatch of a report. */
export function describeMismatch(report: GradcheckReport, shapes: readonly Shape[]): string {
  const w = report.worst;
  if (!w) return `gradcheck(${report.name}): nothing compared`;
  return `gradcheck(${report.name}): ${report.failures} of ${report.checked} gradient elements differ; worst: input ${w.input} `
    + `${shapeText(shapes[w.input]!)} element ${w.element} [${w.index.join(', ')}]: tape ${w.analytic} vs central difference ${w.numeric} `
    + `(ratio to tolerance ${w.ratio.toPrecision(3)})`;
}

/**
 * Checks the tape gradient of `Σ fn(...inputs) ⊙ w` (w random, fixed by `seed`) against central
 * differences, with every input converted to float64.
 * @throws Error naming the op, input index and element of the worst mismatch.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckReport {
  const report = gradcheckReport(fn, inputs, options);
  if (report.failures > 0) throw new Error(describeMismatch(report, inputs.map((x) => x.shape)));
  return report;
}

/** Float64 normal samples of `shape`. */
export function randn64(shape: Shape, rng: Rng, std = 1): Tensor {
  return Tensor.randn(shape, rng, 0, std, 'float64');
}

/**
 * Float64 values of `shape` that are pairwise at least `gap` apart and at least `gap / 2` away
 * from 0: safe inputs for ops with kinks (relu, abs, max, median, clamp at 0) under a small ε.
 */
export function distinct64(shape: Shape, rng: Rng, gap = 0.1): Tensor {
  const t = Tensor.zeros(shape, 'float64');
  const order = rng.permutation(t.size);
  const middle = Math.floor(t.size / 2);
  for (let i = 0; i < t.size; i++) t.data[i] = (order[i]! - middle + 0.5 + rng.uniform(-0.2, 0.2)) * gap * 1.7;
  return t;
}

/** Float64 uniform samples in [lo, hi). */
export function uniform64(shape: Shape, rng: Rng, lo: number, hi: number): Tensor {
  return Tensor.uniform(shape, rng, lo, hi, 'float64');
}

/**
 * Element-wise |actual − expected| <= atol + rtol·|expected|, same length.
 * @throws Error naming the first element out of tolerance.
 */
export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-12, rtol = 1e-9, label = 'values'): void {
  if (actual.length !== expected.length) throw new Error(`${label}: length ${actual.length} differs from expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const ok = a === e || Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) throw new Error(`${label}[${i}]: ${a} differs from expected ${e} (atol ${atol}, rtol ${rtol})`);
  }
}

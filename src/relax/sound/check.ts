/**
 * The sound certificate (docs/soundness.md): a fast-path certificate is kept only when a margin
 * recomputed in float64 exceeds a proved bound on the floating-point error behind it.
 *
 * Tier 1 (every example the fast path certified): the fast path's pre-activation bounds are widened
 * by their a-priori error t̂ ({@link magnitudePass} in the fast path's precision), which makes them
 * valid bounds of the real network with the stored weights; J(e_y − e_j) is then evaluated once in
 * float64 on those bounds (one backward pass of K rows) and kept when −f_j > E_j, E_j its own
 * float64 error bound, for every j ≠ y.
 * Tier 2 (the borderline rest): the whole bound is recomputed in float64 from the same float32
 * weights and data (exact conversions) and its margin must clear the float64 a-priori bound
 * (u = 2⁻⁵³); a float64 run's own logits are that recomputation. What neither tier certifies is
 * reported as not certified.
 * @module
 */
import { indexSelect, noGrad, reshape } from '../../autograd/index.js';
import type { Layer } from '../../nn/layer.js';
import { expandResiduals } from '../../nn/residual.js';
import { sizeOf } from '../../tensor/shape.js';
import { getBackend, withBackend } from '../../tensor/registry.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Bounds } from '../dual.js';
import type { EpsilonInput } from '../inputs/epsilon.js';
import type { DualizableNetwork, DualNetworkOptions } from '../network.js';
import { primalActivations } from '../primal.js';
import { negatedObjectiveWithBounds } from './given-bounds.js';
import { labelDifferences } from '../robust-loss.js';
import { float64Copy, inputRounding, radius64 } from './inputs.js';
import { magnitudePass, type RoundingModel } from './magnitude.js';

/** Recomputes the robust logits `[B', K]` (same bound method) for a float64 copy of the network on some examples. */
export type Recompute = (net: DualizableNetwork, epsilon: EpsilonInput, X: Tensor, y: readonly number[], options: DualNetworkOptions) => Tensor;

/** What the sound check found, per example of the batch. */
export interface SoundReport {
  /** 1 where the example is not certified after the check. */
  readonly errors: Uint8Array;
  /** The smallest float64 margin min_{j≠y} −f_j of tier 1 (NaN where the fast path did not certify or tier 1 did not run). */
  readonly margins: Float64Array;
  /** The error bound E_j at that j. */
  readonly errorBounds: Float64Array;
  /** Fast-path certificates that tier 1 could not confirm (rechecked in float64 when the fast path ran in float32). */
  readonly borderline: Int32Array;
  /** Borderline examples the float64 recheck certified. */
  readonly rescued: Int32Array;
  /** Fast-path certificates withdrawn by the check (borderline and not rescued). */
  readonly withdrawn: Int32Array;
  /** Why a recheck could not run, if it could not (those examples are withdrawn). */
  readonly note?: string;
}

/** One batch as the check sees it: examples picked from the fast path's batch, in float64. */
interface Picked {
  readonly index: number[];
  readonly X: Tensor;
  readonly y: number[];
  readonly epsilon: EpsilonInput;
  readonly options: DualNetworkOptions;
}

/** The rounding model for `dtype` with rounding depth D (see magnitude.ts). */
export function roundingModel(dtype: 'float32' | 'float64', depth: number, scale: number, boundsGiven = false): RoundingModel {
  const unit = dtype === 'float32' ? 2 ** -24 : 2 ** -53;
  const tiny = dtype === 'float32' ? 2 ** -149 : 2 ** -1074;
  const Du = depth * unit;
  return { unit, gamma: Du < 0.5 ? Du / (1 - Du) : Infinity, floor: 2 * depth * tiny * Math.max(1, scale), boundsGiven };
}

/**
 * Checks the certificates of `logits` (`[B, K]`, from the fast path on net, X, ε, whose
 * element-wise layers had the pre-activation bounds `reluBounds`, or null when unknown) and returns
 * the sound verdict. `recompute` runs the same bound method in float64 for tier 2.
 */
export function soundCheck(net: DualizableNetwork, epsilon: EpsilonInput, X: Tensor, y: ArrayLike<number>, logits: Tensor, reluBounds: readonly Bounds[] | null, options: DualNetworkOptions, recompute: Recompute): SoundReport {
  const B = logits.shape[0]!;
  const margins = new Float64Array(B).fill(NaN);
  const errorBounds = new Float64Array(B).fill(NaN);
  const candidates = Array.from({ length: B }, (_, b) => b).filter((b) => allNegative(logits, y, b));
  const errors = new Uint8Array(B).fill(1);
  let note: string | undefined;
  const attempt = <T>(what: string, run: () => T, fallback: T): T => {
    try {
      return run();
    } catch (e) {
      note = `${what} failed: ${(e as Error).message}`;
      return fallback;
    }
  };
  const expanded = expandResiduals(net);
  const net64 = candidates.length > 0 ? attempt<DualizableNetwork | null>('float64 copy', () => float64Copy(expanded), null) : null;
  const batchStats = expanded.layers.some((l) => l.kind === 'batchnorm2d' && l.training);
  // Tier 1 trusts the fast path's arithmetic to be IEEE round-to-nearest (js, wasm); on other backends (gpu.js) every certificate goes to tier 2.
  const ieee = ['js', 'wasm'].includes(getBackend().name);
  const tier1 = net64 && reluBounds && !batchStats && ieee ? attempt('tier 1', () => widenedTier(expanded, net64, pick(X, y, epsilon, options, candidates), reluBounds, margins, errorBounds), []) : [];
  const borderline = candidates.filter((b) => !tier1.includes(b));
  // A training-mode BatchNorm normalises with the batch's statistics: its recompute takes the whole batch.
  // Tier 2 needs IEEE float64 arithmetic: gpu.js computes float64 tensors in float32, so its recheck runs on js.
  // A float64 run on an IEEE backend is its own float64 recomputation: its logits go straight to the float64 a-priori bound.
  const float64Backend = ['js', 'wasm', 'native'].includes(getBackend().name);
  const sameRun: Recompute = () => indexSelect(logits, 0, Int32Array.from(borderline));
  const onJs: Recompute = (...args) => withBackend('js', () => recompute(...args));
  const again = !float64Backend ? onJs : X.dtype === 'float32' ? recompute : sameRun;
  const rescued = net64 && borderline.length > 0 ? attempt('float64 recheck', () => recheck64(net64, pick(X, y, epsilon, options, batchStats && again !== sameRun ? Array.from({ length: B }, (_, b) => b) : borderline), borderline, again), []) : [];
  [...tier1, ...rescued].forEach((b) => (errors[b] = 0));
  const withdrawn = borderline.filter((b) => !rescued.includes(b));
  return { errors, margins, errorBounds, borderline: Int32Array.from(borderline), rescued: Int32Array.from(rescued), withdrawn: Int32Array.from(withdrawn), ...(note ? { note } : {}) };
}

/** Tier 1: the picked examples whose float64 margin on the widened fast-path bounds clears its bound. */
function widenedTier(net: DualizableNetwork, net64: DualizableNetwork, p: Picked, reluBounds: readonly Bounds[], margins: Float64Array, bounds: Float64Array): number[] {
  const rows = Int32Array.from(p.index);
  const fastDtype = net.dtype === 'float64' ? 'float64' : 'float32';
  const fastModel = modelFor(net.layers, p.X.to(fastDtype), p.epsilon, fastDtype);
  const picked = reluBounds.map(([l, u]): Bounds => [indexSelect(l, 0, rows), indexSelect(u, 0, rows)]);
  const t = magnitudePass(net.layers, p.X, radius64(p.epsilon, p.X), Tensor.scalar(inputRounding(p.epsilon, p.options, fastModel.dtype), 'float64'), fastModel.model, picked.map((b) => b[0])).preActivation;
  const widened = picked.map(([l, u], k): Bounds => widen(l, u, t[k]!));
  const f = negatedObjectiveWithBounds(net64.layers, p.X, p.epsilon, p.options, widened, labelDifferences(p.y, p.y.length, outputSize(net64.layers, p.X), p.X));
  const v = errorVector(net64.layers, p.X, p.epsilon, p.options, 'float64', widened.map((b) => b[0]));
  return p.index.filter((b, i) => clears(f.data, v.data, p.y, i, f.shape[1]!, (m, e) => { margins[b] = m; bounds[b] = e; }));
}

/** Tier 2: the borderline examples whose fully recomputed float64 margin clears the float64 a-priori bound. */
function recheck64(net64: DualizableNetwork, p: Picked, borderline: number[], recompute: Recompute): number[] {
  const f = noGrad(() => recompute(net64, p.epsilon, p.X, p.y, p.options));
  const v = errorVector(net64.layers, p.X, p.epsilon, p.options, 'float64');
  return p.index.filter((b, i) => borderline.includes(b) && clears(f.data, v.data, p.y, i, f.shape[1]!, () => undefined));
}

/** The picked examples in float64 (per-example ε and box limits follow them). */
function pick(X: Tensor, y: ArrayLike<number>, epsilon: EpsilonInput, options: DualNetworkOptions, index: number[]): Picked {
  const B = X.shape[0]!;
  const rows = Int32Array.from(index);
  const sub = <T extends EpsilonInput | undefined>(t: T): T =>
    (typeof t === 'number' || t === undefined || t.rank === 0 || t.shape[0] !== B || index.length === B ? t : indexSelect(t.to('float64'), 0, rows)) as T;
  const Xp = index.length === B ? X.to('float64') : indexSelect(X.to('float64'), 0, rows);
  return { index, X: Xp, y: index.map((b) => y[b]!), epsilon: sub(epsilon), options: { ...options, inputLower: sub(options.inputLower), inputUpper: sub(options.inputUpper) } };
}

/** l − t̂, u + t̂ in float64, rounded outwards by a further 2⁻⁵⁰ relative. */
function widen(l: Tensor, u: Tensor, t: Tensor): Bounds {
  const out = (x: Tensor, sign: number): Tensor => {
    const data = Float64Array.from(x.data, (v, i) => v + sign * (t.data[i]! * (1 + 2 ** -40) + Math.abs(v) * 2 ** -50));
    return new Tensor(data, x.shape);
  };
  return [out(l, -1), out(u, 1)];
}

/** The rounding model of a run in `dtype` on these layers and inputs. */
function modelFor(layers: readonly Layer[], X: Tensor, epsilon: EpsilonInput, dtype: 'float32' | 'float64', boundsGiven = false): { model: RoundingModel; dtype: 'float32' | 'float64' } {
  const sizes = noGrad(() => primalActivations(layers, X)).map((a) => sizeOf(a.shape.slice(1)));
  const depth = 2 * sizes.reduce((a, b) => a + b, 0) + 8 * layers.length + 64;
  const radius = radius64(epsilon, X);
  const scale = Math.max(1, ...Array.from(X.data, Math.abs), ...Array.from(radius.data));
  return { model: roundingModel(dtype, depth, scale, boundsGiven), dtype };
}

/** v `[B, K]` of a float64 run, inflated for the float64 rounding of the pass itself. */
function errorVector(layers: readonly Layer[], X: Tensor, epsilon: EpsilonInput, options: DualNetworkOptions, dtype: 'float64', givenLower?: readonly Tensor[]): Tensor {
  const { model } = modelFor(layers, X, epsilon, dtype, givenLower !== undefined);
  const v = magnitudePass(layers, X, radius64(epsilon, X), Tensor.scalar(inputRounding(epsilon, options, dtype), 'float64'), model, givenLower).output;
  const inflate = 1 + 1e-9;
  return reshape(new Tensor(Float64Array.from(v.data, (e) => e * inflate), [v.size]), v.shape);
}

/** The number of outputs of the network. */
function outputSize(layers: readonly Layer[], X: Tensor): number {
  return sizeOf(noGrad(() => primalActivations(layers, X)).at(-1)!.shape.slice(1));
}

/** True when every j ≠ y has f_j < 0 (NaN fails). */
function allNegative(logits: Tensor, y: ArrayLike<number>, b: number): boolean {
  const K = logits.shape[1]!;
  for (let j = 0; j < K; j++) if (j !== y[b] && !(logits.data[b * K + j]! < 0)) return false;
  return true;
}

/** −f_j > E_j = v_y + v_j for every j ≠ y (example i of f, v); reports the smallest margin and its bound. */
function clears(f: ArrayLike<number>, v: ArrayLike<number>, y: readonly number[], i: number, K: number, report: (margin: number, bound: number) => void): boolean {
  const label = y[i]!;
  let ok = true;
  let worst = Infinity;
  let worstBound = NaN;
  for (let j = 0; j < K; j++) {
    if (j === label) continue;
    const margin = -f[i * K + j]!;
    const bound = v[i * K + label]! + v[i * K + j]!;
    if (!(margin > bound)) ok = false;
    if (!(margin >= worst)) { worst = margin; worstBound = bound; }
  }
  report(worst, worstBound);
  return ok;
}

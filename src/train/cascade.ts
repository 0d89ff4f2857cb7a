/**
 * Cascades of robust models (Wong, Schmidt, Metzen & Kolter, NeurIPS 2018, §4; the original's
 * `robust_loss_cascade`, `sampler_robust_cascade`, `evaluate_robust_cascade` in
 * `examples/trainer.py`). Stage k is trained on the training examples that stages 1..k−1 do not
 * certify, and the cascade classifies an example as follows:
 *
 * - each stage but the last, in order, bounds the example around **its own prediction**
 *   `argmax f_k(x)`; the first stage whose bound certifies that prediction takes the example:
 *   the cascade predicts that class, and the example is a robust error exactly when that class
 *   is not y (a certified wrong class can never be certified for y);
 * - an example no earlier stage takes goes to the last stage: the cascade predicts the last
 *   stage's class, and the example is a robust error unless the last stage certifies **y**.
 *
 * An example is "certified by the cascade" when some stage certifies its own prediction; the
 * examples the last stage does not certify either are those the next stage would be trained on.
 * @module
 */
import type { Dataset } from '../data/dataset.js';
import { batches, batchCount } from '../data/batches.js';
import { argmax, noGrad } from '../autograd/index.js';
import { certify, type DualizableNetwork, type DualNetworkOptions } from '../relax/index.js';
import { Tensor } from '../tensor/tensor.js';
import { countOnes } from './stats.js';

/** The models of a cascade, first stage first. */
export type Cascade = readonly DualizableNetwork[];

/** Per-example outcome of {@link certifyCascade}. */
export interface CascadeCertificate {
  /** The stage that takes the example: the first that certifies its own prediction, else the last. */
  readonly stage: Int32Array;
  /** 1 when the taking stage certifies its own prediction (for the last stage: certifies it too). */
  readonly certified: Uint8Array;
  /** The cascade's clean prediction (the taking stage's argmax). */
  readonly predictions: Int32Array;
  /** 1 = robust error (the original's `robust_err` per example). */
  readonly errors: Uint8Array;
  /** 1 = the prediction is not y (the original's `err`). */
  readonly cleanErrors: Uint8Array;
}

/** Rows `indices` of a batch tensor `[B, ...]`, as a new tensor. */
export function takeRows(X: Tensor, indices: readonly number[]): Tensor {
  const row = X.size / X.shape[0]!;
  const data = X.dtype === 'float64' ? new Float64Array(indices.length * row) : new Float32Array(indices.length * row);
  indices.forEach((i, k) => data.set(X.data.subarray(i * row, (i + 1) * row), k * row));
  return new Tensor(data, [indices.length, ...X.shape.slice(1)]);
}

/**
 * Runs the cascade on a batch X `[B, ...]` with labels y at radius ε (no gradients; each stage
 * sees only the examples the stages before it did not take).
 * @throws Error for an empty cascade.
 */
export function certifyCascade(models: Cascade, epsilon: number, X: Tensor, y: ArrayLike<number>, options: DualNetworkOptions = {}): CascadeCertificate {
  if (models.length === 0) throw new Error('certifyCascade: the cascade has no stages');
  const B = X.shape[0]!;
  const out = { stage: new Int32Array(B), certified: new Uint8Array(B), predictions: new Int32Array(B), errors: new Uint8Array(B), cleanErrors: new Uint8Array(B) };
  let remaining = Array.from({ length: B }, (_, i) => i);
  models.forEach((model, k) => {
    if (remaining.length === 0) return;
    const Xk = takeRows(X, remaining);
    const labels = remaining.map((i) => y[i]!);
    const own = noGrad(() => argmax(model.forward(Xk), 1));
    const last = k === models.length - 1;
    const byLabel = last ? certify(model, epsilon, Xk, labels, options).errors : null;
    const ownCertified = byLabel ? lastStageOwnCertified(model, epsilon, Xk, own, labels, byLabel, options) : certify(model, epsilon, Xk, own, options).errors.map((e) => 1 - e);
    const next: number[] = [];
    remaining.forEach((i, r) => {
      if (ownCertified[r] === 0 && !last) { next.push(i); return; }
      out.stage[i] = k;
      out.certified[i] = ownCertified[r]!;
      out.predictions[i] = own[r]!;
      out.cleanErrors[i] = own[r] === labels[r] ? 0 : 1;
      out.errors[i] = byLabel ? byLabel[r]! : out.cleanErrors[i]!;
    });
    remaining = next;
  });
  return out;
}

/**
 * 1 where the last stage certifies its own prediction: where the prediction is y that is the
 * certificate for y already computed (`byLabel`, 1 = not certified); the other rows are bounded
 * around their own prediction.
 */
function lastStageOwnCertified(model: DualizableNetwork, epsilon: number, Xk: Tensor, own: Int32Array, labels: readonly number[], byLabel: Uint8Array, options: DualNetworkOptions): Uint8Array {
  const out = Uint8Array.from(byLabel, (e) => 1 - e);
  const wrong = labels.flatMap((label, r) => (own[r] === label ? [] : [r]));
  if (wrong.length > 0) certify(model, epsilon, takeRows(Xk, wrong), wrong.map((r) => own[r]!), options).errors.forEach((e, j) => { out[wrong[j]!] = 1 - e; });
  return out;
}

/** Totals of {@link evaluateCascade}. */
export interface CascadeEvaluation {
  readonly n: number;
  /** Fraction of robust errors (the original's `evaluate_robust_cascade` return value). */
  readonly robustError: number;
  readonly cleanError: number;
  /** Examples taken by each stage, and how many of those it certified. */
  readonly takenByStage: readonly number[];
  readonly certifiedByStage: readonly number[];
  /** Per-example outcomes, in dataset order. */
  readonly certificate: CascadeCertificate;
}

/** Runs {@link certifyCascade} over `ds` in batches and totals the outcomes. */
export function evaluateCascade(models: Cascade, ds: Dataset, epsilon: number, options: DualNetworkOptions = {}, batchSize = 50, onBatch?: (done: number, total: number) => void): CascadeEvaluation {
  const all = { stage: new Int32Array(ds.n), certified: new Uint8Array(ds.n), predictions: new Int32Array(ds.n), errors: new Uint8Array(ds.n), cleanErrors: new Uint8Array(ds.n) };
  const total = batchCount(ds.n, batchSize);
  let done = 0;
  for (const batch of batches(ds, batchSize)) {
    const X = new Tensor(batch.images, [batch.size, ...ds.shape]).to(models[0]?.dtype ?? 'float32');
    const part = certifyCascade(models, epsilon, X, batch.labels, options);
    batch.indices.forEach((i, b) => {
      for (const key of ['stage', 'certified', 'predictions', 'errors', 'cleanErrors'] as const) all[key][i] = part[key][b]!;
    });
    onBatch?.(++done, total);
  }
  const takenByStage = models.map((_, k) => all.stage.filter((s) => s === k).length);
  const certifiedByStage = models.map((_, k) => all.stage.filter((s, i) => s === k && all.certified[i] === 1).length);
  const rate = (flags: Uint8Array) => (ds.n ? countOnes(flags) / ds.n : 0);
  return { n: ds.n, robustError: rate(all.errors), cleanError: rate(all.cleanErrors), takenByStage, certifiedByStage, certificate: all };
}

/**
 * Indices of the examples of `ds` that no stage certifies (for its own prediction): the training
 * set of the next stage (the original's `sampler_robust_cascade`), in dataset order.
 */
export function uncertifiedIndices(models: Cascade, ds: Dataset, epsilon: number, options: DualNetworkOptions = {}, batchSize = 50, onBatch?: (done: number, total: number) => void): number[] {
  const { certificate } = evaluateCascade(models, ds, epsilon, options, batchSize, onBatch);
  const out: number[] = [];
  certificate.certified.forEach((c, i) => { if (c === 0) out.push(i); });
  return out;
}

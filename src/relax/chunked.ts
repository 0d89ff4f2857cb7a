/**
 * Memory-bounded evaluation of the dual network (the original's `robust_loss_parallel`, which
 * exists only for memory). {@link DualNetwork} carries n = |S_0| input columns (and one column per
 * crossing ReLU unit) forward through every layer; this computes the same numbers from J alone.
 *
 * By weak duality the bounds are themselves dual objectives of the network truncated at the
 * bounded activation z_p: for each unit m, `ℓ_m = J_p(e_m)` and `u_m = −J_p(−e_m)`, where J_p
 * runs the backward pass ν_p = ∓e_m, ν_{i−r} += W_rᵀ ν_i through layers p−1 … 0 and sums the terms
 * of the objects placed so far (Wong & Kolter 2018, eq. 9 with c = ±e_m: every term, input norm,
 * bias and ReLU Σ ℓ[ν]_+, is the forward bound's term written per unit). The columns ±e_m are
 * processed in chunks sized so that the ν tensors of one backward pass fit `memoryBudget` bytes;
 * the same goes for the K columns of `objective(c)`. Results equal the unchunked network's up to
 * float rounding (summation order). Under `noGrad` the budget bounds the working memory; with
 * gradients recorded, the tape keeps every chunk alive.
 *
 * Exact bounds only: projection estimates are refused (use `DualNetwork` for those).
 * @module
 */
import { argmax, cat, neg, noGrad, reshape, slice } from '../autograd/index.js';
import { sizeOf, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { expandResiduals } from '../nn/residual.js';
import { dualOf } from './dual-of.js';
import type { Bounds, DualLayer, DualObject } from './dual.js';
import type { EpsilonInput } from './inputs/epsilon.js';
import { checkInputSetOptions } from './inputs/input-set.js';
import { InputSupportTerm } from './inputs/support-term.js';
import { ReluDualBase, relaxRelu } from './layers/relu.js';
import { backSubstitute, objectiveTerms, type DualizableNetwork, type DualNetworkOptions } from './network.js';
import { primalActivations } from './primal.js';
import { labelDifferences, uncertified, type CertifyResult } from './robust-loss.js';

/** Options of the chunked evaluation: the input set, plus the working-memory budget. */
export interface ChunkedOptions extends Omit<DualNetworkOptions, 'projection'> {
  /** Bytes the ν tensors of one backward pass may take (columns per pass are sized to fit). */
  memoryBudget: number;
}

/** Working tensors per ν element (ν, the transposed parts, their sums, the objective's temporaries). */
const OVERHEAD = 4;

/** A ReLU dual for J only: slopes and the Σ ℓ[ν]_+ term, without the per-unit bound columns. */
class ObjectiveOnlyRelu extends ReluDualBase {
  apply(): void {
    throw new Error('ObjectiveOnlyRelu carries no bound columns: apply() is not available');
  }
  bounds(): Bounds {
    throw new Error('ObjectiveOnlyRelu carries no bound columns: bounds() is not available');
  }
}

/** The dual network with every bound and J computed by chunked backward passes. */
export class ChunkedDualNetwork {
  /** The dual operator of each layer, in order (ReLUs without bound columns). */
  readonly layers: DualLayer[] = [];
  /** Per-example shape of every activation z_0 … z_L. */
  readonly shapes: Shape[];
  /** Batch size B. */
  readonly batch: number;
  /** Number of backward passes run so far (chunks over all bounds and objectives). */
  passes = 0;
  private readonly placed: { object: DualObject; position: number }[];
  private readonly recorded: Bounds[] = [];
  private readonly bytesPerElement: number;

  /**
   * Builds the dual layer by layer, bounding each ReLU input from chunked backward passes.
   * @param net - a Sequential or DenseSequential; @param X - the batch `[B, ...S_0]`.
   * @param epsilon - number, `[B]` or `[1 | B, ...S_0]`; @param options - the set and `memoryBudget`.
   * @throws Error naming `memoryBudget` when it is not positive or too small for one column pair.
   */
  constructor(network: DualizableNetwork, X: Tensor, epsilon: EpsilonInput, private readonly options: ChunkedOptions) {
    const net = expandResiduals(network);
    if ((options as DualNetworkOptions).projection) throw new Error('ChunkedDualNetwork: projections are not supported (exact bounds only)');
    if (!(options.memoryBudget > 0)) throw new Error(`memoryBudget must be a positive number of bytes, got ${options.memoryBudget}`);
    if (X.rank < 2) throw new Error(`X must be a batch [B, ...], got [${X.shape.join(', ')}]`);
    if (net.parameters().length > 0 && net.dtype !== X.dtype) throw new Error(`X is ${X.dtype} but the network's parameters are ${net.dtype}`);
    this.batch = X.shape[0]!;
    this.bytesPerElement = X.data.BYTES_PER_ELEMENT;
    this.shapes = [X.shape.slice(1)];
    this.placed = [{ object: new InputSupportTerm(X, epsilon, supportOf(options)), position: 0 }];
    let clean: Tensor[] | null = null;
    net.layers.forEach((layer, i) => {
      const context = {
        shapes: this.shapes, options, dtype: X.dtype, preActivationBounds: () => this.boundsAt(i),
        primalInput: () => (clean ??= primalActivations(net.layers, X))[i]!,
      };
      const dual = layer.kind === 'relu' ? reluOnly(this.boundsAt(i)) : dualOf(layer, context);
      this.layers.push(dual);
      this.shapes.push(dual.outShape);
      if (!dual.inert) this.placed.push({ object: dual, position: i + 1 });
    });
  }

  /** Bounds `{lower, upper}` (each `[B, ...S]`) on the input of every ReLU, in order. */
  reluBounds(): { lower: Tensor; upper: Tensor }[] {
    return this.recorded.map(([lower, upper]) => ({ lower, upper }));
  }

  /** J(c) for c `[B, K, ...S_L]` → `[B, K]`, in column chunks. */
  objective(c: Tensor): Tensor {
    const L = this.layers.length;
    const out = this.shapes[L]!;
    if (c.rank < 2 || c.shape[0] !== this.batch || c.size !== this.batch * c.shape[1]! * sizeOf(out)) {
      throw new Error(`ChunkedDualNetwork.objective: c must be [${this.batch}, K, ${out.join(', ')}], got [${c.shape.join(', ')}]`);
    }
    const K = c.shape[1]!;
    const flat = reshape(c, [this.batch, K, ...out]);
    const step = this.columnsPerPass(L);
    const parts: Tensor[] = [];
    for (let k = 0; k < K; k += step) parts.push(this.objectiveAt(L, slice(flat, 1, k, Math.min(K, k + step))));
    return parts.length === 1 ? parts[0]! : cat(parts, 1);
  }

  /** Bounds on z_p from J_p(±e_m), units in chunks; recorded in order. */
  private boundsAt(p: number): Bounds {
    const shape = this.shapes[p]!;
    const n = sizeOf(shape);
    const unitsPerPass = Math.max(1, Math.floor(this.columnsPerPass(p) / 2));
    const [lowers, uppers]: Tensor[][] = [[], []];
    for (let start = 0; start < n; start += unitsPerPass) {
      const count = Math.min(n, start + unitsPerPass) - start;
      const J = this.objectiveAt(p, signedUnits(this.batch, start, count, shape, this.dtype));
      lowers.push(slice(J, 1, 0, count));
      uppers.push(neg(slice(J, 1, count, 2 * count)));
    }
    const join = (parts: Tensor[]): Tensor => reshape(parts.length === 1 ? parts[0]! : cat(parts, 1), [this.batch, ...shape]);
    const bounds: Bounds = [join(lowers), join(uppers)];
    this.recorded.push(bounds);
    return bounds;
  }

  /** Objective columns per backward pass to z_p within the budget (at least 2). */
  private columnsPerPass(p: number): number {
    const perColumn = this.batch * this.shapes.slice(0, p + 1).reduce((a, s) => a + sizeOf(s), 0) * this.bytesPerElement * OVERHEAD;
    const columns = Math.floor(this.options.memoryBudget / perColumn);
    if (columns < 2) throw new Error(`memoryBudget = ${this.options.memoryBudget} bytes is below the ${2 * perColumn} one pair of columns needs at activation ${p}`);
    return columns;
  }

  /** J_p(c) of the network truncated at z_p for c `[B, K, ...S_p]`: `[B, K]`. */
  private objectiveAt(p: number, c: Tensor): Tensor {
    this.passes++;
    return objectiveTerms(this.placed.filter(({ position }) => position <= p), this.backward(p, c));
  }

  /** ν at z_0 … z_p (`[p]` = −c) through layers p−1 … 0 (Dense layers add to every activation they read). */
  private backward(p: number, c: Tensor): Tensor[] {
    return backSubstitute(this.layers.slice(0, p), this.shapes, neg(c));
  }

  private get dtype(): 'float32' | 'float64' {
    return this.bytesPerElement === 8 ? 'float64' : 'float32';
  }
}

/** The ReLU dual for J only, from bounds `[B, ...S]`. */
function reluOnly([lower, upper]: Bounds): ObjectiveOnlyRelu {
  return new ObjectiveOnlyRelu(relaxRelu(lower, upper));
}

/** The input set's kind for {@link InputSupportTerm}. */
function supportOf(options: ChunkedOptions): ConstructorParameters<typeof InputSupportTerm>[2] {
  const norm = checkInputSetOptions(options);
  if (options.bounded) return { kind: 'box', lower: options.inputLower ?? 0, upper: options.inputUpper ?? 1 };
  return { kind: 'ball', norm: norm === 'linf' ? 'l1' : 'l2' };
}

/** c `[B, 2·count, ...S]`: e_m for m in [start, start + count), then −e_m (constant). */
function signedUnits(batch: number, start: number, count: number, shape: Shape, dtype: 'float32' | 'float64'): Tensor {
  const n = sizeOf(shape);
  const c = Tensor.zeros([batch, 2 * count, ...shape], dtype);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < count; j++) {
      c.data[(b * 2 * count + j) * n + start + j] = 1;
      c.data[(b * 2 * count + count + j) * n + start + j] = -1;
    }
  }
  return c;
}

/** f `[B, K]` with f[b][j] = −J(e_{y_b} − e_j), computed in chunks (the original's `robust_loss_parallel` logits). */
export function chunkedRobustLogits(net: DualizableNetwork, epsilon: EpsilonInput, X: Tensor, y: ArrayLike<number>, options: ChunkedOptions): Tensor {
  const dual = new ChunkedDualNetwork(net, X, epsilon, options);
  const K = sizeOf(dual.shapes[dual.shapes.length - 1]!);
  const c = labelDifferences(y, X.shape[0]!, K, X);
  return neg(dual.objective(c));
}

/** {@link certify} under a memory budget: the same logits and certificates, no gradients recorded. */
export function chunkedCertify(net: DualizableNetwork, epsilon: EpsilonInput, X: Tensor, y: ArrayLike<number>, options: ChunkedOptions): CertifyResult {
  return noGrad(() => {
    const logits = chunkedRobustLogits(net, epsilon, X, y, options);
    const predictions = argmax(net.forward(X), 1);
    const cleanErrors = Uint8Array.from(predictions, (p, b) => (p === y[b] ? 0 : 1));
    return { logits, errors: uncertified(logits, y), predictions, cleanErrors };
  });
}

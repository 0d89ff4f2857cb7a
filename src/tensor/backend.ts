/**
 * The kernel contract. Every backend is one object checked with `satisfies Backend`, so the
 * compiler lists any missing kernel. Kernels take and return flat row-major typed arrays plus the
 * shape information they need; they never see `Tensor` or autograd. A kernel returns a new array
 * of the dtype of its (first) data input and never mutates its inputs.
 * @module
 */
import type { TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

/** Element-wise unary operations. `step` is 1 where x > 0 else 0; `sign` is -1, 0 or 1. */
export type UnaryOp = 'neg' | 'abs' | 'relu' | 'exp' | 'log' | 'sqrt' | 'square' | 'sign' | 'step' | 'reciprocal';

/**
 * Element-wise binary operations with broadcasting. Comparisons (`gt`, `ge`, `lt`, `le`, `eq`)
 * return 1 or 0; `max`/`min` are element-wise.
 */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min' | 'gt' | 'ge' | 'lt' | 'le' | 'eq';

/** Reductions along one axis. */
export type ReduceOp = 'sum' | 'max' | 'min';

/** Geometry of a batched matrix product `out[b] = op(A[b]) · op(B[b])`, `op` = optional transpose. */
export interface MatmulSpec {
  /** Number of products. */
  batch: number;
  /** Rows of op(A) and of the output. */
  m: number;
  /** Columns of op(B) and of the output. */
  n: number;
  /** Inner dimension. */
  k: number;
  /** A is stored as [k, m] (per batch) and used transposed. */
  transA: boolean;
  /** B is stored as [n, k] (per batch) and used transposed. */
  transB: boolean;
  /** Elements between consecutive A matrices; 0 broadcasts one A over the batch. */
  aBatchStride: number;
  /** Elements between consecutive B matrices; 0 broadcasts one B over the batch. */
  bBatchStride: number;
}

/** Geometry of a 2-D convolution (square or rectangular kernels, symmetric padding). */
export interface Conv2dSpec {
  /** Batch size N. */
  batch: number;
  /** Input channels C. */
  inChannels: number;
  /** Output channels O. */
  outChannels: number;
  /** Input height and width. */
  inHeight: number;
  inWidth: number;
  /** Kernel height and width. */
  kernelHeight: number;
  kernelWidth: number;
  /** Stride [sh, sw]. */
  stride: readonly [number, number];
  /** Zero padding [ph, pw] on each side. */
  padding: readonly [number, number];
  /** Output height and width of the forward convolution (the input of a transposed one). */
  outHeight: number;
  outWidth: number;
}

/** Geometry of {@link Backend.intervalRows}: B examples of K rows of length F. */
export interface IntervalRowsSpec {
  readonly batch: number;
  readonly rows: number;
  readonly length: number;
}

/** The element-wise map {@link Backend.rowDot} applies to x before its products. */
export type RowMap = 'identity' | 'relu' | 'abs' | 'square';

/**
 * Geometry of {@link Backend.rowDot}: x `[B | 1, groups, rows, length]`, w `[B | 1, groups,
 * length]` (or no w: all ones), output `[B, groups, rows]`.
 */
export interface RowDotSpec {
  /** Batch size B of the output. */
  batch: number;
  /** Groups P (each group's rows share one w vector). */
  groups: number;
  /** Rows per group Q. */
  rows: number;
  /** Length F of each row. */
  length: number;
  /** x has batch size 1 and is used for every b. */
  xShared: boolean;
  /** w has batch size 1 and is used for every b. */
  wShared: boolean;
}

/** Values and positions (indices along the axis) of a median. */
export interface MedianResult {
  values: TypedArray;
  indices: Int32Array;
}

/** The closed set of kernels every backend implements. */
export interface Backend {
  /** Short name: `js`, `gpujs`, ... */
  readonly name: string;
  /** `out[i] = op(x[i])`. */
  unary(op: UnaryOp, x: TypedArray): TypedArray;
  /** `out = op(a, b)` broadcast to `outShape` (which `broadcastShapes(aShape, bShape)` gives). */
  binary(op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, outShape: Shape): TypedArray;
  /** `out[i] = min(max(x[i], lo), hi)`; pass ±Infinity for a one-sided clamp. */
  clamp(x: TypedArray, lo: number, hi: number): TypedArray;
  /** `out[i] = cond[i] != 0 ? a[i] : b[i]`, all three of one length. */
  where(cond: TypedArray, a: TypedArray, b: TypedArray): TypedArray;
  /** Reduces `axis` of a tensor of `shape`; the output has that axis removed. */
  reduce(op: ReduceOp, x: TypedArray, shape: Shape, axis: number): TypedArray;
  /** Positions along `axis` of the max or min (first one on ties); the output has that axis removed. */
  argReduce(op: 'max' | 'min', x: TypedArray, shape: Shape, axis: number): Int32Array;
  /**
   * Lower median along `axis` (PyTorch `median(dim)`: the element of rank floor((n-1)/2)), with its
   * position; with `absolute` (default false) the median of |x| (values ≥ 0) and its position, as
   * `median(abs(x))` gives without materialising |x| (the Cauchy estimate `median_k |A_m R|` of
   * the projected bounds, Wong et al. 2018 eq. 13).
   */
  median(x: TypedArray, shape: Shape, axis: number, absolute?: boolean): MedianResult;
  /** Sums a tensor of `shape` down to `target` (which broadcasts to `shape`): the adjoint of broadcasting. */
  sumToShape(x: TypedArray, shape: Shape, target: Shape): TypedArray;
  /**
   * `sumToShape(a ⊙ b, shape, target)` for a, b both of `shape`: the gradient of a factor that
   * was broadcast in a product (d(x ⊙ y)/dx = Σ_broadcast g ⊙ y), which a backend may compute
   * without materialising the product. Equal to the two-step composite of the same backend.
   * Optional, like `rowDot`: without it autograd runs that composite.
   */
  productSumToShape?(a: TypedArray, b: TypedArray, shape: Shape, target: Shape): TypedArray;
  /** Batched matrix product, output `[batch, m, n]`. */
  matmul(a: TypedArray, b: TypedArray, spec: MatmulSpec): TypedArray;
  /** Cross-correlation, PyTorch `conv2d`: x `[N,C,H,W]`, weight `[O,C,kh,kw]` → `[N,O,Ho,Wo]` (no bias). */
  conv2d(x: TypedArray, weight: TypedArray, spec: Conv2dSpec): TypedArray;
  /**
   * Transposed convolution, the adjoint of `conv2d` with the same spec: y `[N,O,Ho,Wo]`,
   * weight `[O,C,kh,kw]` → `[N,C,H,W]` (H, W from the spec, so any output padding is implied).
   */
  conv2dTranspose(y: TypedArray, weight: TypedArray, spec: Conv2dSpec): TypedArray;
  /** Gradient of `conv2d` with respect to its weight: x `[N,C,H,W]`, dy `[N,O,Ho,Wo]` → `[O,C,kh,kw]`. */
  conv2dWeightGrad(x: TypedArray, dy: TypedArray, spec: Conv2dSpec): TypedArray;
  /** Permutes axes: `out` has shape `perm.map(i => shape[i])`. */
  permute(x: TypedArray, shape: Shape, perm: readonly number[]): TypedArray;
  /** PyTorch `gather(dim)`: `out[..i..] = x[.. index[..i..] ..]` along `axis`; output has `indexShape`. */
  gather(x: TypedArray, shape: Shape, axis: number, index: Int32Array, indexShape: Shape): TypedArray;
  /** PyTorch `scatter_add` into zeros of `shape`: adjoint of `gather` with the same index. */
  scatterAdd(src: TypedArray, indexShape: Shape, axis: number, index: Int32Array, shape: Shape): TypedArray;
  /** Selects whole slices along `axis`: output has `shape[axis]` replaced by `index.length`. */
  indexSelect(x: TypedArray, shape: Shape, axis: number, index: Int32Array): TypedArray;
  /** Adjoint of `indexSelect`: adds slices of `src` into zeros of `shape` at `index` along `axis`. */
  indexAdd(src: TypedArray, srcShape: Shape, axis: number, index: Int32Array, shape: Shape): TypedArray;
  /** Concatenates along `axis`; all shapes agree elsewhere. */
  concat(parts: readonly TypedArray[], shapes: readonly Shape[], axis: number): TypedArray;
  /** Slice `[start, end)` of `axis`. */
  slice(x: TypedArray, shape: Shape, axis: number, start: number, end: number): TypedArray;
  /**
   * Optional fused kernel: `out[b, p, q] = Σ_f map(x[b, p, q, f]) · w[b, p, f]` (w = 1 when null),
   * per {@link RowDotSpec}. It reduces the row tensors of the dual bounds (ε‖g‖_1, Σ ℓ [g]_+, g·x)
   * without materialising map(x); backends without it get the same numbers from `unary` + `matmul`.
   */
  rowDot?(x: TypedArray, w: TypedArray | null, spec: RowDotSpec, map: RowMap): TypedArray;
  /**
   * Optional fused kernel of interval arithmetic (IBP, src/autograd/ops/interval.ts), two outputs
   * of x's length, each the same rounded sequence as the generic kernels it replaces (so equal to
   * them bit for bit); without it the op composes `binary` and `clamp`. See {@link IntervalKernel}.
   * With `inPlace` the results are written into a and b (which the caller owns and drops), and returned.
   */
  interval?(kernel: IntervalKernel, a: TypedArray, b: TypedArray, c: TypedArray | null, d: TypedArray | null, bias?: BiasLayout, inPlace?: boolean): [TypedArray, TypedArray];
  /** Optional: `g · step(x)` (the ReLU's backward) in one pass, equal to `binary('mul', g, unary('step', x))` bit for bit. */
  reluGrad?(g: TypedArray, x: TypedArray): TypedArray;
  /**
   * Optional Adam update in place (src/optim/adam.ts, PyTorch semantics, double arithmetic with the
   * moments rounded to x's dtype first, as the JavaScript loop it replaces, bit for bit).
   */
  adam?(x: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, s: AdamScalars): void;
  /**
   * Optional: the lower bound of rows A `[B, K, F]` over the box m ± r (m, r `[B, F]`), y `[B, K]` =
   * Σ_f A·m − Σ_f |A|·r (src/autograd/ops/interval-rows.ts, IBP's merged last layer); no term skipped.
   */
  intervalRows?(A: TypedArray, m: TypedArray, r: TypedArray, spec: IntervalRowsSpec): TypedArray;
  /** Its backward from g `[B, K]`: [g·m − sign(A)·(g·r) `[B, K, F]`, Σ_k g·A `[B, F]`, −Σ_k g·|A| `[B, F]`]. */
  intervalRowsGrad?(A: TypedArray, m: TypedArray, r: TypedArray, g: TypedArray, spec: IntervalRowsSpec): [TypedArray, TypedArray, TypedArray];
  /**
   * Optional fused kernel of back-substitution's element-wise step (src/relax/bounds/relax-step.ts,
   * the same bits as its table kernel): rows = λ·(a_u where λ's sign bit is set, else a_l)
   * `[B, R, n]` and constant = Σ_k λ·(b_u or b_l by the same choice) `[B, R]` (in double, k in order).
   */
  relaxStep?(lambda: TypedArray, lines: StepLines, spec: RelaxStepSpec): [TypedArray, TypedArray];
  /** Its backward: the gradients of λ, a_l, a_u, b_l, b_u, each in its own layout, where `wanted[i]` (else null); a null upstream gradient is 0. */
  relaxStepGrad?(lambda: TypedArray, lines: StepLines, gRows: TypedArray | null, gConst: TypedArray | null, wanted: readonly boolean[], spec: RelaxStepSpec): (TypedArray | null)[];
}

/** The lines a_l, a_u, b_l, b_u of {@link Backend.relaxStep} (a null bias is 0). */
export type StepLines = readonly [TypedArray, TypedArray, TypedArray | null, TypedArray | null];

/**
 * Geometry of {@link Backend.relaxStep}: λ `[B0, R, n]` (B0 ∈ {1, B}) and, for a_l, a_u, b_l, b_u,
 * `[batch, rows]` of each line `[batch, rows, n]` (batch ∈ {1, B}, rows ∈ {1, R}; a null line: [1, 1]).
 */
export interface RelaxStepSpec {
  readonly B: number;
  readonly B0: number;
  readonly R: number;
  readonly n: number;
  readonly layouts: readonly (readonly [number, number])[];
}

/**
 * The fused interval kernels (a, b, c, d are the arguments of {@link Backend.interval}):
 * - `centre`: (l, u) → ((l + u)·½, clamp((u − l)·½, 0, ∞)): centre and radius of a box;
 * - `shift`: (c, r, bias) → (mid − r, mid + r) with mid = c + bias (broadcast by a {@link BiasLayout}, or c);
 * - `split`: (g_lo, g_hi) → (g_lo + g_hi, g_hi − g_lo): the gradients of mid and r from those of the box;
 * - `centreGrad`: (g_m, g_r, l, u) → (s − e, s + e) with s = g_m·½, e = (g_r·[0 ≤ (u − l)·½ ≤ ∞])·½:
 *   the gradients of l and u through `centre` (clamp passes the gradient where its input lies in range);
 * - `signFold`: (a, b, W) → (a + b·sign(W), the same): a weight's gradient through A m and |A| r.
 */
export type IntervalKernel = 'centre' | 'shift' | 'split' | 'centreGrad' | 'signFold';

/** A bias broadcast over a flat array: element i reads bias[floor(i / inner) % channels]. */
export interface BiasLayout {
  readonly inner: number;
  readonly channels: number;
}

/** The scalars of one Adam update: β₁, β₂, lr / (1 − β₁ᵗ), √(1 − β₂ᵗ) and ε. */
export interface AdamScalars {
  readonly b1: number;
  readonly b2: number;
  readonly stepSize: number;
  readonly sqrtCorrection2: number;
  readonly eps: number;
}

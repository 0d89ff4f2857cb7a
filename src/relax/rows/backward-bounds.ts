/**
 * Bounds on a pre-activation z_p from backward rows (see {@link RowBlock}): the rows e_m of every
 * unit m of z_p are carried back to the input through the transposed layers (ReLUs by their
 * slopes), and every dual object turns the rows at the activations it reads into its share of the
 * bounds (`DualObject.rowBounds`): the same terms as its forward `bounds()`, hence the same
 * numbers. The rows start as slices of the layer's weight (Wᵀ e_m is row m of W; a convolution's
 * is the kernel placed at m's window) and stay on windows while they run back through a chain of
 * convolutions and element-wise layers ({@link planRows}).
 * @module
 */
import { add, conv2dAdjoint, expand, mul, reshape } from '../../autograd/index.js';
import type { DType } from '../../tensor/dtype.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Bounds, Convolution, DualLayer, DualObject } from '../dual.js';
import { convGeometry, kernelRows, type ConvolutionLayer } from './one-hot.js';
import { DenseRows, IdentityRows, WindowRows, type RowBlock } from './row-block.js';
import { WindowGrid } from './window-grid.js';

/** Windows are kept while they hold at most this fraction of the activation (else rows go dense). */
export const WINDOW_FRACTION = 0.5;

/** A dual object and the activation its term reads (0 = input set), as the network places them. */
export interface PlacedTerm {
  readonly object: DualObject;
  readonly position: number;
}

/** The network cut at z_p: its first p layers, the activation shapes S_0 … S_p and the placed objects. */
export interface CutNetwork {
  readonly layers: readonly DualLayer[];
  readonly shapes: readonly Shape[];
  readonly objects: readonly PlacedTerm[];
  readonly batch: number;
  readonly dtype: DType;
}

/** True when every layer reads only its direct input (no Dense skip), so rows can stay windowed. */
function isChain(layers: readonly DualLayer[]): boolean {
  return layers.every((l) => l.reads.length === 1 && l.reads[0] === 1);
}

const fits = (grid: WindowGrid): boolean => grid.features <= WINDOW_FRACTION * grid.imageSize;

/**
 * How the rows of z_p are held at each earlier activation: `plan[t]` is the window grid at z_t, or
 * null for dense rows. Windows start at a convolution producing z_p and continue back through
 * convolutions, ReLUs and identities while they stay small; any other layer, or a Dense skip
 * anywhere, means dense rows from there on.
 */
export function planRows(layers: readonly DualLayer[], shapes: readonly Shape[], p: number): (WindowGrid | null)[] {
  const plan: (WindowGrid | null)[] = new Array<WindowGrid | null>(p).fill(null);
  if (p === 0 || !isChain(layers.slice(0, p))) return plan;
  let grid: WindowGrid | null = null;
  for (let t = p - 1; t >= 0; t--) {
    const layer = layers[t]!;
    if (layer.convolution) {
      const from: WindowGrid | null = grid ?? (t === p - 1 ? WindowGrid.positionsOf(shapes[p]!) : null);
      const next: WindowGrid | null = from ? from.throughConv(convGeometry(layer.convolution), shapes[t]!) : null;
      grid = next && fits(next) ? next : null;
    } else if (!(grid && (layer.diagonal || layer.identity))) {
      grid = null;
    }
    if (!grid) break;
    plan[t] = grid;
  }
  return plan;
}

/** The one-hot rows of z_p `[1, N_p, ...S_p]`. */
function identityColumns(shape: Shape, dtype: DType): Tensor {
  const n = sizeOf(shape);
  return reshape(Tensor.eye(n, dtype), [1, n, ...shape]);
}

/** Rows at z_{p−1} after the layer producing z_p, built from its weight where it is a Linear or Conv2d. */
function firstRows(layer: DualLayer, p: number, cut: CutNetwork, plan: readonly (WindowGrid | null)[]): RowBlock {
  const target = cut.shapes[p]!;
  const grid = plan[p - 1];
  if (layer.matrix) return new DenseRows(reshape(layer.matrix, [1, ...layer.matrix.shape]), target);
  if (layer.convolution) {
    const rows = kernelRows(layer as ConvolutionLayer, cut.dtype, grid ?? undefined);
    return grid ? rows : rows.toDense();
  }
  return new DenseRows(layer.T(identityColumns(target, cut.dtype)), target);
}

/** Rows at z_t ↦ rows at z_{t−1} through `layer` (z_{t−1} → z_t), windowed where `grid` says so. */
function stepBack(layer: DualLayer, rows: RowBlock, grid: WindowGrid | null, dtype: DType): RowBlock {
  if (rows instanceof WindowRows && grid) {
    if (layer.diagonal) {
      const [B, P, F] = [layer.diagonal.shape[0]!, grid.positions, grid.features];
      return new WindowRows(mul(rows.values, reshape(grid.gather(layer.diagonal), [B, P, 1, F])), grid, rows.target);
    }
    if (layer.convolution) return convRowsBack(layer.convolution, rows, grid, dtype);
    return rows;
  }
  const dense = rows instanceof WindowRows ? rows.toDense() : (rows as DenseRows);
  return new DenseRows(layer.T(dense.columns), rows.target);
}

/** Windowed rows through a convolution's transpose: each window is a small image (padding 0), then masked. */
function convRowsBack(conv: Convolution, rows: WindowRows, grid: WindowGrid, dtype: DType): WindowRows {
  const [B, P, Q] = rows.values.shape as [number, number, number];
  const from = rows.grid;
  const images = reshape(rows.values, [B * P * Q, from.shape[0], from.height, from.width]);
  const back = conv2dAdjoint(images, conv.weight, [B * P * Q, grid.shape[0], grid.height, grid.width], { stride: conv.stride, padding: [0, 0] });
  return new WindowRows(mul(reshape(back, [B, P, Q, grid.features]), grid.mask(dtype)), grid, rows.target);
}

/** Rows at every activation z_0 … z_p (index t), for a chain of layers. */
function chainRows(cut: CutNetwork, p: number): RowBlock[] {
  const plan = planRows(cut.layers, cut.shapes, p);
  const blocks: RowBlock[] = new Array<RowBlock>(p + 1);
  blocks[p] = new IdentityRows(cut.shapes[p]!, cut.dtype);
  blocks[p - 1] = firstRows(cut.layers[p - 1]!, p, cut, plan);
  for (let t = p - 1; t >= 1; t--) blocks[t - 1] = stepBack(cut.layers[t - 1]!, blocks[t]!, plan[t - 1] ?? null, cut.dtype);
  return blocks;
}

/** Rows at every activation for any wiring (Dense skips add the transposes of every layer reading z_t). */
function denseRows(cut: CutNetwork, p: number): RowBlock[] {
  const target = cut.shapes[p]!;
  const at: (Tensor | undefined)[] = new Array<Tensor | undefined>(p + 1);
  at[p] = identityColumns(target, cut.dtype);
  for (let q = p; q >= 1; q--) {
    const nu = at[q] ?? Tensor.zeros([1, sizeOf(target), ...cut.shapes[q]!], cut.dtype);
    at[q] = nu;
    const layer = cut.layers[q - 1]!;
    for (const m of layer.reads) {
      const part = layer.T(nu, m);
      at[q - m] = at[q - m] ? add(at[q - m]!, part) : part;
    }
  }
  at[0] ??= Tensor.zeros([1, sizeOf(target), ...cut.shapes[0]!], cut.dtype);
  return at.map((columns, t) => (t === p ? new IdentityRows(target, cut.dtype) : new DenseRows(columns!, target)));
}

/** True when every object of the cut network can bound from rows. */
export function supportsRows(objects: readonly PlacedTerm[]): boolean {
  return objects.every(({ object }) => typeof object.rowBounds === 'function');
}

/**
 * Bounds `[ℓ, u]` (each `[B, ...S_p]`) on z_p = the output of `cut.layers[p − 1]`, summed over the
 * objects in their order (input set first), as the forward `bounds()` sums would give.
 * @throws Error if some object has no `rowBounds` (check {@link supportsRows} first).
 */
export function backwardBounds(cut: CutNetwork, p: number): Bounds {
  if (p < 1) throw new Error('backwardBounds: z_p must be the output of a layer (p >= 1)');
  const blocks = isChain(cut.layers.slice(0, p)) ? chainRows(cut, p) : denseRows(cut, p);
  let lower: Tensor | null = null;
  let upper: Tensor | null = null;
  for (const { object, position } of cut.objects) {
    if (!object.rowBounds) throw new Error('backwardBounds: a dual object without rowBounds (projections bound forwards only)');
    const [l, u] = object.rowBounds(blocks[position]!);
    lower = lower ? add(lower, l) : l;
    upper = upper ? add(upper, u) : u;
  }
  const full = [cut.batch, ...cut.shapes[p]!];
  const batched = (t: Tensor): Tensor => (t.shape[0] === cut.batch ? t : expand(t, full));
  return [batched(lower!), batched(upper!)];
}

/**
 * Indexing ops: gather / scatter-add along an axis (PyTorch semantics), index-select and its
 * adjoint index-add. Each is the other's gradient.
 * @module
 */
import { getBackend } from '../../tensor/registry.js';
import { normalizeAxis, shapeText, shapesEqual, type Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';

/** An integer index tensor: `Int32Array` data plus its shape. */
export interface IndexTensor {
  readonly data: Int32Array;
  readonly shape: Shape;
}

/** `out[..i..] = x[.. index[..i..] ..]` along `axis` (PyTorch `gather`); output has the index's shape. */
export function gather(x: Tensor, axis: number, index: IndexTensor): Tensor {
  const a = normalizeAxis(axis, x.rank);
  if (index.shape.length !== x.rank || index.shape.some((d, i) => i !== a && d !== x.shape[i])) {
    throw new Error(`gather: index shape ${shapeText(index.shape)} must match ${shapeText(x.shape)} outside axis ${axis}`);
  }
  const out = new Tensor(getBackend().gather(x.data, x.shape, a, index.data, index.shape), index.shape);
  return record(out, 'gather', [x], (g) => [scatterAdd(g, a, index, x.shape)]);
}

/** Zeros of `shape` with `src` added at `index` along `axis` (PyTorch `scatter_add`). */
export function scatterAdd(src: Tensor, axis: number, index: IndexTensor, shape: Shape): Tensor {
  const a = normalizeAxis(axis, shape.length);
  if (!shapesEqual(src.shape, index.shape)) {
    throw new Error(`scatterAdd: src shape ${shapeText(src.shape)} must equal index shape ${shapeText(index.shape)}`);
  }
  if (index.shape.length !== shape.length || index.shape.some((d, i) => i !== a && d !== shape[i])) {
    throw new Error(`scatterAdd: index shape ${shapeText(index.shape)} must match ${shapeText(shape)} outside axis ${axis}`);
  }
  const out = new Tensor(getBackend().scatterAdd(src.data, index.shape, a, index.data, shape), shape);
  return record(out, 'scatterAdd', [src], (g) => [gather(g, a, index)]);
}

/** Places `g` (size 1 along `axis`) at position `at[...]` along `axis` of zeros of `shape`. */
export function scatterAlong(g: Tensor, at: Int32Array, axis: number, shape: Shape): Tensor {
  return scatterAdd(g, axis, { data: at, shape: g.shape }, shape);
}

/** Whole slices `index` along `axis` (PyTorch `index_select`). */
export function indexSelect(x: Tensor, axis: number, index: Int32Array): Tensor {
  const a = normalizeAxis(axis, x.rank);
  const shape = [...x.shape];
  shape[a] = index.length;
  const out = new Tensor(getBackend().indexSelect(x.data, x.shape, a, index), shape);
  return record(out, 'indexSelect', [x], (g) => [indexAdd(g, a, index, x.shape)]);
}

/** Zeros of `shape` with the slices of `src` added at `index` along `axis` (adjoint of indexSelect). */
export function indexAdd(src: Tensor, axis: number, index: Int32Array, shape: Shape): Tensor {
  const a = normalizeAxis(axis, shape.length);
  const expected = shape.map((d, i) => (i === a ? index.length : d));
  if (!shapesEqual(src.shape, expected)) {
    throw new Error(`indexAdd: src shape ${shapeText(src.shape)} must be ${shapeText(expected)} (shape with axis ${axis} of length index.length)`);
  }
  const out = new Tensor(getBackend().indexAdd(src.data, src.shape, a, index, shape), shape);
  return record(out, 'indexAdd', [src], (g) => [indexSelect(g, a, index)]);
}

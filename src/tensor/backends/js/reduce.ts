/**
 * Reductions of the `js` backend along one axis: sum / max / min, arg-max / arg-min, and the
 * lower median (PyTorch `median(dim)` semantics) with its position.
 * @module
 */
import type { MedianResult, ReduceOp } from '../../backend.js';
import { allocate, dtypeOf, type TypedArray } from '../../dtype.js';
import { splitAt, type Shape } from '../../shape.js';

/** Reduces `axis`; output shape is `shape` without that axis. */
export function reduce(op: ReduceOp, x: TypedArray, shape: Shape, axis: number): TypedArray {
  const { outer, size, inner } = splitAt(shape, axis);
  const out = allocate(dtypeOf(x), outer * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    const ob = o * inner;
    if (op === 'sum') {
      for (let k = 0; k < size; k++) {
        const row = base + k * inner;
        for (let i = 0; i < inner; i++) out[ob + i]! += x[row + i]!;
      }
    } else {
      for (let i = 0; i < inner; i++) out[ob + i] = x[base + i]!;
      for (let k = 1; k < size; k++) {
        const row = base + k * inner;
        for (let i = 0; i < inner; i++) {
          const v = x[row + i]!;
          const cur = out[ob + i]!;
          if (op === 'max' ? v > cur || Number.isNaN(v) : v < cur || Number.isNaN(v)) out[ob + i] = v;
        }
      }
    }
  }
  return out;
}

/** Position of the first max / min along `axis`. */
export function argReduce(op: 'max' | 'min', x: TypedArray, shape: Shape, axis: number): Int32Array {
  const { outer, size, inner } = splitAt(shape, axis);
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    for (let i = 0; i < inner; i++) {
      let best = x[base + i]!;
      let at = 0;
      for (let k = 1; k < size; k++) {
        const v = x[base + k * inner + i]!;
        if (op === 'max' ? v > best : v < best) { best = v; at = k; }
      }
      out[o * inner + i] = at;
    }
  }
  return out;
}

/**
 * Lower median along `axis` (rank floor((n-1)/2)) and its position (quickselect on a copy), of
 * |x| when `absolute`.
 * @throws Error naming the axis and shape when the axis is empty (and the output is not).
 */
export function median(x: TypedArray, shape: Shape, axis: number, absolute = false): MedianResult {
  const { outer, size, inner } = splitAt(shape, axis);
  const values = allocate(dtypeOf(x), outer * inner);
  const indices = new Int32Array(outer * inner);
  if (size === 0 && values.length > 0) throw new Error(`median: axis ${axis} of shape [${shape.join(', ')}] is empty`);
  const vals = new Float64Array(size);
  const pos = new Int32Array(size);
  const rank = (size - 1) >> 1;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      if (absolute) for (let k = 0; k < size; k++) { vals[k] = Math.abs(x[base + k * inner]!); pos[k] = k; }
      else for (let k = 0; k < size; k++) { vals[k] = x[base + k * inner]!; pos[k] = k; }
      select(vals, pos, rank);
      values[o * inner + i] = vals[rank]!;
      indices[o * inner + i] = pos[rank]!;
    }
  }
  return { values, indices };
}

/** Hoare quickselect: moves the element of rank `k` to position k (pos follows vals). */
function select(vals: Float64Array, pos: Int32Array, k: number): void {
  let lo = 0;
  let hi = vals.length - 1;
  while (hi > lo) {
    const pivot = vals[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (vals[i]! < pivot) i++;
      while (vals[j]! > pivot) j--;
      if (i <= j) {
        const tv = vals[i]!; vals[i] = vals[j]!; vals[j] = tv;
        const tp = pos[i]!; pos[i] = pos[j]!; pos[j] = tp;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

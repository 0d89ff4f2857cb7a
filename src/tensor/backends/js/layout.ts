/**
 * Data-movement kernels of the `js` backend: permute, gather / scatter-add, index-select /
 * index-add, concat and slice. All work on the (outer, size, inner) split of one axis.
 * @module
 */
import { allocate, dtypeOf, type TypedArray } from '../../dtype.js';
import { sizeOf, splitAt, stridesOf, type Shape } from '../../shape.js';

/** Permutes axes; output shape is `perm.map(i => shape[i])`. */
export function permute(x: TypedArray, shape: Shape, perm: readonly number[]): TypedArray {
  const rank = shape.length;
  const out = allocate(dtypeOf(x), x.length);
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]!);
  const stepIn = perm.map((p) => inStrides[p]!);
  const counter = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = x[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]!++;
      src += stepIn[d]!;
      if (counter[d]! < outShape[d]!) break;
      src -= stepIn[d]! * outShape[d]!;
      counter[d] = 0;
    }
  }
  return out;
}

/** `out[o, i, r] = x[o, index[o, i, r], r]` with (outer, ·, inner) split at `axis`. */
export function gather(x: TypedArray, shape: Shape, axis: number, index: Int32Array, indexShape: Shape): TypedArray {
  const { size } = splitAt(shape, axis);
  const { outer, size: isize, inner } = splitAt(indexShape, axis);
  const innerX = splitAt(shape, axis).inner;
  const out = allocate(dtypeOf(x), index.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < isize; i++) {
      for (let r = 0; r < inner; r++) {
        const at = (o * isize + i) * inner + r;
        const k = index[at]!;
        if (k < 0 || k >= size) throw new Error(`gather: index ${k} out of range [0, ${size}) on axis ${axis}`);
        out[at] = x[(o * size + k) * innerX + r]!;
      }
    }
  }
  return out;
}

/** Adjoint of gather: zeros of `shape`, then `out[o, index[o,i,r], r] += src[o,i,r]`. */
export function scatterAdd(src: TypedArray, indexShape: Shape, axis: number, index: Int32Array, shape: Shape): TypedArray {
  const { size, inner: innerX } = splitAt(shape, axis);
  const { outer, size: isize, inner } = splitAt(indexShape, axis);
  const out = allocate(dtypeOf(src), sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < isize; i++) {
      for (let r = 0; r < inner; r++) {
        const at = (o * isize + i) * inner + r;
        const k = index[at]!;
        if (k < 0 || k >= size) throw new Error(`scatterAdd: index ${k} out of range [0, ${size}) on axis ${axis}`);
        out[(o * size + k) * innerX + r]! += src[at]!;
      }
    }
  }
  return out;
}

/** Whole slices `index` along `axis`. */
export function indexSelect(x: TypedArray, shape: Shape, axis: number, index: Int32Array): TypedArray {
  const { outer, size, inner } = splitAt(shape, axis);
  const out = allocate(dtypeOf(x), outer * index.length * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < index.length; i++) {
      const k = index[i]!;
      if (k < 0 || k >= size) throw new Error(`indexSelect: index ${k} out of range [0, ${size}) on axis ${axis}`);
      const src = (o * size + k) * inner;
      if (inner === 1) out[o * index.length + i] = x[src]!; // a subarray per element costs ~100 ns
      else out.set(x.subarray(src, src + inner), (o * index.length + i) * inner);
    }
  }
  return out;
}

/** Adjoint of indexSelect. */
export function indexAdd(src: TypedArray, srcShape: Shape, axis: number, index: Int32Array, shape: Shape): TypedArray {
  const { outer, inner } = splitAt(srcShape, axis);
  const size = shape[axis]!;
  const out = allocate(dtypeOf(src), sizeOf(shape));
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < index.length; i++) {
      const k = index[i]!;
      if (k < 0 || k >= size) throw new Error(`indexAdd: index ${k} out of range [0, ${size}) on axis ${axis}`);
      const from = (o * index.length + i) * inner;
      const to = (o * size + k) * inner;
      for (let r = 0; r < inner; r++) out[to + r]! += src[from + r]!;
    }
  }
  return out;
}

/** Concatenation along `axis`. */
export function concat(parts: readonly TypedArray[], shapes: readonly Shape[], axis: number): TypedArray {
  const { outer } = splitAt(shapes[0]!, axis);
  const chunk = shapes.map((s) => splitAt(s, axis).size * splitAt(s, axis).inner);
  const row = chunk.reduce((a, b) => a + b, 0);
  const dtype = parts.some((p) => dtypeOf(p) === 'float64') ? 'float64' : 'float32';
  const out = allocate(dtype, outer * row);
  for (let o = 0; o < outer; o++) {
    let at = o * row;
    parts.forEach((p, j) => {
      const c = chunk[j]!;
      out.set(p.subarray(o * c, o * c + c), at);
      at += c;
    });
  }
  return out;
}

/** `[start, end)` of `axis`. */
export function slice(x: TypedArray, shape: Shape, axis: number, start: number, end: number): TypedArray {
  const { outer, size, inner } = splitAt(shape, axis);
  const len = (end - start) * inner;
  const out = allocate(dtypeOf(x), outer * len);
  for (let o = 0; o < outer; o++) {
    const src = (o * size + start) * inner;
    out.set(x.subarray(src, src + len), o * len);
  }
  return out;
}

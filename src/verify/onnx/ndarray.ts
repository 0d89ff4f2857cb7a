/**
 * A plain float64 n-d array for the ONNX interpreter: the reference forward pass that every
 * counterexample is re-checked with, independent of tensor backends and their float32 kernels.
 * @module
 */

/** Row-major float64 array. */
export interface NdArray {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A new array (zeros unless data is given; data length must match). */
export function nd(shape: readonly number[], data?: ArrayLike<number>): NdArray {
  const n = sizeOf(shape);
  if (data && data.length !== n) throw new Error(`array of shape [${shape.join(',')}] needs ${n} values, got ${data.length}`);
  return { shape: [...shape], data: data ? Float64Array.from(data) : new Float64Array(n) };
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** The broadcast shape of two shapes (numpy rules), or an error naming both. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Element-wise binary op with numpy broadcasting. */
export function broadcastBinary(a: NdArray, b: NdArray, f: (x: number, y: number) => number): NdArray {
  const shape = broadcastShape(a.shape, b.shape);
  const out = nd(shape);
  const n = shape.length;
  const sa = stridesFor(a.shape, n, shape);
  const sb = stridesFor(b.shape, n, shape);
  const idx = new Array<number>(n).fill(0);
  for (let k = 0; k < out.data.length; k++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < n; d++) {
      ia += idx[d]! * sa[d]!;
      ib += idx[d]! * sb[d]!;
    }
    out.data[k] = f(a.data[ia]!, b.data[ib]!);
    for (let d = n - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Strides of `shape` right-aligned into rank n, 0 along broadcast dimensions. */
function stridesFor(shape: readonly number[], n: number, target: readonly number[]): number[] {
  const own = stridesOf(shape);
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const d = n - shape.length + i;
    out[d] = shape[i] === 1 && target[d] !== 1 ? 0 : own[i]!;
  }
  return out;
}

/** Transposes by a permutation of the axes. */
export function transpose(a: NdArray, perm: readonly number[]): NdArray {
  const shape = perm.map((p) => a.shape[p]!);
  const src = stridesOf(a.shape);
  const out = nd(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < out.data.length; k++) {
    let i = 0;
    for (let d = 0; d < shape.length; d++) i += idx[d]! * src[perm[d]!]!;
    out.data[k] = a.data[i]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

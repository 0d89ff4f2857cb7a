/**
 * Element types. Float32 is the default; float64 is used by gradient checks and reference tests.
 * @module
 */

/** The element types a tensor can hold. */
export type DType = 'float32' | 'float64';

/** The storage of a tensor. */
export type TypedArray = Float32Array | Float64Array;

/** Allocates a zero-filled array of the given type. */
export function allocate(dtype: DType, length: number): TypedArray {
  return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
}

/** The element type of an array. */
export function dtypeOf(data: TypedArray): DType {
  return data instanceof Float64Array ? 'float64' : 'float32';
}

/** The wider of two element types (float64 wins). */
export function promote(a: DType, b: DType): DType {
  return a === 'float64' || b === 'float64' ? 'float64' : 'float32';
}

/** Copies into a new array of the requested type (no copy when already of that type and `copy` is false). */
export function castArray(data: TypedArray, dtype: DType, copy = false): TypedArray {
  if (dtypeOf(data) === dtype && !copy) return data;
  return dtype === 'float64' ? Float64Array.from(data) : Float32Array.from(data);
}

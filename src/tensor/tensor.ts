/**
 * The tensor: a shape plus a contiguous row-major Float32Array or Float64Array, and the three
 * autograd fields (`requiresGrad`, `grad`, `gradFn`) that the tape in `src/autograd` reads.
 * Operations live in `src/autograd/ops`; this class only builds and reads tensors.
 * @module
 */
import { allocate, castArray, dtypeOf, type DType, type TypedArray } from './dtype.js';
import { checkShape, shapeText, sizeOf, stridesOf, type Shape } from './shape.js';
import type { Rng } from './random.js';

/** The backward step recorded for a tensor produced by a differentiable op. */
export interface GradFn {
  /** Op name, for error messages and debugging. */
  readonly name: string;
  /** The op's tensor inputs, in the order `backward` returns their gradients. */
  readonly inputs: readonly Tensor[];
  /** Maps the gradient of the output to one gradient per input (`null`: no gradient). */
  backward(grad: Tensor): readonly (Tensor | null)[];
}

/** Nested number arrays accepted by {@link Tensor.from}. */
export type NestedArray = number | readonly NestedArray[];

/** An n-dimensional array of float32 or float64 values. */
export class Tensor {
  /** Dimensions, outermost first. */
  readonly shape: Shape;
  /** Row-major storage, length = product of `shape`. */
  readonly data: TypedArray;
  /** Whether gradients with respect to this tensor are wanted (leaf) or flow through it. */
  requiresGrad = false;
  /** Accumulated gradient after `backward()` (leaves only). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when recorded on the tape. */
  gradFn: GradFn | null = null;

  constructor(data: TypedArray, shape: Shape) {
    checkShape(shape);
    if (data.length !== sizeOf(shape)) {
      throw new Error(`data of length ${data.length} does not fit shape ${shapeText(shape)} (${sizeOf(shape)} elements)`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  /** Element type. */
  get dtype(): DType { return dtypeOf(this.data); }
  /** Number of elements. */
  get size(): number { return this.data.length; }
  /** Number of dimensions. */
  get rank(): number { return this.shape.length; }

  /** A tensor from nested arrays (shape inferred) or a flat array plus `shape`. */
  static from(values: NestedArray | ArrayLike<number>, shape?: Shape, dtype: DType = 'float32'): Tensor {
    if (shape) {
      const flat = values as ArrayLike<number>;
      const data = allocate(dtype, flat.length);
      for (let i = 0; i < flat.length; i++) data[i] = flat[i]!;
      return new Tensor(data, shape);
    }
    const inferred = inferShape(values as NestedArray);
    const data = allocate(dtype, sizeOf(inferred));
    let at = 0;
    const fill = (v: NestedArray): void => {
      if (typeof v === 'number') data[at++] = v;
      else for (const x of v) fill(x);
    };
    fill(values as NestedArray);
    return new Tensor(data, inferred);
  }

  /** A scalar (shape `[]`). */
  static scalar(value: number, dtype: DType = 'float32'): Tensor {
    const data = allocate(dtype, 1);
    data[0] = value;
    return new Tensor(data, []);
  }

  /** All zeros. */
  static zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
    return new Tensor(allocate(dtype, sizeOf(shape)), shape);
  }

  /** All `value`. */
  static full(shape: Shape, value: number, dtype: DType = 'float32'): Tensor {
    const data = allocate(dtype, sizeOf(shape));
    data.fill(value);
    return new Tensor(data, shape);
  }

  /** All ones. */
  static ones(shape: Shape, dtype: DType = 'float32'): Tensor {
    return Tensor.full(shape, 1, dtype);
  }

  /** Identity matrix [n, n]. */
  static eye(n: number, dtype: DType = 'float32'): Tensor {
    const t = Tensor.zeros([n, n], dtype);
    for (let i = 0; i < n; i++) t.data[i * n + i] = 1;
    return t;
  }

  /** Uniform samples in [lo, hi) from a seeded generator. */
  static uniform(shape: Shape, rng: Rng, lo = 0, hi = 1, dtype: DType = 'float32'): Tensor {
    const t = Tensor.zeros(shape, dtype);
    rng.fillUniform(t.data, lo, hi);
    return t;
  }

  /** Normal samples from a seeded generator. */
  static randn(shape: Shape, rng: Rng, mean = 0, std = 1, dtype: DType = 'float32'): Tensor {
    const t = Tensor.zeros(shape, dtype);
    rng.fillNormal(t.data, mean, std);
    return t;
  }

  /** Standard Cauchy samples from a seeded generator. */
  static cauchy(shape: Shape, rng: Rng, dtype: DType = 'float32'): Tensor {
    const t = Tensor.zeros(shape, dtype);
    rng.fillCauchy(t.data);
    return t;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item() needs a one-element tensor, got shape ${shapeText(this.shape)}`);
    return this.data[0]!;
  }

  /** Element at a multi-index. */
  at(...index: number[]): number {
    if (index.length !== this.rank) throw new Error(`at() needs ${this.rank} indices, got ${index.length}`);
    const strides = stridesOf(this.shape);
    let off = 0;
    index.forEach((i, d) => {
      if (i < 0 || i >= this.shape[d]!) throw new Error(`index ${i} out of range for dimension ${d} of size ${this.shape[d]}`);
      off += i * strides[d]!;
    });
    return this.data[off]!;
  }

  /** Nested plain arrays (a number for a scalar). */
  toArray(): NestedArray {
    const build = (dim: number, off: number): NestedArray => {
      if (dim === this.rank) return this.data[off]!;
      const step = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim]! }, (_, i) => build(dim + 1, off + i * step));
    };
    return build(0, 0);
  }

  /** A new tensor that shares no storage and has no history. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** Same storage, no history: a leaf that does not require grad. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** Converts the element type (copies; no history). */
  to(dtype: DType): Tensor {
    return new Tensor(castArray(this.data, dtype, true), this.shape);
  }

  /** Marks this tensor as a leaf whose gradient is wanted; returns this. */
  requireGrad(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }

  /** Short description for errors and logs. */
  toString(): string {
    return `Tensor(${shapeText(this.shape)}, ${this.dtype})`;
  }
}

function inferShape(v: NestedArray): number[] {
  if (typeof v === 'number') return [];
  const inner = v.length > 0 ? inferShape(v[0]!) : [];
  for (const x of v) {
    const s = inferShape(x);
    if (s.length !== inner.length || s.some((d, i) => d !== inner[i])) throw new Error('ragged nested array: every row must have the same shape');
  }
  return [v.length, ...inner];
}

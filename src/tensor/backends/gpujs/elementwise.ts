/**
 * Element-wise kernels of the `gpujs` backend: unary maps, broadcasting binary maps, clamp and
 * where. Each output element is one gpu.js thread; a binary map first merges the dimensions that
 * broadcast alike (so `[B,C,H,W] + [C,1,1]` becomes a rank-3 problem) and then decodes each
 * thread's position into the two operands' flat indices with exact float32 division.
 * @module
 */
import type { BinaryOp, UnaryOp } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../shape.js';
import { decodeLines, operandStrideConstants, outStrideConstants } from './kernel-math.js';
import type { KernelRunner } from './runner.js';
import type { KernelThis } from './runtime.js';
import { forEachTile, outputFor, planTiles, toF32 } from './tiles.js';

/** Kernel expressions of the unary ops in `v` (NaN handling as in the js backend). */
const UNARY_EXPR: Record<UnaryOp, string> = {
  neg: '-v',
  abs: 'Math.abs(v)',
  relu: '(v > 0 ? v : 0)',
  exp: 'Math.exp(v)',
  log: 'Math.log(v)',
  sqrt: 'Math.sqrt(v)',
  square: 'v * v',
  sign: '(v > 0 ? 1 : (v < 0 ? -1 : 0))',
  step: '(v > 0 ? 1 : 0)',
  reciprocal: '1 / v',
};

/** Kernel expressions of the binary ops in `x`, `y`; `max`/`min` propagate a NaN in either operand. */
const BINARY_EXPR: Record<BinaryOp, string> = {
  add: 'x + y',
  sub: 'x - y',
  mul: 'x * y',
  div: 'x / y',
  max: '((x >= y || x !== x) ? x : y)',
  min: '((x <= y || x !== x) ? x : y)',
  gt: '(x > y ? 1 : 0)',
  ge: '(x >= y ? 1 : 0)',
  lt: '(x < y ? 1 : 0)',
  le: '(x <= y ? 1 : 0)',
  eq: '(x === y ? 1 : 0)',
};

/**
 * Runs `chunk(start, length)` over [0, n) in pieces of at most `maxElements` and writes each
 * float32 result into `out` at `start`.
 */
export function mapChunks(runner: KernelRunner, out: TypedArray, chunk: (start: number, length: number) => Float32Array): TypedArray {
  const n = out.length;
  const tile = planTiles([n], [{ dims: [0], limit: runner.limits.maxElements, what: 'an element-wise map' }], [0]);
  forEachTile([n], tile, ([start], [len]) => out.set(chunk(start!, len!), start!));
  return out;
}

/** `out[i] = op(x[i])`. */
export function unary(runner: KernelRunner, op: UnaryOp, x: TypedArray): TypedArray {
  const source = `function (x) {\nconst v = x[this.thread.x];\nreturn ${UNARY_EXPR[op]};\n}`;
  return mapChunks(runner, outputFor(x.length, x), (start, len) => runner.run({
    name: `unary:${op}`, source, constants: {}, output: len, loop: 0, args: [toF32(x.subarray(start, start + len))],
  }));
}

/** `min(max(x, lo), hi)`; a one-sided clamp passes ±Infinity and gets a one-sided kernel. */
export function clamp(runner: KernelRunner, x: TypedArray, lo: number, hi: number): TypedArray {
  const out = outputFor(x.length, x);
  if (lo === -Infinity && hi === Infinity) { out.set(x); return out; }
  const expr = lo === -Infinity ? '(v > hi ? hi : v)' : hi === Infinity ? '(v < lo ? lo : v)' : '(v < lo ? lo : (v > hi ? hi : v))';
  const source = `function (x, lo, hi) {\nconst v = x[this.thread.x];\nreturn ${expr};\n}`;
  return mapChunks(runner, out, (start, len) => runner.run({
    name: `clamp:${expr}`, source, constants: {}, output: len, loop: 0, args: [toF32(x.subarray(start, start + len)), lo, hi],
  }));
}

function whereKernel(this: KernelThis<object>, cond: Float32Array, a: Float32Array, b: Float32Array): number {
  const i = this.thread.x;
  return cond[i] !== 0 ? a[i]! : b[i]!;
}

/** `cond[i] != 0 ? a[i] : b[i]`. */
export function where(runner: KernelRunner, cond: TypedArray, a: TypedArray, b: TypedArray): TypedArray {
  return mapChunks(runner, outputFor(cond.length, a, b), (start, len) => runner.run({
    name: 'where', source: whereKernel, constants: {}, output: len, loop: 0,
    args: [cond, a, b].map((v) => toF32(v.subarray(start, start + len))),
  }));
}

/** A broadcast problem with merged dimensions: output extents and each operand's strides (0 = broadcast). */
export interface MergedBroadcast {
  dims: number[];
  strides: number[][];
}

/**
 * Aligns operand shapes to `outShape`, drops unit dimensions and merges neighbours that every
 * operand walks contiguously (or broadcasts over alike). A scalar output becomes `[1]`.
 */
export function mergeBroadcast(outShape: Shape, operands: readonly Shape[]): MergedBroadcast {
  const rank = outShape.length;
  const full = operands.map((shape) => {
    const own = stridesOf(shape);
    const off = rank - shape.length;
    return outShape.map((_, d) => (d < off || shape[d - off] === 1 ? 0 : own[d - off]!));
  });
  const dims: number[] = [];
  const strides: number[][] = operands.map(() => []);
  for (let d = 0; d < rank; d++) {
    const n = outShape[d]!;
    if (n === 1) continue;
    const last = dims.length - 1;
    const merges = last >= 0 && full.every((s, k) => strides[k]![last] === s[d]! * n);
    if (merges) {
      dims[last]! *= n;
      full.forEach((s, k) => { strides[k]![last] = s[d]!; });
    } else {
      dims.push(n);
      full.forEach((s, k) => strides[k]!.push(s[d]!));
    }
  }
  if (dims.length === 0) return { dims: [1], strides: operands.map(() => [0]) };
  return { dims, strides };
}

/** The span `[base, base + Σ (ext-1)·stride + 1)` of an operand inside one output box. */
function operandSpan(x: TypedArray, strides: readonly number[], start: readonly number[], ext: readonly number[]): Float32Array {
  let base = 0;
  let last = 0;
  strides.forEach((s, d) => { base += start[d]! * s; last += (ext[d]! - 1) * s; });
  return toF32(x.subarray(base, base + last + 1));
}

/** `op(a, b)` broadcast to `outShape`. */
export function binary(runner: KernelRunner, op: BinaryOp, a: TypedArray, aShape: Shape, b: TypedArray, bShape: Shape, outShape: Shape): TypedArray {
  const out = outputFor(sizeOf(outShape), a, b);
  if (out.length === 0) return out;
  const { dims, strides: [sa, sb] } = mergeBroadcast(outShape, [aShape, bShape]);
  const rank = dims.length;
  const source = `function (a, b) {\nlet rem = this.thread.x;\n${decodeLines(rank, ['ia', 'ib'])}\n` +
    `const x = a[ia];\nconst y = b[ib];\nreturn ${BINARY_EXPR[op]};\n}`;
  const tile = planTiles(dims, [{ dims: dims.map((_, d) => d), limit: runner.limits.maxElements, what: 'a binary map' }], dims.map((_, d) => d));
  const outStrides = stridesOf(dims);
  forEachTile(dims, tile, (start, ext) => {
    const result = runner.run({
      name: `binary:${op}:${rank}`, source, output: sizeOf(ext), loop: 0,
      constants: { ...outStrideConstants(ext), ...operandStrideConstants('ia', sa!), ...operandStrideConstants('ib', sb!) },
      args: [operandSpan(a, sa!, start, ext), operandSpan(b, sb!, start, ext)],
    });
    out.set(result, start.reduce((o, s, d) => o + s * outStrides[d]!, 0));
  });
  return out;
}


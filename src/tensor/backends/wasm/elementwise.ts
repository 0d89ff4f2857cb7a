/**
 * Host side of the `wasm` element-wise kernels, the sum reduction and the fused row reduction. Only float32 arrays of at
 * least `minElements` take this path; the codes below are the module's op numbers. Each call
 * copies its operands into the shared heap and the result out.
 * @module
 */
import type { BinaryOp, RowDotSpec, RowMap, UnaryOp } from '../../backend.js';
import type { WasmRuntime } from './runtime.js';

/** Module codes of the unary ops it implements (exp and log stay on js). */
export const unaryCodes: Partial<Record<UnaryOp, number>> = {
  neg: 0, abs: 1, relu: 2, square: 3, sqrt: 4, sign: 5, step: 6, reciprocal: 7,
};

/** Module codes of the binary ops (all of them). */
export const binaryCodes: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5, gt: 6, ge: 7, lt: 8, le: 9, eq: 10,
};

/** How `binary` reads its operands: both full, b one scalar, a one scalar. */
export const BinaryMode = { full: 0, scalarB: 1, scalarA: 2 } as const;

/** `out[i] = op(x[i])` for a module op code. */
export function wasmUnary(rt: WasmRuntime, code: number, x: Float32Array): Float32Array {
  rt.reset();
  const xPtr = rt.put(x), outPtr = rt.alloc(4 * x.length);
  rt.kernels.unary(code, xPtr, outPtr, x.length);
  return rt.read(outPtr, x.length);
}

/** `out = op(a, b)` over `n` elements, `mode` from {@link BinaryMode}. */
export function wasmBinary(rt: WasmRuntime, code: number, a: Float32Array, b: Float32Array, n: number, mode: number): Float32Array {
  rt.reset();
  const aPtr = rt.put(a), bPtr = rt.put(b), outPtr = rt.alloc(4 * n);
  rt.kernels.binary(code, aPtr, bPtr, outPtr, n, mode);
  return rt.read(outPtr, n);
}

/** `min(max(x, lo), hi)`; bounds are rounded to float32 first, which leaves every result as js gives it. */
export function wasmClamp(rt: WasmRuntime, x: Float32Array, lo: number, hi: number): Float32Array {
  rt.reset();
  const xPtr = rt.put(x), outPtr = rt.alloc(4 * x.length);
  rt.kernels.clamp(xPtr, outPtr, x.length, lo, hi);
  return rt.read(outPtr, x.length);
}

/** Sum over the middle axis of x seen as [outer, size, inner]; output [outer, inner]. */
export function wasmSumAxis(rt: WasmRuntime, x: Float32Array, outer: number, size: number, inner: number): Float32Array {
  rt.reset();
  const xPtr = rt.put(x), outPtr = rt.alloc(4 * outer * inner);
  rt.kernels.sumAxis(xPtr, outPtr, outer, size, inner);
  return rt.read(outPtr, outer * inner);
}

/** Module codes of the row maps. */
const rowMapCodes: Record<RowMap, number> = { identity: 0, relu: 1, abs: 2, square: 3 };

/** out [B, P, Q] = Σ_f map(x[b, p, q, f]) · w[b, p, f] (w = 1 when null) per {@link RowDotSpec}. */
export function wasmRowDot(rt: WasmRuntime, x: Float32Array, w: Float32Array | null, spec: RowDotSpec, map: RowMap): Float32Array {
  const { batch, groups, rows, length, xShared, wShared } = spec;
  rt.reset();
  const xPtr = rt.put(x), wPtr = w ? rt.put(w) : 0, size = batch * groups * rows, outPtr = rt.alloc(4 * size);
  rt.kernels.rowDot(rowMapCodes[map], xPtr, wPtr, outPtr, batch, groups, rows, length, xShared ? 1 : 0, wShared ? 1 : 0);
  return rt.read(outPtr, size);
}

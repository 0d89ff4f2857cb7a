/**
 * Host side of the `wasm` element-wise kernels, the sum reduction and the fused row reduction. Only float32 arrays of at
 * least `minElements` take this path; the codes below are the module's op numbers. Each call
 * copies its operands into the shared heap and the result out.
 * @module
 */
import type { BinaryOp, RowDotSpec, RowMap, UnaryOp } from '../../backend.js';
import { stridesOf, type Shape } from '../../shape.js';
import { broadcastStrides, collapseDims } from '../js/elementwise.js';
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

/**
 * A broadcast `op(a, b) → outShape` collapsed to `[d0, d1, d2]` (adjacent dimensions merged where
 * both operands step through them alike; leading 1s pad it to 3): element strides of the two outer
 * dimensions per operand (0 where broadcast) and the inner row's {@link BinaryMode}.
 */
export interface BroadcastPlan {
  dims: [number, number, number];
  aStrides: [number, number];
  bStrides: [number, number];
  mode: number;
}

/** The plan of a broadcast, or null when it does not collapse to 3 dimensions with inner strides (1,1), (1,0) or (0,1). */
export function broadcastPlan(aShape: Shape, bShape: Shape, outShape: Shape): BroadcastPlan | null {
  const { dims, sa, sb } = collapseDims(outShape, broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape));
  if (dims.length > 3) return null;
  const pad = 3 - dims.length;
  const at = (list: number[], i: number, fill: number): number => (i < pad ? fill : list[i - pad]!);
  const [la, lb, len] = [sa[sa.length - 1]!, sb[sb.length - 1]!, dims[dims.length - 1]!];
  const mode = la === 1 && lb === 1 ? BinaryMode.full : lb === 0 && (la === 1 || len <= 1) ? BinaryMode.scalarB
    : la === 0 && lb === 1 ? BinaryMode.scalarA : -1;
  if (mode < 0) return null;
  return {
    dims: [at(dims, 0, 1), at(dims, 1, 1), len],
    aStrides: [at(sa, 0, 0), at(sa, 1, 0)],
    bStrides: [at(sb, 0, 0), at(sb, 1, 0)],
    mode,
  };
}

/** `out = op(a, b)` per a {@link BroadcastPlan}; bit for bit the js result (each element is one correctly rounded op). */
export function wasmBinary(rt: WasmRuntime, code: number, a: Float32Array, b: Float32Array, plan: BroadcastPlan): Float32Array {
  const [d0, d1, d2] = plan.dims, n = d0 * d1 * d2;
  rt.reset();
  const aPtr = rt.put(a), bPtr = rt.put(b), outPtr = rt.alloc(4 * n);
  if (d0 * d1 === 1) rt.kernels.binary(code, aPtr, bPtr, outPtr, n, plan.mode);
  else rt.kernels.binaryBroadcast(code, aPtr, bPtr, outPtr, d0, d1, d2, plan.mode, ...plan.aStrides, ...plan.bStrides);
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

/**
 * A `sumToShape(x: shape → target)` collapsed (adjacent dimensions merged where x and the target
 * step through them alike) to a sum over the middle of `[outer, size, inner]`: `axis` sums the
 * middle (→ [outer, inner]), `outerInner` sums both ends (→ [size]).
 */
export interface SumToShapePlan {
  kind: 'axis' | 'outerInner';
  outer: number;
  size: number;
  inner: number;
}

/**
 * The plan of a sumToShape, or null when the collapsed pattern of summed (S) and kept (K)
 * dimensions is none of S, S K, K S, K S K (→ `axis`) and S K S (→ `outerInner`).
 */
export function sumToShapePlan(shape: Shape, target: Shape): SumToShapePlan | null {
  const { dims, sb } = collapseDims(shape, stridesOf(shape), broadcastStrides(target, shape));
  const pattern = sb.map((stride) => (stride === 0 ? 'S' : 'K')).join('');
  const d = (i: number): number => dims[i]!;
  switch (pattern) {
    case 'S': return { kind: 'axis', outer: 1, size: d(0), inner: 1 };
    case 'SK': return { kind: 'axis', outer: 1, size: d(0), inner: d(1) };
    case 'KS': return { kind: 'axis', outer: d(0), size: d(1), inner: 1 };
    case 'KSK': return { kind: 'axis', outer: d(0), size: d(1), inner: d(2) };
    case 'SKS': return { kind: 'outerInner', outer: d(0), size: d(1), inner: d(2) };
    default: return null;
  }
}

/** `sumToShape` per a {@link SumToShapePlan}: {@link wasmSumAxis}, or the float64-accumulated sum over both ends. */
export function wasmSumToShape(rt: WasmRuntime, x: Float32Array, plan: SumToShapePlan): Float32Array {
  const { kind, outer, size, inner } = plan;
  if (kind === 'axis') return wasmSumAxis(rt, x, outer, size, inner);
  rt.reset();
  const xPtr = rt.put(x), outPtr = rt.alloc(4 * size);
  rt.kernels.sumOuterInner(xPtr, outPtr, outer, size, inner);
  return rt.read(outPtr, size);
}

/** out[o, i] = Σₖ a[o,k,i]·b[o,k,i] (inner > 1): `sumAxis` of the product, bit for bit, without writing the product. */
export function wasmProductSumAxis(rt: WasmRuntime, a: Float32Array, b: Float32Array, outer: number, size: number, inner: number): Float32Array {
  rt.reset();
  const aPtr = rt.put(a), bPtr = rt.put(b), outPtr = rt.alloc(4 * outer * inner);
  rt.kernels.productSumAxis(aPtr, bPtr, outPtr, outer, size, inner);
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

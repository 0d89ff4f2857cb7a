/**
 * Matrix product of the `js` backend: operands are first brought to row-major A [m,k] and
 * B [k,n] (transposed copies when needed), then multiplied with an i-k-j loop blocked over k and
 * n so that a panel of B stays in cache while rows of A stream past.
 * @module
 */
import type { MatmulSpec } from '../../backend.js';
import { allocate, dtypeOf, type TypedArray } from '../../dtype.js';

const BLOCK_K = 128;
const BLOCK_N = 512;

/** Copies the [rows, cols] matrix at `offset` into a new [cols, rows] matrix. */
export function transposeMatrix(x: TypedArray, offset: number, rows: number, cols: number): TypedArray {
  const out = allocate(dtypeOf(x), rows * cols);
  for (let r = 0; r < rows; r++) {
    const src = offset + r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = x[src + c]!;
  }
  return out;
}

/** `out[outOff..] += A[aOff..] (m×k) · B[bOff..] (k×n)`, all row-major. */
export function gemmInto(
  a: TypedArray, aOff: number, b: TypedArray, bOff: number, out: TypedArray, outOff: number,
  m: number, n: number, k: number,
): void {
  for (let n0 = 0; n0 < n; n0 += BLOCK_N) {
    const n1 = Math.min(n, n0 + BLOCK_N);
    for (let k0 = 0; k0 < k; k0 += BLOCK_K) {
      const k1 = Math.min(k, k0 + BLOCK_K);
      for (let i = 0; i < m; i++) {
        const orow = outOff + i * n;
        const arow = aOff + i * k;
        for (let p = k0; p < k1; p++) {
          const av = a[arow + p]!;
          if (av === 0) continue;
          const brow = bOff + p * n;
          for (let j = n0; j < n1; j++) out[orow + j]! += av * b[brow + j]!;
        }
      }
    }
  }
}

/** Batched product per {@link MatmulSpec}; output [batch, m, n]. */
export function matmul(a: TypedArray, b: TypedArray, spec: MatmulSpec): TypedArray {
  const { batch, m, n, k, transA, transB, aBatchStride, bBatchStride } = spec;
  const dtype = dtypeOf(a) === 'float64' || dtypeOf(b) === 'float64' ? 'float64' : 'float32';
  const out = allocate(dtype, batch * m * n);
  let sharedA: TypedArray | null = null;
  let sharedB: TypedArray | null = null;
  for (let t = 0; t < batch; t++) {
    let A = a;
    let aOff = t * aBatchStride;
    if (transA) {
      if (aBatchStride === 0 && sharedA) A = sharedA;
      else { A = transposeMatrix(a, aOff, k, m); if (aBatchStride === 0) sharedA = A; }
      aOff = 0;
    }
    let B = b;
    let bOff = t * bBatchStride;
    if (transB) {
      if (bBatchStride === 0 && sharedB) B = sharedB;
      else { B = transposeMatrix(b, bOff, n, k); if (bBatchStride === 0) sharedB = B; }
      bOff = 0;
    }
    gemmInto(A, aOff, B, bOff, out, t * m * n, m, n, k);
  }
  return out;
}

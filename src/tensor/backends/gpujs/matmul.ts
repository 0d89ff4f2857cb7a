/**
 * Batched matrix product of the `gpujs` backend: `out[b] = op(A[b]) · op(B[b])`, one thread per
 * output element and a loop of length k. Both transposes and batch broadcasting are strides (kernel
 * constants), so one kernel covers every variant: element (i, p) of op(A) sits at
 * `b·aB + i·aI + p·aP`, element (p, j) of op(B) at `b·bB + p·bP + j·bJ`. Large products are cut
 * into (batch, row, column, k) tiles; k pieces are summed on the host.
 * @module
 */
import type { MatmulSpec } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import { floorDiv } from './kernel-math.js';
import type { KernelRunner } from './runner.js';
import type { KernelCall, KernelThis } from './runtime.js';
import { blockView, forEachTile, outputFor, planTiles, writeBlock } from './tiles.js';

/** Tile geometry and operand strides of one matmul kernel. */
export interface MatmulConstants {
  M: number; N: number; K: number; MN: number;
  aB: number; aI: number; aP: number;
  bB: number; bP: number; bJ: number;
}

/** `out[t] = Σ_p A(b, i, p) · B(b, p, j)` with `t = (b·M + i)·N + j`. */
function matmulKernel(this: KernelThis<MatmulConstants>, a: Float32Array, b: Float32Array): number {
  const t = this.thread.x;
  const batch = floorDiv(t, this.constants.MN);
  const rem = t - batch * this.constants.MN;
  const i = floorDiv(rem, this.constants.N);
  const j = rem - i * this.constants.N;
  let ia = batch * this.constants.aB + i * this.constants.aI;
  let ib = batch * this.constants.bB + j * this.constants.bJ;
  let sum = 0;
  for (let p = 0; p < this.constants.K; p++) {
    sum = sum + a[ia]! * b[ib]!;
    ia = ia + this.constants.aP;
    ib = ib + this.constants.bP;
  }
  return sum;
}

/** Extents of one tile: batch, rows, columns, inner. */
type TileExtents = [number, number, number, number];

/**
 * The kernel call for one tile whose operands are already contiguous blocks in their stored
 * layout (`[batch?, m, k]` or `[batch?, k, m]` for A, `[batch?, k, n]` or `[batch?, n, k]` for B).
 */
export function matmulCall(spec: MatmulSpec, [bt, m, n, k]: TileExtents, a: Float32Array, b: Float32Array): KernelCall {
  const constants: MatmulConstants = {
    M: m, N: n, K: k, MN: m * n,
    aB: spec.aBatchStride === 0 ? 0 : m * k, aI: spec.transA ? 1 : k, aP: spec.transA ? m : 1,
    bB: spec.bBatchStride === 0 ? 0 : k * n, bP: spec.transB ? 1 : n, bJ: spec.transB ? k : 1,
  };
  return { name: 'matmul', source: matmulKernel, constants: { ...constants }, output: bt * m * n, loop: k, args: [a, b] };
}

/** @throws Error naming the spec field when a batch stride is neither 0 nor one whole matrix. */
function checkStrides(spec: MatmulSpec): void {
  const { m, n, k, aBatchStride, bBatchStride } = spec;
  if (aBatchStride !== 0 && aBatchStride !== m * k) throw new Error(`matmul (gpujs): aBatchStride ${aBatchStride} must be 0 or m·k = ${m * k}`);
  if (bBatchStride !== 0 && bBatchStride !== k * n) throw new Error(`matmul (gpujs): bBatchStride ${bBatchStride} must be 0 or k·n = ${k * n}`);
}

/** Tile extents within the element and loop limits. */
export function matmulTiles(runner: KernelRunner, spec: MatmulSpec): TileExtents {
  const { maxElements, maxLoop } = runner.limits;
  return planTiles([spec.batch, spec.m, spec.n, spec.k], [
    { dims: [3], limit: maxLoop, what: 'the inner loop of matmul' },
    { dims: spec.aBatchStride ? [0, 1, 3] : [1, 3], limit: maxElements, what: 'a matmul A tile' },
    { dims: spec.bBatchStride ? [0, 3, 2] : [3, 2], limit: maxElements, what: 'a matmul B tile' },
    { dims: [0, 1, 2], limit: maxElements, what: 'a matmul output tile' },
  ], [0, 1, 2, 3]) as TileExtents;
}

/** Batched product per {@link MatmulSpec}; output `[batch, m, n]`. */
export function matmul(runner: KernelRunner, a: TypedArray, b: TypedArray, spec: MatmulSpec): TypedArray {
  checkStrides(spec);
  const { batch, m, n, k, transA, transB, aBatchStride, bBatchStride } = spec;
  const out = outputFor(batch * m * n, a, b);
  const aDims = [aBatchStride ? batch : 1, transA ? k : m, transA ? m : k];
  const bDims = [bBatchStride ? batch : 1, transB ? n : k, transB ? k : n];
  forEachTile([batch, m, n, k], matmulTiles(runner, spec), ([b0, i0, j0, p0], ext) => {
    const [bt, mi, nj, kp] = ext as TileExtents;
    const aBox = { at: [aBatchStride ? b0! : 0, transA ? p0! : i0!, transA ? i0! : p0!], ext: [aBatchStride ? bt : 1, transA ? kp : mi, transA ? mi : kp] };
    const bBox = { at: [bBatchStride ? b0! : 0, transB ? j0! : p0!, transB ? p0! : j0!], ext: [bBatchStride ? bt : 1, transB ? nj : kp, transB ? kp : nj] };
    const result = runner.run(matmulCall(spec, [bt, mi, nj, kp],
      blockView(a, aDims, aBox.at, aBox.ext), blockView(b, bDims, bBox.at, bBox.ext)));
    writeBlock(out, [batch, m, n], [b0!, i0!, j0!], [bt, mi, nj], result, p0! > 0);
  });
  return out;
}

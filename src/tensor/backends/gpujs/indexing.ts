/**
 * Index kernels of the `gpujs` backend, on the `[outer, size, inner]` view of one axis: gather and
 * its adjoint scatter-add, index-select and its adjoint index-add. Scatters are written as gathers
 * (each output element loops over the indices and sums the sources that point at it), since
 * gpu.js threads cannot write anywhere but their own output element. Indices travel as float32
 * (exact below 2^24) and are range-checked on the host first.
 * @module
 */
import type { TypedArray } from '../../dtype.js';
import { shapeText, sizeOf, splitAt, type Shape } from '../../shape.js';
import { floorDiv } from './kernel-math.js';
import type { KernelRunner } from './runner.js';
import type { KernelThis } from './runtime.js';
import { blockView, forEachTile, outputFor, planTiles, toF32, writeBlock } from './tiles.js';

/** @throws Error naming the op when an index is outside `[0, size)`. */
function checkIndices(op: string, index: Int32Array, size: number, axis: number): void {
  for (const k of index) if (k < 0 || k >= size) throw new Error(`${op}: index ${k} out of range [0, ${size}) on axis ${axis}`);
}

/** @throws Error when the index shape differs from `shape` outside `axis` (PyTorch allows smaller; this backend does not). */
function checkIndexShape(op: string, indexShape: Shape, shape: Shape, axis: number, index: Int32Array): void {
  const same = indexShape.length === shape.length && indexShape.every((d, i) => i === axis || d === shape[i]);
  if (!same || index.length !== sizeOf(indexShape)) {
    throw new Error(`${op}: index shape ${shapeText(indexShape)} (${index.length} values) must match ${shapeText(shape)} outside axis ${axis}`);
  }
}

type AxisBox = { S: number; I: number; R: number };

/** `out[o, i, r] = x[o, index[o, i, r], r]`, x holding the whole axis (S positions). */
function gatherKernel(this: KernelThis<AxisBox>, x: Float32Array, index: Float32Array): number {
  const t = this.thread.x;
  const o = floorDiv(t, this.constants.I * this.constants.R);
  const r = t - floorDiv(t, this.constants.R) * this.constants.R;
  return x[(o * this.constants.S + index[t]!) * this.constants.R + r]!;
}

/** PyTorch `gather(dim)`; the index has `shape` outside `axis`. */
export function gather(runner: KernelRunner, x: TypedArray, shape: Shape, axis: number, index: Int32Array, indexShape: Shape): TypedArray {
  checkIndexShape('gather', indexShape, shape, axis, index);
  const { size } = splitAt(shape, axis);
  checkIndices('gather', index, size, axis);
  const { outer, size: isize, inner } = splitAt(indexShape, axis);
  const out = outputFor(index.length, x);
  const limit = runner.limits.maxElements;
  const full = [outer, isize, inner];
  const tile = planTiles(full, [
    { dims: [0, 1, 2], limit, what: 'a gather index block' },
    { dims: [0, 2], factor: size, limit, what: 'a gather source block (the whole axis)' },
  ], [0, 1, 2]);
  forEachTile(full, tile, ([o0, i0, r0], [oe, ie, re]) => {
    const result = runner.run({
      name: 'gather', source: gatherKernel, constants: { S: size, I: ie!, R: re! }, output: oe! * ie! * re!, loop: 0,
      args: [blockView(x, [outer, size, inner], [o0!, 0, r0!], [oe!, size, re!]), blockView(index, full, [o0!, i0!, r0!], [oe!, ie!, re!])],
    });
    writeBlock(out, full, [o0!, i0!, r0!], [oe!, ie!, re!], result, false);
  });
  return out;
}

/** `out[o, k, r] = Σ_i [index[o, i, r] = k0 + k] · src[o, i, r]` over a block of I index positions. */
function scatterAddKernel(this: KernelThis<{ K: number; I: number; R: number }>, src: Float32Array, index: Float32Array, k0: number): number {
  const t = this.thread.x;
  const o = floorDiv(t, this.constants.K * this.constants.R);
  const rem = t - o * this.constants.K * this.constants.R;
  const k = floorDiv(rem, this.constants.R);
  let at = o * this.constants.I * this.constants.R + (rem - k * this.constants.R);
  let sum = 0;
  for (let i = 0; i < this.constants.I; i++) {
    if (index[at] === k + k0) {
      sum = sum + src[at]!;
    }
    at = at + this.constants.R;
  }
  return sum;
}

/** PyTorch `scatter_add` into zeros of `shape`: adjoint of {@link gather} with the same index. */
export function scatterAdd(runner: KernelRunner, src: TypedArray, indexShape: Shape, axis: number, index: Int32Array, shape: Shape): TypedArray {
  checkIndexShape('scatterAdd', indexShape, shape, axis, index);
  const { outer, size, inner } = splitAt(shape, axis);
  checkIndices('scatterAdd', index, size, axis);
  const isize = indexShape[axis]!;
  const out = outputFor(sizeOf(shape), src);
  const { maxElements: limit, maxLoop } = runner.limits;
  const full = [outer, size, isize, inner];
  const tile = planTiles(full, [
    { dims: [2], limit: maxLoop, what: 'the index loop of scatterAdd' },
    { dims: [0, 1, 3], limit, what: 'a scatterAdd output block' },
    { dims: [0, 2, 3], limit, what: 'a scatterAdd source block' },
  ], [0, 2, 1, 3]);
  forEachTile(full, tile, ([o0, k0, i0, r0], [oe, ke, ie, re]) => {
    const srcBox: [number[], number[]] = [[o0!, i0!, r0!], [oe!, ie!, re!]];
    const result = runner.run({
      name: 'scatterAdd', source: scatterAddKernel, constants: { K: ke!, I: ie!, R: re! }, output: oe! * ke! * re!, loop: ie!,
      args: [blockView(src, [outer, isize, inner], ...srcBox), blockView(index, [outer, isize, inner], ...srcBox), k0!],
    });
    writeBlock(out, [outer, size, inner], [o0!, k0!, r0!], [oe!, ke!, re!], result, i0! > 0);
  });
  return out;
}

/** `out[o, i, r] = x[o, index[i], r]`, x holding the whole axis. */
function indexSelectKernel(this: KernelThis<AxisBox>, x: Float32Array, index: Float32Array): number {
  const t = this.thread.x;
  const o = floorDiv(t, this.constants.I * this.constants.R);
  const rem = t - o * this.constants.I * this.constants.R;
  const i = floorDiv(rem, this.constants.R);
  const r = rem - i * this.constants.R;
  return x[(o * this.constants.S + index[i]!) * this.constants.R + r]!;
}

/** Whole slices `index` along `axis`. */
export function indexSelect(runner: KernelRunner, x: TypedArray, shape: Shape, axis: number, index: Int32Array): TypedArray {
  const { outer, size, inner } = splitAt(shape, axis);
  checkIndices('indexSelect', index, size, axis);
  const out = outputFor(outer * index.length * inner, x);
  const limit = runner.limits.maxElements;
  const full = [outer, index.length, inner];
  const tile = planTiles(full, [
    { dims: [0, 1, 2], limit, what: 'an indexSelect output block' },
    { dims: [0, 2], factor: size, limit, what: 'an indexSelect source block (the whole axis)' },
  ], [0, 1, 2]);
  forEachTile(full, tile, ([o0, i0, r0], [oe, ie, re]) => {
    const result = runner.run({
      name: 'indexSelect', source: indexSelectKernel, constants: { S: size, I: ie!, R: re! }, output: oe! * ie! * re!, loop: 0,
      args: [blockView(x, [outer, size, inner], [o0!, 0, r0!], [oe!, size, re!]), toF32(index.subarray(i0!, i0! + ie!))],
    });
    writeBlock(out, full, [o0!, i0!, r0!], [oe!, ie!, re!], result, false);
  });
  return out;
}

/** `out[o, k, r] = Σ_i [index[i] = k0 + k] · src[o, i, r]` over a block of I index positions. */
function indexAddKernel(this: KernelThis<{ K: number; I: number; R: number }>, src: Float32Array, index: Float32Array, k0: number): number {
  const t = this.thread.x;
  const o = floorDiv(t, this.constants.K * this.constants.R);
  const rem = t - o * this.constants.K * this.constants.R;
  const k = floorDiv(rem, this.constants.R);
  let at = o * this.constants.I * this.constants.R + (rem - k * this.constants.R);
  let sum = 0;
  for (let i = 0; i < this.constants.I; i++) {
    if (index[i] === k + k0) {
      sum = sum + src[at]!;
    }
    at = at + this.constants.R;
  }
  return sum;
}

/** Adjoint of {@link indexSelect}: adds slices of `src` into zeros of `shape` at `index` along `axis`. */
export function indexAdd(runner: KernelRunner, src: TypedArray, srcShape: Shape, axis: number, index: Int32Array, shape: Shape): TypedArray {
  const { outer, size, inner } = splitAt(shape, axis);
  checkIndices('indexAdd', index, size, axis);
  if (srcShape[axis] !== index.length) throw new Error(`indexAdd: src shape ${shapeText(srcShape)} must have ${index.length} entries on axis ${axis}`);
  const out = outputFor(sizeOf(shape), src);
  const { maxElements: limit, maxLoop } = runner.limits;
  const full = [outer, size, index.length, inner];
  const tile = planTiles(full, [
    { dims: [2], limit: maxLoop, what: 'the index loop of indexAdd' },
    { dims: [0, 1, 3], limit, what: 'an indexAdd output block' },
    { dims: [0, 2, 3], limit, what: 'an indexAdd source block' },
  ], [0, 2, 1, 3]);
  forEachTile(full, tile, ([o0, k0, i0, r0], [oe, ke, ie, re]) => {
    const result = runner.run({
      name: 'indexAdd', source: indexAddKernel, constants: { K: ke!, I: ie!, R: re! }, output: oe! * ke! * re!, loop: ie!,
      args: [blockView(src, [outer, index.length, inner], [o0!, i0!, r0!], [oe!, ie!, re!]), toF32(index.subarray(i0!, i0! + ie!)), k0!],
    });
    writeBlock(out, [outer, size, inner], [o0!, k0!, r0!], [oe!, ke!, re!], result, i0! > 0);
  });
  return out;
}

/**
 * Reductions of the `gpujs` backend along one axis, viewed as `[outer, size, inner]`: sum / max /
 * min, arg-max / arg-min and the lower median. One thread per output element walks the axis with
 * a loop whose length is a kernel constant; an axis longer than `maxLoop` (or a tensor larger
 * than `maxElements`) is cut into tiles whose partial results are merged on the host.
 * @module
 */
import type { ReduceOp } from '../../backend.js';
import { allocate, dtypeOf, type TypedArray } from '../../dtype.js';
import { splitAt, type Shape } from '../../shape.js';
import { floorDiv } from './kernel-math.js';
import type { KernelRunner } from './runner.js';
import type { KernelThis } from './runtime.js';
import { blockView, forEachTile, mergeBlock, planTiles, writeBlock } from './tiles.js';

type AxisConstants = { K: number; I: number };

function sumKernel(this: KernelThis<AxisConstants>, x: Float32Array): number {
  const t = this.thread.x;
  const o = floorDiv(t, this.constants.I);
  let idx = o * this.constants.K * this.constants.I + (t - o * this.constants.I);
  let acc = 0;
  for (let k = 0; k < this.constants.K; k++) {
    acc = acc + x[idx]!;
    idx = idx + this.constants.I;
  }
  return acc;
}

function maxKernel(this: KernelThis<AxisConstants>, x: Float32Array): number {
  const t = this.thread.x;
  const o = floorDiv(t, this.constants.I);
  let idx = o * this.constants.K * this.constants.I + (t - o * this.constants.I);
  let acc = x[idx]!;
  for (let k = 1; k < this.constants.K; k++) {
    idx = idx + this.constants.I;
    const v = x[idx]!;
    if (v > acc || v !== v) {
      acc = v;
    }
  }
  return acc;
}

function minKernel(this: KernelThis<AxisConstants>, x: Float32Array): number {
  const t = this.thread.x;
  const o = floorDiv(t, this.constants.I);
  let idx = o * this.constants.K * this.constants.I + (t - o * this.constants.I);
  let acc = x[idx]!;
  for (let k = 1; k < this.constants.K; k++) {
    idx = idx + this.constants.I;
    const v = x[idx]!;
    if (v < acc || v !== v) {
      acc = v;
    }
  }
  return acc;
}

const REDUCE_KERNELS = { sum: sumKernel, max: maxKernel, min: minKernel };

const MERGE: Record<ReduceOp, (cur: number, v: number) => number> = {
  sum: (cur, v) => cur + v,
  max: (cur, v) => (v > cur || Number.isNaN(v) ? v : cur),
  min: (cur, v) => (v < cur || Number.isNaN(v) ? v : cur),
};

/** Tiles of `[outer, size, inner]`: each x box within `maxElements`, each axis piece within `maxLoop`. */
function axisTiles(runner: KernelRunner, full: readonly number[], what: string): number[] {
  const { maxElements, maxLoop } = runner.limits;
  return planTiles(full, [
    { dims: [1], limit: maxLoop, what: `the loop of ${what}` },
    { dims: [0, 1, 2], limit: maxElements, what },
  ], [0, 1, 2]);
}

/** Reduces `axis`; output shape is `shape` without it. */
export function reduce(runner: KernelRunner, op: ReduceOp, x: TypedArray, shape: Shape, axis: number): TypedArray {
  const { outer, size, inner } = splitAt(shape, axis);
  const out = allocate(dtypeOf(x), outer * inner);
  if (out.length === 0) return out;
  if (size === 0) return out.fill(op === 'sum' ? 0 : NaN);
  const full = [outer, size, inner];
  forEachTile(full, axisTiles(runner, full, `reduce ${op}`), ([o0, k0, i0], [oe, ke, ie]) => {
    const part = runner.run({
      name: `reduce:${op}`, source: REDUCE_KERNELS[op], constants: { K: ke!, I: ie! }, output: oe! * ie!, loop: ke!,
      args: [blockView(x, full, [o0!, k0!, i0!], [oe!, ke!, ie!])],
    });
    if (k0 === 0) writeBlock(out, [outer, inner], [o0!, i0!], [oe!, ie!], part, false);
    else mergeBlock(out, [outer, inner], [o0!, i0!], [oe!, ie!], part, MERGE[op]);
  });
  return out;
}

type ArgConstants = AxisConstants & { sign: number };

/**
 * Local position of the first max (constants.sign = 1) or min (sign = -1; comparing `sign·v` is
 * exact, infinities and NaN included) along the box's axis piece, or -1 when it holds only NaN.
 * As in the js backend a NaN is skipped, except at global position 0 where it wins for good.
 */
function argKernel(this: KernelThis<ArgConstants>, x: Float32Array, kStart: number): number {
  const t = this.thread.x;
  const o = floorDiv(t, this.constants.I);
  let idx = o * this.constants.K * this.constants.I + (t - o * this.constants.I);
  let best = 0;
  let at = -1;
  for (let k = 0; k < this.constants.K; k++) {
    const v = x[idx]!;
    if (at < 0) {
      if (v === v || k + kStart === 0) {
        best = v;
        at = k;
      }
    } else if (v * this.constants.sign > best * this.constants.sign) {
      best = v;
      at = k;
    }
    idx = idx + this.constants.I;
  }
  return at;
}

/** Positions of the first max / min along `axis`. */
export function argReduce(runner: KernelRunner, op: 'max' | 'min', x: TypedArray, shape: Shape, axis: number): Int32Array {
  const { outer, size, inner } = splitAt(shape, axis);
  const out = new Int32Array(outer * inner);
  if (out.length === 0 || size === 0) return out;
  const full = [outer, size, inner];
  const better = op === 'max' ? (v: number, b: number) => v > b : (v: number, b: number) => v < b;
  forEachTile(full, axisTiles(runner, full, `arg${op}`), ([o0, k0, i0], [oe, ke, ie]) => {
    const local = runner.run({
      name: 'argReduce', source: argKernel, constants: { K: ke!, I: ie!, sign: op === 'max' ? 1 : -1 }, output: oe! * ie!,
      loop: ke!, args: [blockView(x, full, [o0!, k0!, i0!], [oe!, ke!, ie!]), k0!],
    });
    for (let a = 0; a < oe!; a++) {
      for (let b = 0; b < ie!; b++) {
        const at = Math.round(local[a * ie! + b]!);
        if (at < 0) continue;
        const o = o0! + a;
        const i = i0! + b;
        const k = k0! + at;
        const dst = o * inner + i;
        if (k0 === 0 || better(x[(o * size + k) * inner + i]!, x[(o * size + out[dst]!) * inner + i]!)) out[dst] = k;
      }
    }
  });
  return out;
}

/**
 * Lower median along an axis for the `gpujs` backend (PyTorch `median(dim)`: the element of rank
 * ⌊(n−1)/2⌋, with its position). Selection does not map onto independent threads, so it is done
 * by counting: each element's stable rank `#{j : x_j < x_k or (x_j = x_k and j < k)}` is one
 * thread (O(n) each, O(n²) per output row), and a second kernel picks the position whose rank is
 * the target. On ties the position is the first of the tied elements in rank order, which may
 * differ from the js backend's quickselect (the value is the same). NaN inputs are not supported.
 * The median of |x| (`absolute`) takes |x| first, on the host.
 * @module
 */
import type { MedianResult } from '../../backend.js';
import { allocate, dtypeOf, type TypedArray } from '../../dtype.js';
import { splitAt, type Shape } from '../../shape.js';
import { floorDiv } from './kernel-math.js';
import type { KernelRunner } from './runner.js';
import type { KernelThis } from './runtime.js';
import { blockView, forEachTile, planTiles } from './tiles.js';

/** Stable rank of each element of a box `[O, S, I]` among positions `[j0, j0 + J)` of its row. */
function rankKernel(this: KernelThis<{ S: number; I: number; J: number }>, x: Float32Array, j0: number): number {
  const t = this.thread.x;
  const o = floorDiv(t, this.constants.S * this.constants.I);
  const rem = t - o * this.constants.S * this.constants.I;
  const k = floorDiv(rem, this.constants.I);
  const i = rem - k * this.constants.I;
  const v = x[t]!;
  let idx = (o * this.constants.S + j0) * this.constants.I + i;
  let count = 0;
  for (let j = 0; j < this.constants.J; j++) {
    const w = x[idx]!;
    if (w < v || (w === v && j + j0 < k)) {
      count = count + 1;
    }
    idx = idx + this.constants.I;
  }
  return count;
}

/** For each `(o, i)` of a box, the position in `[k0, k0 + K)` whose rank is `target` (0 if none there). */
function pickKernel(this: KernelThis<{ S: number; I: number; K: number; target: number }>, rank: Float32Array, k0: number): number {
  const t = this.thread.x;
  const o = floorDiv(t, this.constants.I);
  let idx = (o * this.constants.S + k0) * this.constants.I + (t - o * this.constants.I);
  let found = 0;
  for (let k = 0; k < this.constants.K; k++) {
    if (rank[idx] === this.constants.target) {
      found = found + k + k0;
    }
    idx = idx + this.constants.I;
  }
  return found;
}

/** Sum of `run(start, length)` over pieces of `[0, n)` of at most `step`. */
function sumOverPieces(n: number, step: number, run: (start: number, length: number) => Float32Array): Float32Array {
  let total: Float32Array | null = null;
  for (let start = 0; start < n; start += step) {
    const part = run(start, Math.min(step, n - start));
    if (!total) total = part;
    else for (let e = 0; e < total.length; e++) total[e]! += part[e]!;
  }
  return total!;
}

/** Lower median along `axis` (of |x| when `absolute`) and its position. */
export function median(runner: KernelRunner, input: TypedArray, shape: Shape, axis: number, absolute = false): MedianResult {
  const x = absolute ? input.map(Math.abs) : input;
  const { outer, size, inner } = splitAt(shape, axis);
  const values = allocate(dtypeOf(x), outer * inner);
  const indices = new Int32Array(outer * inner);
  if (values.length === 0) return { values, indices };
  if (size === 0) throw new Error(`median: axis ${axis} of shape [${shape.join(', ')}] is empty`);
  const { maxElements, maxLoop } = runner.limits;
  const full = [outer, size, inner];
  const tile = planTiles(full, [{ dims: [0, 1, 2], limit: maxElements, what: `median over ${size} elements` }], [0, 2]);
  const target = (size - 1) >> 1;
  forEachTile(full, tile, ([o0, , i0], [oe, , ie]) => {
    const box = blockView(x, full, [o0!, 0, i0!], [oe!, size, ie!]);
    const rank = sumOverPieces(size, maxLoop, (j0, J) => runner.run({
      name: 'median:rank', source: rankKernel, constants: { S: size, I: ie!, J }, output: box.length, loop: J, args: [box, j0],
    }));
    const pos = sumOverPieces(size, maxLoop, (k0, K) => runner.run({
      name: 'median:pick', source: pickKernel, constants: { S: size, I: ie!, K, target }, output: oe! * ie!, loop: K, args: [rank, k0],
    }));
    for (let a = 0; a < oe!; a++) {
      for (let b = 0; b < ie!; b++) {
        const o = o0! + a;
        const i = i0! + b;
        const k = Math.round(pos[a * ie! + b]!);
        indices[o * inner + i] = k;
        values[o * inner + i] = x[(o * size + k) * inner + i]!;
      }
    }
  });
  return { values, indices };
}

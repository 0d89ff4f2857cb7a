/**
 * The adjoint of broadcasting for the `gpujs` backend: sums a tensor of `shape` down to `target`.
 * The dimensions are grouped into maximal runs that are either all kept or all summed (unit
 * dimensions dropped), and each summed run is one {@link reduce} call, innermost first; e.g. a
 * bias gradient `[N, C, H, W] → [C, 1, 1]` is the groups `[N | C | H·W]`, two reductions.
 * @module
 */
import type { TypedArray } from '../../dtype.js';
import { sizeOf, type Shape } from '../../shape.js';
import { reduce } from './reduce.js';
import type { KernelRunner } from './runner.js';

/** Sums `x` (of `shape`) over the dimensions that `target` broadcasts. */
export function sumToShape(runner: KernelRunner, x: TypedArray, shape: Shape, target: Shape): TypedArray {
  const offset = shape.length - target.length;
  const groups: { size: number; summed: boolean }[] = [];
  shape.forEach((n, d) => {
    if (n === 1) return;
    const summed = d < offset || target[d - offset] === 1;
    const last = groups[groups.length - 1];
    if (last && last.summed === summed) last.size *= n;
    else groups.push({ size: n, summed });
  });
  let data = x;
  let dims = groups.map((g) => g.size);
  for (let g = groups.length - 1; g >= 0; g--) {
    if (!groups[g]!.summed) continue;
    data = reduce(runner, 'sum', data, dims, g);
    dims = dims.filter((_, d) => d !== g);
  }
  if (data === x) data = x.slice();
  if (data.length !== sizeOf(target)) throw new Error(`sumToShape: [${shape.join(', ')}] does not broadcast from [${target.join(', ')}]`);
  return data;
}

/**
 * Data-movement kernels of the `gpujs` backend: permute, slice and concat. Each output element is
 * one thread that computes where its value lives; big tensors are cut into boxes whose blocks are
 * contiguous views (see `tiles.ts`).
 * @module
 */
import type { TypedArray } from '../../dtype.js';
import { sizeOf, splitAt, stridesOf, type Shape } from '../../shape.js';
import { decodeLines, floorDiv, operandStrideConstants, outStrideConstants } from './kernel-math.js';
import type { KernelRunner } from './runner.js';
import type { KernelThis } from './runtime.js';
import { blockView, forEachTile, outputFor, planTiles, writeBlock } from './tiles.js';

/** Drops unit dimensions and merges input dimensions that stay neighbours under `perm`. */
export function mergePermutation(shape: Shape, perm: readonly number[]): { dims: number[]; perm: number[] } {
  const kept = shape.map((_, d) => d).filter((d) => shape[d] !== 1);
  const rankOf = new Map(kept.map((d, r) => [d, r]));
  const order = perm.filter((p) => shape[p] !== 1).map((p) => rankOf.get(p)!);
  const groups: number[][] = [];
  for (const r of order) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1]! + 1 === r) last.push(r);
    else groups.push([r]);
  }
  const byInput = [...groups].sort((g, h) => g[0]! - h[0]!);
  const dims = byInput.map((g) => g.reduce((p, r) => p * shape[kept[r]!]!, 1));
  return { dims, perm: groups.map((g) => byInput.indexOf(g)) };
}

/** Permutes axes; output shape is `perm.map(i => shape[i])`. */
export function permute(runner: KernelRunner, x: TypedArray, shape: Shape, perm: readonly number[]): TypedArray {
  const { dims, perm: p } = mergePermutation(shape, perm);
  if (dims.length <= 1 || p.every((q, d) => q === d)) return x.slice();
  const rank = dims.length;
  const out = outputFor(x.length, x);
  const outDims = p.map((q) => dims[q]!);
  const source = `function (x) {\nlet rem = this.thread.x;\n${decodeLines(rank, ['src'])}\nreturn x[src];\n}`;
  const tile = planTiles(dims, [{ dims: dims.map((_, d) => d), limit: runner.limits.maxElements, what: 'a permute block' }], dims.map((_, d) => d));
  forEachTile(dims, tile, (at, ext) => {
    const inStrides = stridesOf(ext);
    const outExt = p.map((q) => ext[q]!);
    const result = runner.run({
      name: `permute:${rank}`, source, output: sizeOf(ext), loop: 0,
      constants: { ...outStrideConstants(outExt), ...operandStrideConstants('src', p.map((q) => inStrides[q]!)) },
      args: [blockView(x, dims, at, ext)],
    });
    writeBlock(out, outDims, p.map((q) => at[q]!), outExt, result, false);
  });
  return out;
}

/** `out[o, j, r] = x[o, shift + j, r]` over a window of `WL` positions of the axis. */
function sliceKernel(this: KernelThis<{ J: number; R: number; WL: number }>, x: Float32Array, shift: number): number {
  const t = this.thread.x;
  const o = floorDiv(t, this.constants.J * this.constants.R);
  const rem = t - o * this.constants.J * this.constants.R;
  const j = floorDiv(rem, this.constants.R);
  const r = rem - j * this.constants.R;
  return x[(o * this.constants.WL + shift + j) * this.constants.R + r]!;
}

/** `[start, end)` of `axis`. */
export function slice(runner: KernelRunner, x: TypedArray, shape: Shape, axis: number, start: number, end: number): TypedArray {
  const { outer, size, inner } = splitAt(shape, axis);
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= size)) {
    throw new Error(`slice: [${start}, ${end}) is not a range within axis ${axis} of size ${size}`);
  }
  const len = end - start;
  const out = outputFor(outer * len * inner, x);
  const { maxElements } = runner.limits;
  const full = [outer, len, inner];
  const tile = planTiles(full, [{ dims: [0, 1, 2], limit: maxElements, what: 'a slice block' }], [0, 1, 2]);
  forEachTile(full, tile, ([o0, j0, r0], [oe, je, re]) => {
    const wholeAxis = oe! * size * re! <= maxElements;
    const [ws, wl] = wholeAxis ? [0, size] : [start + j0!, je!];
    const result = runner.run({
      name: 'slice', source: sliceKernel, constants: { J: je!, R: re!, WL: wl }, output: oe! * je! * re!, loop: 0,
      args: [blockView(x, [outer, size, inner], [o0!, ws, r0!], [oe!, wl, re!]), start + j0! - ws],
    });
    writeBlock(out, full, [o0!, j0!, r0!], [oe!, je!, re!], result, false);
  });
  return out;
}

type ConcatConstants = { ROW: number; W0: number; W1: number; W2: number; W3: number; S1: number; S2: number; S3: number };

/** Row-wise concatenation of up to four blocks of widths W0..W3 starting at columns 0, S1, S2, S3. */
function concatKernel(this: KernelThis<ConcatConstants>, p0: Float32Array, p1: Float32Array, p2: Float32Array, p3: Float32Array): number {
  const t = this.thread.x;
  const o = floorDiv(t, this.constants.ROW);
  const c = t - o * this.constants.ROW;
  if (c < this.constants.S1) {
    return p0[o * this.constants.W0 + c]!;
  }
  if (c < this.constants.S2) {
    return p1[o * this.constants.W1 + c - this.constants.S1]!;
  }
  if (c < this.constants.S3) {
    return p2[o * this.constants.W2 + c - this.constants.S2]!;
  }
  return p3[o * this.constants.W3 + c - this.constants.S3]!;
}

const CONCAT_ARITY = 4;

/** Concatenation along `axis`; more than four parts are concatenated in groups of four first. */
export function concat(runner: KernelRunner, parts: readonly TypedArray[], shapes: readonly Shape[], axis: number): TypedArray {
  if (parts.length > CONCAT_ARITY) {
    const groups: { data: TypedArray; shape: number[] }[] = [];
    for (let g = 0; g < parts.length; g += CONCAT_ARITY) {
      const gShapes = shapes.slice(g, g + CONCAT_ARITY);
      const shape = [...gShapes[0]!];
      shape[axis] = gShapes.reduce((s, sh) => s + sh[axis]!, 0);
      groups.push({ data: concat(runner, parts.slice(g, g + CONCAT_ARITY), gShapes, axis), shape });
    }
    return concat(runner, groups.map((g) => g.data), groups.map((g) => g.shape), axis);
  }
  const { outer } = splitAt(shapes[0]!, axis);
  const widths = shapes.map((s) => { const { size, inner } = splitAt(s, axis); return size * inner; });
  const starts = widths.map((_, j) => widths.slice(0, j).reduce((a, b) => a + b, 0));
  const row = widths.reduce((a, b) => a + b, 0);
  const out = outputFor(outer * row, ...parts);
  const tile = planTiles([outer, row], [{ dims: [0, 1], limit: runner.limits.maxElements, what: 'a concat block' }], [0, 1]);
  forEachTile([outer, row], tile, ([o0, c0], [oe, ce]) => {
    const blocks = parts.map((p, j) => {
      const lo = Math.max(c0!, starts[j]!);
      const hi = Math.min(c0! + ce!, starts[j]! + widths[j]!);
      if (hi <= lo) return { data: new Float32Array(1), width: 0 };
      return { data: blockView(p, [outer, widths[j]!], [o0!, lo - starts[j]!], [oe!, hi - lo]), width: hi - lo };
    });
    while (blocks.length < CONCAT_ARITY) blocks.push({ data: new Float32Array(1), width: 0 });
    const w = blocks.map((b) => b.width);
    const result = runner.run({
      name: 'concat', source: concatKernel, output: oe! * ce!, loop: 0, args: blocks.map((b) => b.data),
      constants: { ROW: ce!, W0: w[0]!, W1: w[1]!, W2: w[2]!, W3: w[3]!, S1: w[0]!, S2: w[0]! + w[1]!, S3: w[0]! + w[1]! + w[2]! },
    });
    writeBlock(out, [outer, row], [o0!, c0!], [oe!, ce!], result, false);
  });
  return out;
}

/**
 * Convolutions of the `gpujs` backend (kernels in `conv-kernels.ts`). The problem is tiled over
 * images n, output channels o and input channels c so that every operand block stays within
 * `maxElements` and the summed dimension within `maxLoop`: input channels for the forward pass,
 * output channels for the transpose, images for the weight gradient. Tiles along the summed
 * dimension are added on the host.
 * @module
 */
import type { Conv2dSpec } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import { conv2dKernel, conv2dTransposeKernel, conv2dWeightGradKernel, type ConvConstants } from './conv-kernels.js';
import type { KernelRunner } from './runner.js';
import type { KernelCall, KernelSource } from './runtime.js';
import { blockView, forEachTile, outputFor, planTiles, writeBlock, type TileConstraint } from './tiles.js';

/** Which convolution kernel, by the dimension (0 = n, 1 = o, 2 = c) it sums over. */
export type ConvKind = 'forward' | 'transpose' | 'weightGrad';

const SUMMED: Record<ConvKind, number> = { forward: 2, transpose: 1, weightGrad: 0 };
const SOURCE: Record<ConvKind, KernelSource> = { forward: conv2dKernel, transpose: conv2dTransposeKernel, weightGrad: conv2dWeightGradKernel };

/** The gpu.js call of one tile with `nt` images, `ot` output and `ct` input channels. */
export function convCall(kind: ConvKind, s: Conv2dSpec, [nt, ot, ct]: readonly number[], first: Float32Array, second: Float32Array): KernelCall {
  const constants: ConvConstants = {
    NT: nt!, OT: ot!, CT: ct!, H: s.inHeight, W: s.inWidth, KH: s.kernelHeight, KW: s.kernelWidth,
    HO: s.outHeight, WO: s.outWidth, SH: s.stride[0], SW: s.stride[1], PH: s.padding[0], PW: s.padding[1],
  };
  const output = kind === 'forward' ? nt! * ot! * s.outHeight * s.outWidth
    : kind === 'transpose' ? nt! * ct! * s.inHeight * s.inWidth : ot! * ct! * s.kernelHeight * s.kernelWidth;
  const loop = Math.max(kind === 'forward' ? ct! : kind === 'transpose' ? ot! : nt!, s.kernelHeight, s.kernelWidth,
    kind === 'weightGrad' ? Math.max(s.outHeight, s.outWidth) : 0);
  return { name: `conv2d:${kind}`, source: SOURCE[kind], constants: { ...constants }, output, loop, args: [first, second] };
}

/** Tile extents `[nt, ot, ct]` within the limits. */
export function convTiles(runner: KernelRunner, kind: ConvKind, s: Conv2dSpec): number[] {
  const { maxElements: limit, maxLoop } = runner.limits;
  const constraints: TileConstraint[] = [
    { dims: [SUMMED[kind]], limit: maxLoop, what: `the summed loop of conv2d ${kind}` },
    { dims: [], factor: Math.max(s.kernelHeight, s.kernelWidth), limit: maxLoop, what: 'a conv2d kernel side' },
    { dims: [0, 2], factor: s.inHeight * s.inWidth, limit, what: 'a conv2d input block (one channel plane at least)' },
    { dims: [1, 2], factor: s.kernelHeight * s.kernelWidth, limit, what: 'a conv2d weight block' },
    { dims: [0, 1], factor: s.outHeight * s.outWidth, limit, what: 'a conv2d output block (one channel plane at least)' },
  ];
  if (kind === 'weightGrad') constraints.push({ dims: [], factor: Math.max(s.outHeight, s.outWidth), limit: maxLoop, what: 'a conv2d output side' });
  return planTiles([s.batch, s.outChannels, s.inChannels], constraints, kind === 'transpose' ? [0, 2, 1] : [0, 1, 2]);
}

/** The operands of each kind in kernel order (first, second) and its output: x, y or w. */
const ROLES: Record<ConvKind, [Operand, Operand, Operand]> = { forward: ['x', 'w', 'y'], transpose: ['y', 'w', 'x'], weightGrad: ['x', 'y', 'w'] };
type Operand = 'x' | 'y' | 'w';

/** Full dims of each operand, and its box `[start, extent]` in the tile at (n0, o0, c0) of extents (nt, ot, ct). */
function operandBoxes(s: Conv2dSpec, [n0, o0, c0]: number[], [nt, ot, ct]: number[]): Record<Operand, { dims: number[]; at: number[]; ext: number[] }> {
  const { inHeight: H, inWidth: W, outHeight: HO, outWidth: WO, kernelHeight: KH, kernelWidth: KW } = s;
  return {
    x: { dims: [s.batch, s.inChannels, H, W], at: [n0!, c0!, 0, 0], ext: [nt!, ct!, H, W] },
    y: { dims: [s.batch, s.outChannels, HO, WO], at: [n0!, o0!, 0, 0], ext: [nt!, ot!, HO, WO] },
    w: { dims: [s.outChannels, s.inChannels, KH, KW], at: [o0!, c0!, 0, 0], ext: [ot!, ct!, KH, KW] },
  };
}

/** Runs one convolution kind tile by tile; `first`/`second` are the two data operands in kernel order. */
function runConv(runner: KernelRunner, kind: ConvKind, s: Conv2dSpec, first: TypedArray, second: TypedArray): TypedArray {
  const [firstRole, secondRole, outRole] = ROLES[kind];
  const full = [s.batch, s.outChannels, s.inChannels];
  const outDims = operandBoxes(s, [0, 0, 0], full)[outRole].dims;
  const out = outputFor(outDims.reduce((p, d) => p * d, 1), first, second);
  forEachTile(full, convTiles(runner, kind, s), (at, ext) => {
    const boxes = operandBoxes(s, at, ext);
    const f = boxes[firstRole];
    const g = boxes[secondRole];
    const result = runner.run(convCall(kind, s, ext, blockView(first, f.dims, f.at, f.ext), blockView(second, g.dims, g.at, g.ext)));
    const o = boxes[outRole];
    writeBlock(out, o.dims, o.at, o.ext, result, at[SUMMED[kind]]! > 0);
  });
  return out;
}

/** x `[N,C,H,W]` ⊛ weight `[O,C,kh,kw]` → `[N,O,Ho,Wo]`. */
export function conv2d(runner: KernelRunner, x: TypedArray, weight: TypedArray, s: Conv2dSpec): TypedArray {
  return runConv(runner, 'forward', s, x, weight);
}

/** Adjoint of conv2d: y `[N,O,Ho,Wo]` → `[N,C,H,W]`. */
export function conv2dTranspose(runner: KernelRunner, y: TypedArray, weight: TypedArray, s: Conv2dSpec): TypedArray {
  return runConv(runner, 'transpose', s, y, weight);
}

/** Weight gradient: x `[N,C,H,W]`, dy `[N,O,Ho,Wo]` → `[O,C,kh,kw]`. */
export function conv2dWeightGrad(runner: KernelRunner, x: TypedArray, dy: TypedArray, s: Conv2dSpec): TypedArray {
  return runConv(runner, 'weightGrad', s, x, dy);
}

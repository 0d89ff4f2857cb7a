/**
 * Tiling on the host side of the `gpujs` backend. A big problem is cut into boxes (a start and an
 * extent per dimension) small enough for one kernel call ({@link planTiles}); each operand's box
 * is handed to the kernel as a contiguous float32 block ({@link blockView}: a zero-copy view when
 * the box is contiguous in row-major order, else a packed copy), and the kernel's output box is
 * written or added back ({@link writeBlock}). Small problems are one box, with no copies.
 * @module
 */
import { allocate, dtypeOf, type DType, type TypedArray } from '../../dtype.js';

/** `factor · Π ext[d] over dims <= limit`: the size of one operand's box, or one loop's length. */
export interface TileConstraint {
  dims: readonly number[];
  factor?: number;
  limit: number;
  /** What the constraint is about, for the error when it cannot be met. */
  what: string;
}

function product(ext: readonly number[], dims: readonly number[], factor: number): number {
  return dims.reduce((p, d) => p * ext[d]!, factor);
}

/**
 * Tile extents for a problem of extents `full`: starting from the whole problem, repeatedly
 * halves (rounding up) the first dimension in `priority` that appears in a violated constraint.
 * Halving the outermost dimensions first keeps boxes contiguous whenever possible.
 * @throws Error naming the constraint when even extent 1 everywhere violates it.
 */
export function planTiles(full: readonly number[], constraints: readonly TileConstraint[], priority: readonly number[]): number[] {
  const ext = full.map((n) => Math.max(1, n));
  for (;;) {
    const bad = constraints.find((c) => product(ext, c.dims, c.factor ?? 1) > c.limit);
    if (!bad) return ext;
    const d = priority.find((p) => bad.dims.includes(p) && ext[p]! > 1);
    if (d === undefined) {
      throw new Error(`gpujs: ${bad.what} needs ${product(ext, bad.dims, bad.factor ?? 1)} elements or iterations in one ` +
        `kernel call even at the smallest tile; the limit is ${bad.limit}`);
    }
    ext[d] = Math.ceil(ext[d]! / 2);
  }
}

/** Calls `fn(start, ext)` for every tile of extents `tile` covering `full`, outermost dimension slowest. */
export function forEachTile(full: readonly number[], tile: readonly number[], fn: (start: number[], ext: number[]) => void): void {
  const rank = full.length;
  const start = new Array<number>(rank).fill(0);
  if (full.some((n) => n === 0)) return;
  for (;;) {
    fn([...start], start.map((s, d) => Math.min(tile[d]!, full[d]! - s)));
    let d = rank - 1;
    for (; d >= 0; d--) {
      start[d]! += tile[d]!;
      if (start[d]! < full[d]!) break;
      start[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Row-major flat offset of `start` in `dims`. */
function flatOffset(dims: readonly number[], start: readonly number[]): number {
  let off = 0;
  for (let d = 0; d < dims.length; d++) off = off * dims[d]! + start[d]!;
  return off;
}

/** True when the box is one contiguous run of a row-major array of `dims`. */
export function isContiguous(dims: readonly number[], start: readonly number[], ext: readonly number[]): boolean {
  let d = 0;
  while (d < dims.length - 1 && ext[d] === 1) d++;
  for (let e = d + 1; e < dims.length; e++) if (start[e] !== 0 || ext[e] !== dims[e]) return false;
  return true;
}

/** A float32 array: `x` itself when already float32, else a rounded copy. */
export function toF32(x: TypedArray | Int32Array): Float32Array {
  return x instanceof Float32Array ? x : Float32Array.from(x);
}

/**
 * The box of a row-major array of `dims` as a contiguous float32 array: a view when the box is
 * contiguous and `src` is float32, else a copy (float64 values are rounded to float32).
 */
export function blockView(src: TypedArray | Int32Array, dims: readonly number[], start: readonly number[], ext: readonly number[]): Float32Array {
  const size = ext.reduce((p, e) => p * e, 1);
  if (isContiguous(dims, start, ext)) {
    const off = flatOffset(dims, start);
    return toF32(src.subarray(off, off + size));
  }
  const out = new Float32Array(size);
  visitRuns(dims, start, ext, (srcOff, boxOff, run) => out.set(src.subarray(srcOff, srcOff + run), boxOff));
  return out;
}

/** Writes (or adds, when `accumulate`) a contiguous box `block` into the row-major `dst` of `dims`. */
export function writeBlock(
  dst: TypedArray, dims: readonly number[], start: readonly number[], ext: readonly number[], block: Float32Array, accumulate: boolean,
): void {
  visitRuns(dims, start, ext, (dstOff, boxOff, run) => {
    if (!accumulate) { dst.set(block.subarray(boxOff, boxOff + run), dstOff); return; }
    for (let i = 0; i < run; i++) dst[dstOff + i]! += block[boxOff + i]!;
  });
}

/** Merges a contiguous box `block` into `dst` element by element: `dst = merge(dst, block)`. */
export function mergeBlock(
  dst: TypedArray, dims: readonly number[], start: readonly number[], ext: readonly number[], block: Float32Array,
  merge: (current: number, incoming: number) => number,
): void {
  visitRuns(dims, start, ext, (dstOff, boxOff, run) => {
    for (let i = 0; i < run; i++) dst[dstOff + i] = merge(dst[dstOff + i]!, block[boxOff + i]!);
  });
}

/**
 * The same box with each dimension that the box covers fully merged into the one outside it
 * (a full inner dimension extends the outer one's runs), so runs are as long as possible.
 */
function mergeFullDims(dims: readonly number[], start: readonly number[], ext: readonly number[]): { dims: number[]; start: number[]; ext: number[] } {
  const out = { dims: [dims[0]!], start: [start[0]!], ext: [ext[0]!] };
  for (let d = 1; d < dims.length; d++) {
    const last = out.dims.length - 1;
    if (ext[d] === dims[d]) {
      out.dims[last]! *= dims[d]!;
      out.start[last]! *= dims[d]!;
      out.ext[last]! *= dims[d]!;
    } else {
      out.dims.push(dims[d]!);
      out.start.push(start[d]!);
      out.ext.push(ext[d]!);
    }
  }
  return out;
}

/** Calls `fn(arrayOffset, boxOffset, length)` for each innermost run of the box, in order. */
function visitRuns(fullDims: readonly number[], fullStart: readonly number[], fullExt: readonly number[], fn: (a: number, b: number, n: number) => void): void {
  if (fullDims.length === 0) { fn(0, 0, 1); return; }
  if (fullExt.some((e) => e === 0)) return;
  const { dims, start, ext } = mergeFullDims(fullDims, fullStart, fullExt);
  const rank = dims.length;
  const strides = dims.map((_, d) => dims.slice(d + 1).reduce((p, n) => p * n, 1));
  const run = ext[rank - 1]!;
  const at = new Array<number>(rank - 1).fill(0);
  let offset = start.reduce((o, s, d) => o + s * strides[d]!, 0);
  for (let boxOff = 0; ; boxOff += run) {
    fn(offset, boxOff, run);
    let d = rank - 2;
    for (; d >= 0; d--) {
      at[d]!++;
      offset += strides[d]!;
      if (at[d]! < ext[d]!) break;
      offset -= strides[d]! * ext[d]!;
      at[d] = 0;
    }
    if (d < 0) return;
  }
}

/** The output array of a kernel: float64 when any data input is float64 (values are float32-rounded). */
export function outputFor(length: number, ...inputs: readonly TypedArray[]): TypedArray {
  const dtype: DType = inputs.some((x) => dtypeOf(x) === 'float64') ? 'float64' : 'float32';
  return allocate(dtype, length);
}

/** The kernel result in the dtype of `like`: `result` itself for float32, else a float64 copy. */
export function asDtypeOf(result: Float32Array, dtype: DType): TypedArray {
  return dtype === 'float32' ? result : Float64Array.from(result);
}

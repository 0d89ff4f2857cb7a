/**
 * Torch storages for `torch.ts`: element types (names, sizes, decoding raw little-endian bytes
 * into the JS arrays {@link TorchTensor} uses), the strided copy that turns a storage view into
 * a contiguous tensor, and the loader that ties persistent ids to storage bytes.
 *
 * @module
 */
import type { TorchDtype, TorchObject, TorchTensor, TorchValue } from './torch.js';

/** Bytes per element of each dtype in a storage. */
export const DTYPE_SIZE: Record<TorchDtype, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2,
  int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

const STORAGE_DTYPE: Record<string, TorchDtype> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16', LongStorage: 'int64', IntStorage: 'int32',
  ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8', BoolStorage: 'bool',
};

/** `torch.FloatStorage` (or `torch.cuda.FloatStorage`) -> `float32`, etc. */
export function storageDtype(className: string): TorchDtype {
  const m = /^torch\.(?:cuda\.)?(\w+)$/.exec(className);
  const dtype = m === null ? undefined : STORAGE_DTYPE[m[1]!];
  if (dtype === undefined) throw new Error(`unsupported storage type ${className}`);
  return dtype;
}

/** float32, float16 and bfloat16 are held in a Float32Array; every other dtype in a Float64Array. */
function usesFloat32(dtype: TorchDtype): boolean {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16';
}

/** A zeroed array of `n` elements of the JS array type used for `dtype`. */
function allocate(dtype: TorchDtype, n: number): Float32Array | Float64Array {
  return usesFloat32(dtype) ? new Float32Array(n) : new Float64Array(n);
}

/** A tensor of `shape` whose data is still empty: it is filled once the storages are read. */
export function emptyTensor(dtype: TorchDtype, shape: number[]): TorchTensor {
  return { kind: 'tensor', dtype, shape, data: allocate(dtype, 0) };
}

function half(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function int64(v: DataView, at: number): number {
  const x = v.getBigInt64(at, true);
  const n = Number(x);
  if (!Number.isSafeInteger(n)) throw new Error(`int64 value ${x} is not exactly representable as a float64`);
  return n;
}

type Reader = (v: DataView, at: number) => number;
const READ: Record<TorchDtype, Reader> = {
  float32: (v, at) => v.getFloat32(at, true),
  float64: (v, at) => v.getFloat64(at, true),
  float16: (v, at) => half(v.getUint16(at, true)),
  bfloat16: (v, at) => new DataView(new Uint32Array([v.getUint16(at, true) << 16]).buffer).getFloat32(0, true),
  int64,
  int32: (v, at) => v.getInt32(at, true),
  int16: (v, at) => v.getInt16(at, true),
  int8: (v, at) => v.getInt8(at),
  uint8: (v, at) => v.getUint8(at),
  bool: (v, at) => (v.getUint8(at) !== 0 ? 1 : 0),
};

/** Decodes `numel` little-endian elements of `dtype` from the start of `bytes`. */
export function decodeStorage(bytes: Uint8Array, dtype: TorchDtype, numel: number): Float32Array | Float64Array {
  const out = allocate(dtype, numel);
  const size = DTYPE_SIZE[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, numel * size);
  const read = READ[dtype];
  for (let i = 0; i < numel; i++) out[i] = read(view, i * size);
  return out;
}

/**
 * A contiguous, row-major copy of the view (`offset`, `shape`, `stride`, in elements) of `src`.
 * Throws if the view reaches outside `src` (checked before anything is allocated).
 */
export function stridedCopy(
  src: Float32Array | Float64Array, offset: number, shape: number[], stride: number[],
): Float32Array | Float64Array {
  const numel = shape.reduce((a, b) => a * b, 1);
  const alloc = (n: number): Float32Array | Float64Array =>
    src instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
  if (numel === 0) return alloc(0);
  if (stride.length !== shape.length) throw new Error(`tensor stride [${stride}] does not match shape [${shape}]`);
  let last = offset;
  shape.forEach((n, d) => { last += (n - 1) * stride[d]!; });
  if (offset < 0 || stride.some((s) => s < 0) || last >= src.length) {
    throw new Error(`tensor view (offset ${offset}, shape [${shape}], stride [${stride}]) ` +
      `exceeds its storage of ${src.length} elements`);
  }
  const dst = alloc(numel);
  const idx = new Array<number>(shape.length).fill(0);
  let p = offset;
  for (let k = 0; k < numel; k++) {
    dst[k] = src[p]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]!++;
      p += stride[d]!;
      if (idx[d]! < shape[d]!) break;
      p -= stride[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return dst;
}

/** Supplies the raw bytes of storage `key` (at least `byteLength`). */
export type StorageSource = (key: string, byteLength: number) => Uint8Array;

/**
 * The storages of one checkpoint load. Unpickling meets storages (persistent ids) and tensor
 * views of them before their bytes can be read (legacy files keep the bytes after the
 * pickle), so each tensor is created empty and filled by {@link StorageLoader.finish}.
 */
export class StorageLoader {
  /** Storage key -> its flat tensor and element count. */
  storages = new Map<string, { tensor: TorchTensor; numel: number }>();
  private fills: Array<(src: StorageSource) => void> = [];

  /** Runs the deferred fills (storages first: each was registered before its users). */
  finish(src: StorageSource): void {
    for (const fill of this.fills) fill(src);
  }

  /** BINPERSID: `('storage', type, key, location, numel[, view_metadata])`. */
  storage(pid: TorchValue): TorchTensor {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
      throw new Error(`unsupported persistent id ${JSON.stringify(pid)}`);
    }
    const [, type, key, , numel, view] = pid;
    const cls = isObject(type) ? type.className : String(type);
    if (typeof key !== 'string' || typeof numel !== 'number') throw new Error(`bad storage id for ${key}`);
    const root = this.rootStorage(key, storageDtype(cls), numel);
    if (!Array.isArray(view)) return root;
    const [viewKey, offset, size] = view; // legacy storage views: root[offset : offset + size]
    if (typeof offset !== 'number' || typeof size !== 'number') throw new Error(`bad storage view ${viewKey}`);
    return this.view(root, offset, [size], [1]);
  }

  private rootStorage(key: string, dtype: TorchDtype, numel: number): TorchTensor {
    const known = this.storages.get(key);
    if (known !== undefined) return known.tensor;
    const tensor = emptyTensor(dtype, [numel]);
    this.storages.set(key, { tensor, numel });
    this.fills.push((src) => {
      const bytes = src(key, numel * DTYPE_SIZE[dtype]);
      tensor.data = decodeStorage(bytes, dtype, numel);
    });
    return tensor;
  }

  /** A contiguous copy of the strided view of `storage`, filled once storages are read. */
  view(storage: TorchTensor, offset: number, shape: number[], stride: number[]): TorchTensor {
    const out = emptyTensor(storage.dtype, shape);
    this.fills.push(() => { out.data = stridedCopy(storage.data, offset, shape, stride); });
    return out;
  }
}

/** Narrows a checkpoint value to a class placeholder. */
export function isObject(v: TorchValue): v is TorchObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) &&
    !(v instanceof Uint8Array) && v.kind === 'object';
}
/** Narrows a checkpoint value to a tensor. */
export function isTensor(v: TorchValue | undefined): v is TorchTensor {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) &&
    !(v instanceof Uint8Array) && v.kind === 'tensor';
}

/**
 * relaxjs's own checkpoint format: named float tensors plus JSON metadata, in one file.
 *
 * Layout (all integers little-endian):
 *
 * | bytes            | content                                                          |
 * |------------------|------------------------------------------------------------------|
 * | 0..7             | magic `RELAXJS1` (ASCII)                                          |
 * | 8..15            | uint64 `H`: length of the JSON header in bytes                   |
 * | 16..16+H         | UTF-8 JSON header, padded with spaces so that `16 + H` is a multiple of 8 |
 * | 16+H..           | data section: each tensor's raw little-endian floats             |
 *
 * The header is `{ "format": "relaxjs-checkpoint", "version": 1, "tensors": [...], "meta": {...} }`
 * where each tensor is `{ "name", "dtype": "float32" | "float64", "shape": number[],
 * "offset", "byteLength" }`; `offset` is relative to the start of the data section and a
 * multiple of 8 (tensors are zero-padded to 8-byte boundaries), so every tensor starts 8-byte
 * aligned in the file. `meta` is any JSON-serialisable record. Tensor order is kept.
 *
 * Saving writes a temporary file in the same directory and renames it over `path`, so a reader
 * never sees a half-written checkpoint.
 *
 * @module
 */
import { nodeBuiltin } from '../platform/node-builtins.js';

/** A named tensor as stored in a relaxjs checkpoint. */
export interface CheckpointTensor {
  shape: number[];
  data: Float32Array | Float64Array;
}

/** What {@link loadCheckpoint} returns. */
export interface Checkpoint {
  tensors: Map<string, CheckpointTensor>;
  meta: Record<string, unknown>;
}

/** The 8 magic bytes at the start of every relaxjs checkpoint. */
export const CHECKPOINT_MAGIC = 'RELAXJS1';
const PREFIX = 16;

interface HeaderEntry {
  name: string;
  dtype: 'float32' | 'float64';
  shape: number[];
  offset: number;
  byteLength: number;
}

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

function headerEntries(tensors: Map<string, CheckpointTensor>): HeaderEntry[] {
  let offset = 0;
  return [...tensors].map(([name, t]) => {
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (numel !== t.data.length) {
      throw new Error(`tensor ${name}: shape [${t.shape}] needs ${numel} values, data has ${t.data.length}`);
    }
    const dtype = t.data instanceof Float32Array ? 'float32' : 'float64';
    const entry: HeaderEntry = { name, dtype, shape: [...t.shape], offset, byteLength: t.data.byteLength };
    offset += pad8(t.data.byteLength);
    return entry;
  });
}

/** The magic, the header length and the space-padded UTF-8 JSON header. */
function encodeHeader(entries: HeaderEntry[], meta: Record<string, unknown>): Uint8Array {
  const json = JSON.stringify({ format: 'relaxjs-checkpoint', version: 1, tensors: entries, meta });
  const raw = new TextEncoder().encode(json);
  const out = new Uint8Array(pad8(PREFIX + raw.length)).fill(0x20);
  for (let i = 0; i < 8; i++) out[i] = CHECKPOINT_MAGIC.charCodeAt(i);
  new DataView(out.buffer).setBigUint64(8, BigInt(out.length - PREFIX), true);
  out.set(raw, PREFIX);
  return out;
}

/** Writes `data` little-endian into `out` (zero-padded to 8 bytes). */
function writeLittleEndian(out: Uint8Array, data: Float32Array | Float64Array): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const size = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < data.length; i++) {
    if (size === 4) view.setFloat32(i * 4, data[i]!, true);
    else view.setFloat64(i * 8, data[i]!, true);
  }
}

/**
 * The bytes of a checkpoint of `tensors` (in map order) and `meta` (what {@link saveCheckpoint}
 * writes; works in a browser).
 * @throws if a tensor's shape does not match its data length, or `meta` is not JSON-serialisable.
 */
export function encodeCheckpoint(tensors: Map<string, CheckpointTensor>, meta: Record<string, unknown> = {}): Uint8Array {
  const entries = headerEntries(tensors);
  const header = encodeHeader(entries, meta);
  const last = entries.at(-1);
  const out = new Uint8Array(header.length + (last ? last.offset + pad8(last.byteLength) : 0));
  out.set(header);
  entries.forEach((e, i) => writeLittleEndian(out.subarray(header.length + e.offset), [...tensors.values()][i]!.data));
  return out;
}

/**
 * Saves `tensors` (in map order) and `meta` to `path` atomically (temporary file + rename; Node only).
 * @throws if a tensor's shape does not match its data length, or `meta` is not JSON-serialisable.
 */
export function saveCheckpoint(
  path: string, tensors: Map<string, CheckpointTensor>, meta: Record<string, unknown> = {},
): void {
  const bytes = encodeCheckpoint(tensors, meta);
  const { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } = nodeBuiltin('fs', 'saveCheckpoint(path)');
  const random = [...crypto.getRandomValues(new Uint8Array(6))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const { basename, dirname, join } = nodeBuiltin('path');
  const tmp = join(dirname(path), `.${basename(path)}.${random}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    for (let written = 0; written < bytes.length;) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try { closeSync(fd); } catch { /* already closed */ }
    rmSync(tmp, { force: true });
    throw e;
  }
}

function parseHeader(bytes: Uint8Array, path: string): { entries: HeaderEntry[]; meta: Record<string, unknown>; dataStart: number } {
  if (bytes.length < PREFIX || String.fromCharCode(...bytes.subarray(0, 8)) !== CHECKPOINT_MAGIC) {
    throw new Error(`${path}: bad magic number (not a relaxjs checkpoint)`);
  }
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset + 8, 8).getBigUint64(0, true));
  if (PREFIX + length > bytes.length) {
    throw new Error(`${path}: truncated header: expected ${length} bytes, found ${bytes.length - PREFIX}`);
  }
  let header: { tensors?: HeaderEntry[]; meta?: Record<string, unknown> };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX, PREFIX + length))) as typeof header;
  } catch (e) {
    throw new Error(`${path}: corrupt header (${(e as Error).message})`);
  }
  if (!Array.isArray(header.tensors)) throw new Error(`${path}: corrupt header (no tensor list)`);
  return { entries: header.tensors, meta: header.meta ?? {}, dataStart: PREFIX + length };
}

function readTensor(bytes: Uint8Array, e: HeaderEntry, dataStart: number, path: string): CheckpointTensor {
  const size = e.dtype === 'float32' ? 4 : e.dtype === 'float64' ? 8 : 0;
  const numel = Array.isArray(e.shape) ? e.shape.reduce((a, b) => a * b, 1) : NaN;
  if (size === 0 || numel * size !== e.byteLength) throw new Error(`${path}: corrupt header entry for ${e.name}`);
  const start = dataStart + e.offset;
  const found = Math.max(0, bytes.length - start);
  if (found < e.byteLength) {
    throw new Error(`${path}: truncated tensor ${e.name}: expected ${e.byteLength} bytes, found ${found}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, e.byteLength);
  const data = size === 4 ? new Float32Array(numel) : new Float64Array(numel);
  for (let i = 0; i < numel; i++) data[i] = size === 4 ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true);
  return { shape: [...e.shape], data };
}

/**
 * Loads a checkpoint written by {@link saveCheckpoint} (Node only; {@link decodeCheckpoint} for bytes).
 * @throws Error naming `path` for a bad magic number, a corrupt header or truncated data.
 */
export function loadCheckpoint(path: string): Checkpoint {
  return decodeCheckpoint(nodeBuiltin('fs', 'loadCheckpoint(path)').readFileSync(path), path);
}

/**
 * Decodes the bytes of a checkpoint (a browser's `File`, a fetch); `name` is for error messages.
 * @throws Error naming `name` for a bad magic number, a corrupt header or truncated data.
 */
export function decodeCheckpoint(bytes: Uint8Array, path = '<bytes>'): Checkpoint {
  const { entries, meta, dataStart } = parseHeader(bytes, path);
  const tensors = new Map<string, CheckpointTensor>();
  for (const e of entries) tensors.set(e.name, readTensor(bytes, e, dataStart, path));
  return { tensors, meta };
}

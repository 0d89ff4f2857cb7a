/**
 * Reading zip archives held in memory: the central directory (with zip64 records, which
 * `torch.save` always writes), and entries that are STORED or DEFLATE-compressed, checked
 * against their CRC-32. Sizes are taken from the central directory because torch sets the
 * "data descriptor" flag and leaves them zero in the local headers.
 *
 * @module
 */
import { nodeBuiltin } from '../platform/node-builtins.js';

/** One file in the archive, as the central directory describes it. */
export interface ZipEntry {
  name: string;
  /** 0 = STORED, 8 = DEFLATE. */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** True when `bytes` starts like a zip archive (local file header signature). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && dv(bytes).getUint32(0, true) === LOCAL;
}

function dv(b: Uint8Array): DataView { return new DataView(b.buffer, b.byteOffset, b.byteLength); }
function u64(v: DataView, at: number): number { return Number(v.getBigUint64(at, true)); }

function need(bytes: Uint8Array, at: number, n: number, what: string): void {
  if (at < 0 || at + n > bytes.length) {
    throw new Error(`zip truncated: ${what} at offset ${at} runs past the end (${bytes.length} bytes)`);
  }
}

/** Finds the end-of-central-directory record, scanning back over a comment of up to 64 KiB. */
function findEocd(bytes: Uint8Array): number {
  const v = dv(bytes);
  const stop = Math.max(0, bytes.length - 22 - 0xffff);
  for (let at = bytes.length - 22; at >= stop; at--) {
    if (v.getUint32(at, true) === EOCD) return at;
  }
  throw new Error('zip end of central directory not found (truncated or not a zip file)');
}

/** Entry count and central directory offset, from the zip64 record when there is one. */
function directoryLocation(bytes: Uint8Array): { count: number; offset: number } {
  const v = dv(bytes);
  const eocd = findEocd(bytes);
  const locator = eocd - 20;
  if (locator >= 0 && v.getUint32(locator, true) === ZIP64_LOCATOR) {
    const rec = u64(v, locator + 8);
    need(bytes, rec, 56, 'zip64 end of central directory');
    if (v.getUint32(rec, true) !== ZIP64_EOCD) throw new Error(`zip64 record corrupt at offset ${rec}`);
    return { count: u64(v, rec + 32), offset: u64(v, rec + 48) };
  }
  return { count: v.getUint16(eocd + 10, true), offset: v.getUint32(eocd + 16, true) };
}

/** Applies the zip64 extended-information extra field to the fields saturated at 0xffffffff. */
function applyZip64(entry: ZipEntry, extra: DataView): void {
  for (let at = 0; at + 4 <= extra.byteLength;) {
    const id = extra.getUint16(at, true);
    const len = extra.getUint16(at + 2, true);
    if (id === 0x0001) {
      let p = at + 4;
      const next = (): number => { const x = u64(extra, p); p += 8; return x; };
      if (entry.size === 0xffffffff) entry.size = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
    }
    at += 4 + len;
  }
}

function readCentralEntry(bytes: Uint8Array, at: number): { entry: ZipEntry; next: number } {
  need(bytes, at, 46, 'central directory entry');
  const v = dv(bytes);
  if (v.getUint32(at, true) !== CENTRAL) throw new Error(`zip central directory corrupt at offset ${at}`);
  const nameLen = v.getUint16(at + 28, true);
  const extraLen = v.getUint16(at + 30, true);
  const commentLen = v.getUint16(at + 32, true);
  need(bytes, at + 46, nameLen + extraLen, 'central directory name');
  const entry: ZipEntry = {
    name: new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLen)),
    method: v.getUint16(at + 10, true),
    crc32: v.getUint32(at + 16, true),
    compressedSize: v.getUint32(at + 20, true),
    size: v.getUint32(at + 24, true),
    localHeaderOffset: v.getUint32(at + 42, true),
  };
  applyZip64(entry, new DataView(bytes.buffer, bytes.byteOffset + at + 46 + nameLen, extraLen));
  return { entry, next: at + 46 + nameLen + extraLen + commentLen };
}

/** Reads the central directory: entry name -> entry, in archive order. */
export function readZipDirectory(bytes: Uint8Array): Map<string, ZipEntry> {
  const { count, offset } = directoryLocation(bytes);
  const entries = new Map<string, ZipEntry>();
  let at = offset;
  for (let i = 0; i < count; i++) {
    const { entry, next } = readCentralEntry(bytes, at);
    entries.set(entry.name, entry);
    at = next;
  }
  return entries;
}

let crcTable: Uint32Array | undefined;
/** CRC-32 (IEEE 802.3, as zip uses it). */
export function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The uncompressed bytes of `entry` (a view into `bytes` when STORED), CRC-checked. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const at = entry.localHeaderOffset;
  need(bytes, at, 30, `local header of ${entry.name}`);
  const v = dv(bytes);
  if (v.getUint32(at, true) !== LOCAL) throw new Error(`zip local header of ${entry.name} corrupt`);
  const start = at + 30 + v.getUint16(at + 26, true) + v.getUint16(at + 28, true);
  need(bytes, start, entry.compressedSize, `data of ${entry.name}`);
  const raw = bytes.subarray(start, start + entry.compressedSize);
  const data = inflate(raw, entry);
  if (data.length !== entry.size) {
    throw new Error(`zip entry ${entry.name}: expected ${entry.size} bytes, got ${data.length}`);
  }
  if (crc32(data) !== entry.crc32) throw new Error(`zip entry ${entry.name}: CRC-32 mismatch`);
  return data;
}

function inflate(raw: Uint8Array, entry: ZipEntry): Uint8Array {
  if (entry.method === 0) return raw;
  if (entry.method !== 8) {
    throw new Error(`zip entry ${entry.name}: unsupported compression method ${entry.method}`);
  }
  const { inflateRawSync } = nodeBuiltin('zlib', `zip entry ${entry.name} (DEFLATE-compressed)`);
  try {
    return new Uint8Array(inflateRawSync(raw));
  } catch (e) {
    throw new Error(`zip entry ${entry.name}: bad DEFLATE data (${(e as Error).message})`);
  }
}

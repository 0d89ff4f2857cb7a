/**
 * A minimal PNG encoder (ISO/IEC 15948): 8-bit RGBA, no interlacing, filter type 0 on every
 * row, the image data compressed with `node:zlib` deflate. Enough for embedding rasterised
 * plots in reports without any dependency.
 * @module
 */
import { isNode, nodeBuiltin } from '../platform/node-builtins.js';

/** An 8-bit RGBA image, rows top to bottom, `rgba.length = 4 · width · height`. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

/** The 8-byte PNG signature. */
export const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309 / ITU-T V.42, the one PNG and zlib's `crc32` use) of `bytes`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One chunk: 4-byte length, 4-byte type, data, CRC over type and data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/**
 * Encodes an RGBA image as PNG bytes.
 * @throws RangeError if the size is not positive integers or `rgba` has the wrong length.
 */
export function encodePng(image: RgbaImage): Uint8Array {
  const { width, height, rgba } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width > 2 ** 31 - 1 || height > 2 ** 31 - 1) {
    throw new RangeError(`encodePng: width and height must be positive integers, got ${width}x${height}`);
  }
  if (rgba.length !== 4 * width * height) throw new RangeError(`encodePng: rgba has ${rgba.length} bytes, expected 4·${width}·${height} = ${4 * width * height}`);
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type 6 (RGBA), deflate, filter 0, no interlace
  const stride = 4 * width;
  const raw = new Uint8Array((stride + 1) * height);
  for (let r = 0; r < height; r++) raw.set(rgba.subarray(r * stride, (r + 1) * stride), r * (stride + 1) + 1); // filter byte 0
  const parts = [PNG_SIGNATURE, chunk('IHDR', header), chunk('IDAT', zlibCompress(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** A zlib stream of `raw` (RFC 1950): Node's deflate at level 9, else (a browser) {@link zlibStored}. */
function zlibCompress(raw: Uint8Array): Uint8Array {
  return isNode() ? nodeBuiltin('zlib').deflateSync(raw, { level: 9 }) : zlibStored(raw);
}

/** A valid zlib stream of `raw` without compression: 65,535-byte stored blocks, then the Adler-32 of `raw`. */
export function zlibStored(raw: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const out = new Uint8Array(2 + 5 * blocks + raw.length + 4);
  out.set([0x78, 0x01]);
  let at = 2;
  for (let b = 0; b < blocks; b++) {
    const part = raw.subarray(b * 65535, (b + 1) * 65535);
    out.set([b === blocks - 1 ? 1 : 0, part.length & 255, part.length >> 8, ~part.length & 255, (~part.length >> 8) & 255], at);
    out.set(part, at + 5);
    at += 5 + part.length;
  }
  let s1 = 1, s2 = 0;
  for (const v of raw) { s1 = (s1 + v) % 65521; s2 = (s2 + s1) % 65521; }
  new DataView(out.buffer).setUint32(at, ((s2 << 16) | s1) >>> 0);
  return out;
}

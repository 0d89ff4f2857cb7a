/**
 * Independent readers used only by the report suites: an XML well-formedness checker for the
 * SVG output and a PNG reader that verifies signature, chunk CRCs (with zlib's own crc32, not
 * ours) and inflates the pixels.
 */
import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';

/**
 * Throws unless `text` is a single well-formed XML element tree: balanced, properly nested
 * tags, quoted attributes without raw `<`, `&` only in entities, no text outside the root.
 * Returns the element names in document order.
 */
export function checkWellFormedXml(text: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  let roots = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = text.slice(i, lt < 0 ? text.length : lt);
    if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(chunk)) throw new Error(`bad entity in text near ${i}: ${chunk.slice(0, 40)}`);
    if (stack.length === 0 && chunk.trim() !== '') throw new Error(`text outside the root element at ${i}`);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(text);
    if (!m) throw new Error(`malformed tag at ${lt}: ${text.slice(lt, lt + 60)}`);
    const [, close, name, attrs, selfClose] = m;
    if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(attrs!)) throw new Error(`bad entity in attributes of <${name}>`);
    const attrNames = [...attrs!.matchAll(/([\w:-]+)=/g)].map((a) => a[1]);
    if (new Set(attrNames).size !== attrNames.length) throw new Error(`duplicate attribute in <${name}>`);
    if (close) {
      if (stack.pop() !== name) throw new Error(`</${name}> closes the wrong element at ${lt}`);
    } else {
      if (stack.length === 0 && ++roots > 1) throw new Error('more than one root element');
      names.push(name!);
      if (!selfClose) stack.push(name!);
    }
    i = tag.lastIndex;
  }
  if (stack.length > 0) throw new Error(`unclosed elements: ${stack.join(', ')}`);
  if (roots !== 1) throw new Error('no root element');
  return names;
}

/** What {@link readPng} found. */
export interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  chunkTypes: string[];
  rgba: Uint8Array;
}

/** Parses an 8-bit RGBA, filter-0-only PNG, checking every CRC; throws on any inconsistency. */
export function readPng(bytes: Uint8Array): DecodedPng {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (!sig.every((b, i) => bytes[i] === b)) throw new Error('bad PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunkTypes: string[] = [];
  const idat: Uint8Array[] = [];
  let header: DataView | null = null;
  for (let at = 8; at < bytes.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    const stored = view.getUint32(at + 8 + length);
    if (zlibCrc32(bytes.subarray(at + 4, at + 8 + length)) !== stored) throw new Error(`CRC mismatch in ${type}`);
    chunkTypes.push(type);
    if (type === 'IHDR') header = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  if (!header) throw new Error('no IHDR');
  const width = header.getUint32(0);
  const height = header.getUint32(4);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = 4 * width;
  if (raw.length !== (stride + 1) * height) throw new Error(`inflated ${raw.length} bytes, expected ${(stride + 1) * height}`);
  const rgba = new Uint8Array(stride * height);
  for (let r = 0; r < height; r++) {
    if (raw[r * (stride + 1)] !== 0) throw new Error(`row ${r} uses filter ${raw[r * (stride + 1)]}`);
    rgba.set(raw.subarray(r * (stride + 1) + 1, (r + 1) * (stride + 1)), r * stride);
  }
  return { width, height, bitDepth: header.getUint8(8), colorType: header.getUint8(9), chunkTypes, rgba };
}

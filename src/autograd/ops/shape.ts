/**
 * Shape ops: reshape / view (share storage), unsqueeze, squeeze, expand, transpose, permute,
 * concat and slice. Each gradient is the inverse movement of the gradient.
 * @module
 */
import { getBackend } from '../../tensor/registry.js';
import { normalizeAxis, shapeText, sizeOf, type Shape } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { record } from '../tape.js';
import { expandRaw, sumTo } from './elementwise.js';

/** Same data, new shape (one entry may be -1). Shares the buffer. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1);
  const free = shape.length - known.length;
  if (free > 1) throw new Error(`reshape: at most one -1 allowed in ${shapeText(shape)}`);
  const resolved = free === 1 ? shape.map((d) => (d === -1 ? x.size / sizeOf(known) : d)) : [...shape];
  if (sizeOf(resolved) !== x.size || resolved.some((d) => !Number.isInteger(d))) {
    throw new Error(`reshape: cannot view ${shapeText(x.shape)} (${x.size} elements) as ${shapeText(shape)}`);
  }
  const original = x.shape;
  return record(new Tensor(x.data, resolved), 'reshape', [x], (g) => [reshape(g, original)]);
}

/** Alias of {@link reshape}. */
export const view = reshape;

/** Flattens dimensions `start..end` (inclusive) into one. */
export function flatten(x: Tensor, start = 1, end = -1): Tensor {
  const s = normalizeAxis(start, x.rank, 'start');
  const e = normalizeAxis(end, x.rank, 'end');
  const shape = [...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** Inserts a dimension of size 1 at `axis`. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.rank + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Removes a dimension of size 1 at `axis`. */
export function squeeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.rank);
  if (x.shape[a] !== 1) throw new Error(`squeeze: dimension ${axis} of ${shapeText(x.shape)} is not 1`);
  return reshape(x, [...x.shape.slice(0, a), ...x.shape.slice(a + 1)]);
}

/** Broadcasts to `shape` (materialised copy); gradient sums back. */
export function expand(x: Tensor, shape: Shape): Tensor {
  const out = expandRaw(x, shape);
  // expandRaw hands back x itself when nothing broadcasts: record on a new tensor, never on x.
  return record(out === x ? new Tensor(x.data, x.shape) : out, 'expand', [x], (g) => [sumTo(g, x.shape)]);
}

/** Reorders axes: output dimension i is input dimension `perm[i]`. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  if (perm.length !== x.rank || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) {
    throw new Error(`permute: [${perm.join(', ')}] is not a permutation of the ${x.rank} axes of ${shapeText(x.shape)}`);
  }
  const shape = perm.map((p) => x.shape[p]!);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return record(new Tensor(getBackend().permute(x.data, x.shape, perm), shape), 'permute', [x], (g) => [permute(g, inverse)]);
}

/** Swaps two axes. */
export function transpose(x: Tensor, a = -2, b = -1): Tensor {
  const perm = x.shape.map((_, i) => i);
  const i = normalizeAxis(a, x.rank);
  const j = normalizeAxis(b, x.rank);
  [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  return permute(x, perm);
}

/** Concatenates along `axis`; shapes must agree elsewhere. */
export function cat(parts: readonly Tensor[], axis = 0): Tensor {
  if (parts.length === 0) throw new Error('cat: needs at least one tensor');
  const a = normalizeAxis(axis, parts[0]!.rank);
  for (const p of parts) {
    if (p.rank !== parts[0]!.rank || p.shape.some((d, i) => i !== a && d !== parts[0]!.shape[i])) {
      throw new Error(`cat: shapes ${parts.map((q) => shapeText(q.shape)).join(', ')} differ outside axis ${axis}`);
    }
  }
  const shape = [...parts[0]!.shape];
  shape[a] = parts.reduce((s, p) => s + p.shape[a]!, 0);
  const out = new Tensor(getBackend().concat(parts.map((p) => p.data), parts.map((p) => p.shape), a), shape);
  return record(out, 'cat', parts, (g) => {
    let start = 0;
    return parts.map((p) => {
      const piece = slice(g, a, start, start + p.shape[a]!);
      start += p.shape[a]!;
      return piece;
    });
  });
}

/** Elements `[start, end)` along `axis` (PyTorch `narrow`). */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const a = normalizeAxis(axis, x.rank);
  if (start < 0 || end > x.shape[a]! || start > end) {
    throw new Error(`slice: [${start}, ${end}) is out of range for axis ${axis} of size ${x.shape[a]}`);
  }
  const shape = [...x.shape];
  shape[a] = end - start;
  const out = new Tensor(getBackend().slice(x.data, x.shape, a, start, end), shape);
  return record(out, 'slice', [x], (g) => {
    const pieces = [];
    const before = [...x.shape];
    before[a] = start;
    const after = [...x.shape];
    after[a] = x.shape[a]! - end;
    if (start > 0) pieces.push(Tensor.zeros(before, g.dtype));
    pieces.push(g);
    if (end < x.shape[a]!) pieces.push(Tensor.zeros(after, g.dtype));
    return [pieces.length === 1 ? g : cat(pieces, a)];
  });
}

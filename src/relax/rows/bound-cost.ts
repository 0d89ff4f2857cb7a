/**
 * Which direction bounds a pre-activation z_p more cheaply. Forward (Wong & Kolter's Alg. 1):
 * every object carries its columns (the input set |S_0| per example, each crossing ReLU unit one,
 * each bias one) through the layers up to z_p. Backward (CROWN's order): the |S_p| one-hot rows of
 * z_p run back to the input, on windows while they can ({@link planRows}). Both give the same
 * numbers; the estimate counts multiply-adds of the linear maps and of the object terms.
 * @module
 */
import { sizeOf } from '../../tensor/shape.js';
import type { DualLayer, DualObject } from '../dual.js';
import { planRows, supportsRows, type CutNetwork, type PlacedTerm } from './backward-bounds.js';

/** How the bounds on each ReLU's input are computed: by cost (`'auto'`), or always one way. */
export type BoundDirection = 'auto' | 'forward' | 'backward';

/** A placed object with the activation its forward columns have reached. */
export interface TrackedTerm extends PlacedTerm {
  /** Its columns live at z_applied (they are advanced lazily, only for forward bounds). */
  readonly applied: number;
}

/** Multiply-adds to map one vector through the linear part of `layer` (either direction): its declared cost, else |S_out|. */
export function vectorCost(layer: DualLayer): number {
  return layer.vectorCost ?? sizeOf(layer.outShape);
}

/** Columns an object carries for the whole batch, and whether they are shared by it until an element-wise layer. */
function columnsOf(object: DualObject): { count: number; shared: boolean } {
  return object.forwardColumns ?? { count: 1, shared: true };
}

/** Multiply-adds of forward bounds at z_p: advance every object's columns to z_p, then its bound term. */
export function forwardCost(cut: CutNetwork, objects: readonly TrackedTerm[], p: number): number {
  let total = 0;
  for (const { object, position, applied } of objects) {
    const { count, shared } = columnsOf(object);
    let perExample = !shared || cut.layers.slice(position, applied).some((l) => l.diagonal !== undefined);
    for (let t = applied; t < p; t++) {
      const layer = cut.layers[t]!;
      total += count * (perExample ? cut.batch : 1) * vectorCost(layer);
      if (layer.diagonal) perExample = true;
    }
    total += count * (perExample ? cut.batch : 1) * sizeOf(cut.shapes[p]!);
  }
  return total;
}

/** Multiply-adds of backward bounds at z_p: the rows' steps back to z_0 plus every object's contractions. */
export function backwardCost(cut: CutNetwork, p: number): number {
  const plan = planRows(cut.layers, cut.shapes, p);
  const rows = sizeOf(cut.shapes[p]!);
  const width = (t: number): number => plan[t]?.features ?? sizeOf(cut.shapes[t]!);
  const first = cut.layers[p - 1]!;
  let total = first.matrix || first.convolution ? rows * width(p - 1) : rows * (rows + vectorCost(first));
  let perExample = false;
  for (let t = p - 2; t >= 0; t--) {
    const layer = cut.layers[t]!;
    const full = sizeOf(cut.shapes[t + 1]!);
    const windowShare = plan[t] ? width(t + 1) / full : 1;
    if (layer.diagonal) perExample = true;
    total += rows * (perExample ? cut.batch : 1) * vectorCost(layer) * windowShare;
  }
  for (const { position } of cut.objects) total += 3 * rows * cut.batch * width(Math.min(position, p - 1));
  return total;
}

/**
 * The direction for the bounds at z_p: `requested` (under `'backward'`, objects without
 * `rowBounds` add their forward bounds, see DualNetwork); for `'auto'`, by cost when every
 * object can bound from rows, else forward.
 */
export function chooseDirection(requested: BoundDirection, cut: CutNetwork, objects: readonly TrackedTerm[], p: number): 'forward' | 'backward' {
  if (requested === 'forward' || p < 1) return 'forward';
  if (requested === 'backward') return 'backward';
  if (!supportsRows(objects)) return 'forward';
  return backwardCost(cut, p) < forwardCost(cut, objects, p) ? 'backward' : 'forward';
}

/**
 * Named random streams of a run. Every epoch's shuffle comes from its own generator, seeded by
 * hashing (run seed, stage, epoch), rather than from one generator shared by the whole run: the
 * random state at an epoch boundary is then just (seed, stage, epoch), which a checkpoint
 * records in three numbers, and a resumed run draws exactly what an uninterrupted one draws.
 * @module
 */
import { Rng } from '../tensor/random.js';

/** One round of a 32-bit integer hash (murmur3's finaliser applied to h ⊕ v). */
function mix(h: number, v: number): number {
  let x = Math.imul((h ^ v) | 0, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) | 0;
}

/** A 32-bit seed derived from the run seed and any number of integer keys (order matters). */
export function deriveSeed(seed: number, ...keys: readonly number[]): number {
  let h = mix(Math.trunc(seed) | 0, 0x5eed5eed);
  for (const k of keys) h = mix(h, Math.trunc(k) | 0);
  return h;
}

/** The shuffling generator of `epoch` of cascade stage `stage` (0 for a single model). */
export function epochRng(seed: number, stage: number, epoch: number): Rng {
  return new Rng(deriveSeed(seed, 1, stage, epoch));
}

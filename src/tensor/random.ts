/**
 * Seeded pseudo-random numbers: xoshiro128** seeded through splitmix32.
 *
 * Every experiment takes a seed; every random draw in the library goes through an {@link Rng}
 * so that a run is reproducible bit for bit from its seed.
 *
 * @module
 */

/** A typed float buffer that the bulk fillers write into. */
export type FloatBuffer = Float32Array | Float64Array;

const TWO_POW_32 = 4294967296;
const INV_TWO_POW_32 = 1 / TWO_POW_32;

/**
 * The standard Cauchy sample `tan(π(u − ½))` for the 32-bit draw `bits`, with
 * u = (bits + ½) / 2^32: the midpoint of the draw's cell, so u is never 0 or 1, the sample is
 * always finite (|sample| < 2.8e9) and the 2^32 cells are symmetric about 0. tan is evaluated
 * on [0, π/4] by symmetry — tan(πa) for a = |u − ½| < ¼, cot(π(½ − a)) from ¼ on — with the
 * [7/6] Padé approximant x(135135 − 17325x² + 378x⁴ − x⁶) / (135135 − 62370x² + 3150x⁴ − 28x⁶)
 * (relative error below 2e-13 there), so one division replaces `Math.tan`. The two cases are
 * blended with exact 0/1 weights taken from the top bits rather than branched on: the branches
 * were unpredictable and cost more than the arithmetic.
 */
export function cauchyFromBits(bits: number): number {
  const top = bits >>> 31;
  const cot = 1 - (top ^ ((bits >>> 30) & 1)); // 1 when the top two bits agree: |u − ½| >= ¼
  const tan = 1 - cot;
  const sign = (top << 1) - 1; // the sign of u − ½
  const a = sign * ((bits + 0.5) * INV_TWO_POW_32 - 0.5); // |u − ½|, exact
  const x = Math.PI * (cot * (0.5 - a) + tan * a);
  const z = x * x;
  const p = x * (135135 + z * (-17325 + z * (378 - z)));
  const q = 135135 + z * (-62370 + z * (3150 - 28 * z));
  return (sign * (cot * q + tan * p)) / (cot * p + tan * q);
}

/**
 * One step of splitmix32: advances `state` by the golden-ratio increment and returns the
 * mixed output. Used only to expand a 32-bit seed into xoshiro's 128-bit state.
 */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Rotate a 32-bit integer left by `k` bits. */
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * A small, fast, seeded PRNG (xoshiro128**, period 2^128 - 1).
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * rng.next();        // uniform in [0, 1)
 * rng.normal();      // standard normal
 * rng.permutation(10);
 * ```
 */
export class Rng {
  private readonly s = new Uint32Array(4);
  private spare: number | null = null;

  /**
   * @param seed - any number; it is truncated to a 32-bit integer, then expanded through
   *   splitmix32 into the 128-bit state. Equal seeds give equal streams.
   */
  constructor(seed: number) {
    const state = { s: Math.trunc(seed) | 0 };
    for (let i = 0; i < 4; i++) this.s[i] = splitmix32(state);
    // xoshiro's state must not be all zero (splitmix32 cannot produce 4 zeros, but be sure).
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /** Next raw 32-bit unsigned integer of the stream (xoshiro128** output). */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform number in [0, 1), with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() * INV_TWO_POW_32;
  }

  /** Uniform number in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /**
   * Standard normal sample (Box–Muller). Each call to the transform yields two independent
   * samples; the second is cached and returned by the next call.
   */
  normal(): number {
    if (this.spare !== null) {
      const z = this.spare;
      this.spare = null;
      return z;
    }
    const [z0, z1] = this.boxMuller();
    this.spare = z1;
    return z0;
  }

  /** Standard Cauchy sample `tan(π(u − ½))`, u uniform in (0, 1) (see {@link cauchyFromBits}: always finite). */
  cauchy(): number {
    return cauchyFromBits(this.nextUint32());
  }

  /**
   * Uniform integer in [0, n), without modulo bias (rejection sampling).
   *
   * @param n - a positive integer, at most 2^32.
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) {
      throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Shuffles `arr` in place (Fisher–Yates) and returns it. */
  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = arr[i];
      arr[i] = arr[j];
      arr[j] = tmp;
    }
    return arr;
  }

  /** A uniformly random permutation of `0, ..., n - 1`. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = p[i];
      p[i] = p[j];
      p[j] = tmp;
    }
    return p;
  }

  /**
   * A new generator whose stream is independent of this one: its state is four outputs of
   * this stream, each re-mixed through splitmix32. Advances this generator by 4 draws.
   */
  fork(): Rng {
    const child = new Rng(0);
    for (let i = 0; i < 4; i++) child.s[i] = splitmix32({ s: this.nextUint32() | 0 });
    if ((child.s[0] | child.s[1] | child.s[2] | child.s[3]) === 0) child.s[0] = 1;
    return child;
  }

  /**
   * Fills `out` with uniform samples in [lo, hi) and returns it. In a `Float32Array`, rounding
   * to float32 can turn a draw just below `hi` into `hi` itself (probability about 2^-25).
   */
  fillUniform<B extends FloatBuffer>(out: B, lo = 0, hi = 1): B {
    const scale = hi - lo;
    for (let i = 0; i < out.length; i++) out[i] = lo + scale * this.next();
    return out;
  }

  /**
   * Fills `out` with normal samples of the given mean and standard deviation and returns it.
   * Uses both outputs of each Box–Muller transform; does not touch the cached spare of
   * {@link Rng.normal}.
   */
  fillNormal<B extends FloatBuffer>(out: B, mean = 0, std = 1): B {
    const n = out.length;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const [z0, z1] = this.boxMuller();
      out[i] = mean + std * z0;
      out[i + 1] = mean + std * z1;
    }
    if (i < n) out[i] = mean + std * this.boxMuller()[0];
    return out;
  }

  /** Fills `out` with standard Cauchy samples and returns it. */
  fillCauchy<B extends FloatBuffer>(out: B): B {
    // The xoshiro128** step of nextUint32, on locals (the same stream, about 4x faster in bulk).
    const s = this.s;
    let s0 = s[0]! | 0, s1 = s[1]! | 0, s2 = s[2]! | 0, s3 = s[3]! | 0;
    for (let i = 0; i < out.length; i++) {
      const bits = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t;
      s3 = rotl(s3, 11);
      out[i] = cauchyFromBits(bits);
    }
    s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
    return out;
  }

  /** One Box–Muller transform: two independent standard normal samples. */
  private boxMuller(): [number, number] {
    const u1 = 1 - this.next(); // in (0, 1], so log(u1) is finite
    const u2 = this.next();
    const radius = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    return [radius * Math.cos(angle), radius * Math.sin(angle)];
  }
}

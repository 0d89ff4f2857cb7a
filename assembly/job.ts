// Job records: a kernel call that may run on several threads is described by a record of i32
// fields in shared memory (written by the host), so a worker only needs the record's address.
// Scratch areas are handed out by a bump pointer held in a global; globals belong to one module
// instance, and every thread has its own instance, so threads never share it.

/** Field `index` (an i32) of the job record at `job`. */
@inline export function field(job: usize, index: i32): i32 {
  return load<i32>(job + (<usize>index << 2));
}

/** Rounds `bytes` up to a multiple of 64 (a cache line), so every scratch area is aligned. */
@inline export function align64(bytes: usize): usize {
  return (bytes + 63) & ~(<usize>63);
}

let scratchAt: usize = 0;

/** Starts handing out scratch areas at `start`. */
export function scratchFrom(start: usize): void {
  scratchAt = align64(start);
}

/** The next scratch area of `bytes` (64-byte aligned). */
export function take(bytes: usize): usize {
  const area = scratchAt;
  scratchAt = align64(scratchAt + bytes);
  return area;
}

/** Claims the next chunk of a shared job: atomically increments the i32 counter at `counter` and returns its old value. */
@inline export function claim(counter: usize): i32 {
  return atomic.add<i32>(counter, 1);
}

/**
 * The thread count of the `wasm` backend, checked: `RELAXJS_THREADS=abc`, `0`, `1.5` or `0x10`
 * used to be ignored silently (falling back to the hardware's count); now they are errors that
 * name the variable and the accepted range.
 * @module
 */

/** Most threads (the calling one included) a `wasm` runtime starts; each helper holds a module instance. */
export const MAX_THREADS = 256;

const rangeError = (name: string, shown: string): RangeError =>
  new RangeError(`wasm backend: ${name} must be a whole number of threads from 1 to ${MAX_THREADS}, got ${shown}`);

const inRange = (value: number): boolean => Number.isInteger(value) && value >= 1 && value <= MAX_THREADS;

/**
 * `value` when it is a whole number of threads from 1 to {@link MAX_THREADS}.
 * @throws RangeError naming `name`, the range and the value otherwise.
 */
export function checkThreads(value: number, name: string): number {
  if (!inRange(value)) throw rangeError(name, String(value));
  return value;
}

/**
 * The thread count written in `text` (decimal digits only, surrounding spaces allowed), read from
 * the variable `name`.
 * @throws RangeError naming `name` and quoting `text` when it is not a count from 1 to {@link MAX_THREADS}.
 */
export function parseThreads(text: string, name: string): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || !inRange(Number(trimmed))) throw rangeError(name, `'${text}'`);
  return Number(trimmed);
}

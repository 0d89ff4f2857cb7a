/**
 * Errors of the `wasm` backend's kernels: a kernel that traps (an out-of-bounds access,
 * `unreachable`) or throws on any thread fails the call with the thread's own error — its message,
 * where in the module it happened and its stack — instead of a bare "trapped" (the worker's error
 * used to be swallowed). A result is never returned from a call in which any thread failed.
 * @module
 */
import { MESSAGE_CHARS, Slot } from './worker.js';

/**
 * A kernel that failed on `thread` ("worker 1", "the main thread"). The first line of the message
 * (what the CLI prints) names the thread, the error and its innermost wasm frame; `stack` ends with
 * the failing thread's full stack, and `detail` holds it alone.
 */
export class WasmKernelTrap extends Error {
  override readonly name = 'WasmKernelTrap';

  constructor(readonly thread: string, readonly detail: string) {
    const lines = detail.split('\n');
    const frame = lines.slice(1).find((line) => line.includes('wasm'))?.trim();
    super(`wasm backend: kernel trapped on ${thread}: ${lines[0]}${frame ? ` (${frame})` : ''}`);
    this.stack = `${this.name}: ${this.message}\n--- ${thread} ---\n${detail}`;
  }
}

/** The {@link WasmKernelTrap} for an error thrown on this thread. */
export function trapOnMainThread(error: unknown): WasmKernelTrap {
  return new WasmKernelTrap('the main thread', error instanceof Error ? error.stack ?? String(error) : String(error));
}

/** The text a worker wrote into its slot (see `Slot.Message`), or a note that it wrote none. */
export function workerMessage(control: Int32Array, slot: number): string {
  const n = Math.min(Atomics.load(control, slot + Slot.MessageLength), MESSAGE_CHARS);
  if (n <= 0) return '(the worker reported no error text)';
  const codes = control.subarray(slot + Slot.Message, slot + Slot.Message + n);
  let text = '';
  for (let i = 0; i < codes.length; i += 1024) text += String.fromCharCode(...codes.subarray(i, i + 1024));
  return text;
}

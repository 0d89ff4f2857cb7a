/**
 * Which backend runs the kernels. The default is `wasm` (WASM SIMD128 float32 kernels on both cores,
 * float64 delegated to `js`) when its module is built (`npm install` builds it), else `js`:
 * `npm run bench` measured `wasm` 6-12x faster on the reference workloads, with the same
 * certificates (the Fashion-MNIST reproduction gives 2173 / 3453 on both).
 * `RELAXJS_BACKEND=<name>` in the environment or {@link setBackend} picks another (`native`: the C++
 * addon's kernels, faster again for training steps; opt-in, so that published numbers keep their backend). Backends other than `js` register a factory here, so that
 * their heavy dependencies load only when chosen.
 * @module
 */
import { platform } from '../platform/index.js';
import type { Backend } from './backend.js';
import { jsBackend } from './backends/js/index.js';
import { wasmBackend } from './backends/wasm/index.js';
import { createGpujsBackend } from './backends/gpujs/index.js';
import { nativeBackend } from './backends/native/index.js';

const factories = new Map<string, () => Backend>([
  ['js', () => jsBackend], ['wasm', () => wasmBackend], ['gpujs', () => createGpujsBackend()],
  // C++ kernels (a Node addon built by npm install); opt-in, and an error naming the reason when not built.
  ['native', () => nativeBackend()],
]);
const instances = new Map<string, Backend>();
let current: Backend | null = null;

/** Makes a backend selectable by name (replacing one of that name); `factory` runs on first use. */
export function registerBackend(name: string, factory: () => Backend): void {
  factories.set(name, factory);
  instances.delete(name);
}

/** Names of the registered backends. */
export function backendNames(): string[] {
  return [...factories.keys()];
}

/** The backend of that name, created on first use. */
export function backendByName(name: string): Backend {
  const cached = instances.get(name);
  if (cached) return cached;
  const factory = factories.get(name);
  if (!factory) throw new Error(`unknown backend '${name}'; expected one of ${backendNames().join(', ')}`);
  const made = factory();
  instances.set(name, made);
  return made;
}

/** The backend used when `RELAXJS_BACKEND` is unset: `wasm` if its module is built (in a browser: after `initWasm()`), else `js`. */
export function defaultBackendName(): string {
  return platform().wasmKernelsAvailable() ? 'wasm' : 'js';
}

/** The active backend (from `RELAXJS_BACKEND` on first call, else {@link defaultBackendName}). */
export function getBackend(): Backend {
  if (!current) current = backendByName(platform().env('RELAXJS_BACKEND') || defaultBackendName());
  return current;
}

/** Switches the active backend; returns the previous one. */
export function setBackend(backend: Backend | string): Backend {
  const previous = getBackend();
  current = typeof backend === 'string' ? backendByName(backend) : backend;
  return previous;
}

/** Runs `fn` with `backend` active, restoring the previous one afterwards. */
export function withBackend<T>(backend: Backend | string, fn: () => T): T {
  const previous = setBackend(backend);
  try {
    return fn();
  } finally {
    setBackend(previous);
  }
}

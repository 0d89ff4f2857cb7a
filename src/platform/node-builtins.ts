/**
 * Node's built-in modules, reached through `process.getBuiltinModule` (Node >= 20.16) when first
 * needed, never through a static `import`: code using them bundles for a browser, where
 * {@link nodeBuiltin} throws a clear error instead. A leaf module (no imports), so any file may use it.
 * @module
 */
/** The Node built-ins used by relaxjs, by name. */
export interface NodeBuiltins {
  fs: typeof import('node:fs');
  path: typeof import('node:path');
  url: typeof import('node:url');
  os: typeof import('node:os');
  v8: typeof import('node:v8');
  zlib: typeof import('node:zlib');
  crypto: typeof import('node:crypto');
  module: typeof import('node:module');
  child_process: typeof import('node:child_process');
  worker_threads: typeof import('node:worker_threads');
}

/** The parts of Node's `process` used here. */
export interface NodeProcess {
  versions?: { node?: string };
  env: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
  emitWarning(message: string): void;
}

/** Node's `process`, if any (read at each call: this module may be used before it is evaluated in an import cycle). */
export function nodeProcess(): NodeProcess | undefined {
  return (globalThis as unknown as { process?: NodeProcess }).process;
}

/** Whether this runs under Node (with `process.getBuiltinModule`, Node >= 20.16). */
export function isNode(): boolean {
  const host = nodeProcess();
  return typeof host?.versions?.node === 'string' && typeof host.getBuiltinModule === 'function';
}

/**
 * The Node built-in `name`.
 * @param what - what needs it, for the error message (e.g. `'loadCheckpoint(path)'`).
 * @throws Error naming `what` when not running under Node >= 20.16 (in a browser).
 */
export function nodeBuiltin<K extends keyof NodeBuiltins>(name: K, what = `node:${name}`): NodeBuiltins[K] {
  if (!isNode()) throw new Error(`${what} needs Node's '${name}' module: not available in the browser (or on Node < 20.16)`);
  return nodeProcess()!.getBuiltinModule!(`node:${name}`) as NodeBuiltins[K];
}

/** `url` as a file path under Node, else as its `href` (in a bundle, `import.meta.url` is not a file). */
export function filePathOf(url: URL): string {
  return isNode() && url.protocol === 'file:' ? nodeBuiltin('url').fileURLToPath(url) : url.href;
}

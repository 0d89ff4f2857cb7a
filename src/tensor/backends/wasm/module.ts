/**
 * The `wasm` backend's kernel module: where it is built, rebuilding it when its sources changed,
 * and compiling it. It comes in two builds of the same sources (`npm run build:wasm` makes both):
 * the plain SIMD128 one and a fused one built with relaxed SIMD, whose matrix-product tile uses
 * `f32x4.relaxed_madd` (a fused multiply-add on CPUs with FMA: about 1.3x on products and
 * convolutions). The fused one is used where the engine takes it — V8's relaxed SIMD is turned on
 * where it is still behind a flag (Node 20) — unless `RELAXJS_WASM_FMA=0`; else the plain one.
 * @module
 */
import { filePathOf, nodeBuiltin } from '../../../platform/node-builtins.js';
import { platform } from '../../../platform/index.js';

// Node only (src/platform): a browser gets its module from initWasm() instead.
const fs = () => nodeBuiltin('fs', 'the wasm kernel module on disk');

/** The module's exports (pointers are byte addresses in the shared memory). */
export interface KernelExports {
  heapBase(): number;
  scratchBytes(job: number): number;
  run(job: number): void;
  unary(op: number, x: number, out: number, n: number): void;
  binary(op: number, a: number, b: number, out: number, n: number, mode: number): void;
  binaryBroadcast(op: number, a: number, b: number, out: number, d0: number, d1: number, d2: number, mode: number,
    a0: number, a1: number, b0: number, b1: number): void;
  clamp(x: number, out: number, n: number, lo: number, hi: number): void;
  sumAxis(x: number, out: number, outer: number, size: number, inner: number): void;
  sumOuterInner(x: number, out: number, outer: number, size: number, inner: number): void;
  productSumAxis(a: number, b: number, out: number, outer: number, size: number, inner: number): void;
  rowDot(map: number, x: number, w: number, out: number, batch: number, groups: number, rows: number, length: number,
    xShared: number, wShared: number): void;
}

/** A compiled module (opaque here). */
export type WasmModule = object;

/** The parts of a `WebAssembly.Memory` used here. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The parts of the global `WebAssembly` used here (lib ES2022 and @types/node 20 do not declare it). */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

/** The global `WebAssembly`, typed. */
export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const located = (relative: string): string => {
  try {
    return filePathOf(new URL(`../../../../${relative}`, import.meta.url));
  } catch {
    return relative; // a classic-script bundle has no import.meta.url
  }
};
const repoRoot = located('');
const sourceDir = located('assembly');
const compilerPath = located('node_modules/assemblyscript/bin/asc.js');
/** Where `npm run build:wasm` (run by `npm install`) writes the module. */
export const kernelsPath = located('build/wasm/relaxjs-kernels.wasm');

/** The relaxed-SIMD build of the same sources (fused multiply-add in the product tile); `build:wasm` makes it too. */
export const fusedKernelsPath = located('build/wasm/relaxjs-kernels-fma.wasm');

/** Newest modification time (ms) of the kernel sources, or 0 when they are not there. */
function newestSource(): number {
  const { existsSync, readdirSync, statSync } = fs();
  if (!existsSync(sourceDir)) return 0;
  return Math.max(0, ...readdirSync(sourceDir).map((name) => statSync(`${sourceDir}/${name}`).mtimeMs));
}

/**
 * Builds the module at `target` (with the compiler flags `extra`) when it is missing or older than
 * its sources and the compiler is installed (a checkout whose `assembly/` changed after `npm
 * install`); written to a temporary file and renamed, so a concurrent reader never sees half a
 * module. A failed build is an error only when there is no older module to fall back on.
 */
function buildKernelsIfStale(target: string, extra: readonly string[]): void {
  const { existsSync, renameSync, rmSync, statSync } = fs();
  const built = existsSync(target) ? statSync(target).mtimeMs : -1;
  if (built >= newestSource() || !existsSync(compilerPath)) return;
  const temporary = `${target}.${globalThis.process.pid}.tmp`;
  try {
    nodeBuiltin('child_process').execFileSync(globalThis.process.execPath, [compilerPath, 'assembly/index.ts', '--config', 'assembly/asconfig.json', ...extra, '-o', temporary],
      { cwd: repoRoot, stdio: 'pipe' });
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    if (built < 0 && target === kernelsPath) throw new Error(`wasm backend: building ${target} failed: ${String(error)}`);
  }
}

/**
 * The relaxed-SIMD module, turning V8's relaxed SIMD on if it is still behind a flag; null when it
 * is missing, older than the sources (its build failed: it may not match the host code) or the
 * engine refuses it.
 */
function compileFused(): WasmModule | null {
  const { existsSync, readFileSync, statSync } = fs();
  buildKernelsIfStale(fusedKernelsPath, ['--enable', 'relaxed-simd']);
  if (!existsSync(fusedKernelsPath) || statSync(fusedKernelsPath).mtimeMs < newestSource()) return null;
  const bytes = readFileSync(fusedKernelsPath);
  try {
    return new wasm.Module(bytes);
  } catch {
    // Node 20 (V8 11.3) validates relaxed SIMD only with --experimental-wasm-relaxed-simd; later versions ship it.
  }
  try {
    nodeBuiltin('v8').setFlagsFromString('--experimental-wasm-relaxed-simd');
    return new wasm.Module(bytes);
  } catch {
    return null;
  }
}

/** The kernel module: the fused build when `fused` and the engine takes it, else the plain one. */
export function compileKernels(fused: boolean): { module: WasmModule; fused: boolean } {
  buildKernelsIfStale(kernelsPath, []);
  const fusedModule = fused ? compileFused() : null;
  if (fusedModule) return { module: fusedModule, fused: true };
  const { existsSync, readFileSync } = fs();
  if (!existsSync(kernelsPath)) {
    throw new Error(`wasm backend: ${kernelsPath} is missing; run 'npm run build:wasm' (npm install runs it)`);
  }
  return { module: new wasm.Module(readFileSync(kernelsPath)), fused: false };
}

/** Whether the fused build is wanted by default: unless `RELAXJS_WASM_FMA=0`. */
export function fusedByDefault(): boolean {
  return platform().env('RELAXJS_WASM_FMA') !== '0';
}


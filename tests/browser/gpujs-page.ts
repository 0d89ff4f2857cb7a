// Runs in Chromium (bundled by tests/browser/gpujs.test.ts): `runParity(mode)` runs the cases of
// tests/helpers/gpujs-parity.ts with gpu.js's browser build (loaded by the page as globalThis.GPU).
import { createGpujsBackend } from '../../src/tensor/backends/gpujs/index.js';
import { setGpujs } from '../../src/platform/index.js';
import { syncCases, webgpuCases, type ParityCase } from '../helpers/gpujs-parity.js';

/** Entry point called by the test: `mode` is `webgl2` or `webgpu`. */
async function runParity(mode: 'webgl2' | 'webgpu'): Promise<{ mode: string; cases: ParityCase[]; fallbacks: string[] }> {
  setGpujs((globalThis as unknown as { GPU: Parameters<typeof setGpujs>[0] }).GPU);
  if (mode === 'webgpu') return { mode, ...(await webgpuCases()) };
  const gpu = createGpujsBackend({ mode: 'webgl2' });
  const cases = syncCases(gpu);
  return { mode: gpu.mode, cases, fallbacks: gpu.stats().fallbacks };
}

(globalThis as unknown as { runParity: typeof runParity }).runParity = runParity;

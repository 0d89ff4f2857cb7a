// Child process of tests/tensor/gpujs-webgpu.test.ts: the gpujs WebGPU kernels in Node through the
// `webgpu` package (Dawn; the version in our devDependencies, not gpu.js's pinned 0.2.9), on the
// Vulkan driver given by VK_ICD_FILENAMES; prints the parity cases as one JSON line.
import { webgpuCases } from './gpujs-parity.js';

const result = await webgpuCases();
console.log(JSON.stringify(result));
process.exit(0); // Dawn's threads would keep the process alive

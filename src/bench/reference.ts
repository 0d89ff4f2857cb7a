/**
 * The recorded PyTorch anchor (`../shared/bench/pytorch-reference.json`): the original
 * convex_adversarial on this machine kind, OpenBLAS, 2 threads; the CROWN / α-CROWN rows are
 * compared with its `auto_lirpa` section (auto_LiRPA 0.4 on the same machine kind).
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';

/** The parts of the reference file the benchmark compares against. */
export interface PytorchReference {
  /** Seconds per workload (`openblas_s`, or auto_LiRPA's for the CROWN rows), by workload name. */
  readonly workloads: Readonly<Record<string, number>>;
  /** `peak_rss_mb_4_batches` of `certify_exact_b50`, if recorded. */
  readonly certifyRss4Batches: number | null;
  /** Kernel figures (`kernels_openblas_2threads`), by row name. */
  readonly kernels: Readonly<Record<string, number>>;
}

interface ReferenceFile {
  workloads?: Record<string, { openblas_s?: number; peak_rss_mb_4_batches?: number }>;
  kernels_openblas_2threads?: Record<string, number>;
  auto_lirpa?: Record<string, unknown>;
}

/** Our bench rows timed against auto_LiRPA 0.4 (the `auto_lirpa` section), by the section's key. */
const AUTO_LIRPA_ROWS: Readonly<Record<string, string>> = {
  certify_crown_b50: 'certify_crown_b50_fashion_pth_s',
  certify_alpha_crown20_b50: 'certify_alpha_crown_20iter_b50_fashion_pth_s',
  train_step_ibp_b50: 'train_step_ibp_b50_s',
  train_step_crown_ibp_b50: 'train_step_crown_ibp_b50_s',
};

/** Reads the reference file, or null when it is absent. @throws Error naming the file if it is not valid JSON. */
export function loadPytorchReference(file: string): PytorchReference | null {
  if (!existsSync(file)) return null;
  let parsed: ReferenceFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as ReferenceFile;
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const workloads: Record<string, number> = {};
  for (const [name, entry] of Object.entries(parsed.workloads ?? {})) {
    if (typeof entry.openblas_s === 'number') workloads[name] = entry.openblas_s;
  }
  for (const [row, key] of Object.entries(AUTO_LIRPA_ROWS)) {
    const seconds = parsed.auto_lirpa?.[key];
    if (typeof seconds === 'number') workloads[row] = seconds;
  }
  return {
    workloads,
    certifyRss4Batches: parsed.workloads?.certify_exact_b50?.peak_rss_mb_4_batches ?? null,
    kernels: { ...(parsed.kernels_openblas_2threads ?? {}) },
  };
}

/**
 * Messages between the demo page (`app.ts`) and its compute worker (`worker.ts`).
 * @module
 */

/** The 2D toy's data and training settings (points in [0,1]², labels 0 / 1). */
export interface ToySettings {
  xs: number[];
  labels: number[];
  steps: number;
  epsilon: number;
  seed: number;
  hidden: number;
  gridSize: number;
}

/** One trained toy network: losses per step, per-point certificate (1 = not certified) and clean error, regions. */
export interface ToyRun {
  losses: number[];
  errors: number[];
  cleanErrors: number[];
  /** Predicted class of each grid cell, row-major from (0,0). */
  grid: number[];
  /** Mean wall time of one full-batch training step (ms). */
  stepMs: number;
}

/** A digit's prediction and the certified l∞ radius of each class margin (NaN at the predicted class). */
export interface DigitResult {
  prediction: number;
  logits: number[];
  radius: number[];
}

/** Page → worker. */
export type DemoRequest =
  | { type: 'backend'; name: 'js' | 'wasm' | 'webgl2' | 'webgpu' }
  | { type: 'toy'; settings: ToySettings }
  | { type: 'model'; name: string; bytes: ArrayBuffer }
  | { type: 'digit'; pixels: ArrayBuffer };

/** Worker → page. */
export type DemoReply =
  | { type: 'ready' }
  | { type: 'backend'; name: string; note?: string }
  | { type: 'toy-progress'; robust: boolean; step: number; steps: number; loss: number; stepMs: number }
  | { type: 'toy-result'; normal: ToyRun; robust: ToyRun }
  | { type: 'model'; description: string }
  | { type: 'digit'; result: DigitResult }
  | { type: 'error'; request: string; message: string };

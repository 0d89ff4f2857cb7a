// Certified training row 'mnist-eps0.1' of issue 10 (see src/train/certified/rows.ts): trains mnist_model,
// writes docs/results/mnist-eps0.1.{ckpt,json,md}. Resumable: npx tsx scripts/reproduce-certified-mnist-eps0.1.ts --resume
import { fileURLToPath } from 'node:url';
import { CERTIFIED_ROWS } from '../src/train/certified/rows.js';
import { runRowScript } from '../src/train/certified/reproduce.js';

runRowScript(CERTIFIED_ROWS['mnist-eps0.1'], process.argv.slice(2), fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, ''));

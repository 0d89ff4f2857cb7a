/**
 * The `js` backend: plain TypeScript kernels, float32 and float64. It is the reference every
 * other backend is tested against.
 * @module
 */
import type { Backend } from '../../backend.js';
import { binary, clamp, productSumToShape, sumToShape, unary, where } from './elementwise.js';
import { argReduce, median, reduce } from './reduce.js';
import { matmul } from './matmul.js';
import { conv2d, conv2dTranspose, conv2dWeightGrad } from './conv.js';
import { concat, gather, indexAdd, indexSelect, permute, scatterAdd, slice } from './layout.js';
import { rowDot } from './row-dot.js';

/** The plain TypeScript backend (the default). */
export const jsBackend = {
  name: 'js',
  unary, binary, clamp, where, sumToShape, productSumToShape,
  reduce, argReduce, median,
  matmul,
  conv2d, conv2dTranspose, conv2dWeightGrad,
  permute, gather, scatterAdd, indexSelect, indexAdd, concat, slice,
  rowDot,
} satisfies Backend;

/**
 * Index arithmetic shared by the gpu.js kernels. Kernels compute in float32, where a flat index
 * is exact below 2^24. With correctly rounded division (WebAssembly, JavaScript) `Math.floor(x / d)`
 * is then exact too, but GLSL only promises division to 2.5 ulp (and some GPUs compute x · (1/d)),
 * so the quotient can land one off; {@link floorDiv} corrects that with one exact remainder test.
 * It is handed to every kernel through gpu.js's `functions` setting, so kernels call it by name.
 * @module
 */

/**
 * `floor(x / d)` for integer-valued `x >= 0` and `d >= 1`, exact in float32 while `x < 2^24`:
 * the remainder `x - q·d` is exact, and a quotient that rounded the wrong way leaves it outside
 * `[0, d)`.
 */
export function floorDiv(x: number, d: number): number {
  let q = Math.floor(x / d);
  const r = x - q * d;
  if (r < 0) {
    q = q - 1;
  }
  if (r >= d) {
    q = q + 1;
  }
  return q;
}

/**
 * Source lines (for generated kernels) that split the flat position `rem` of a row-major box of
 * `rank` dimensions into coordinates and accumulate, for each named operand, the flat index
 * `Σ coord_d · stride_d` into the variable of that name. Output strides are the constants
 * `os0..os{rank-2}`; operand `v`'s strides are the constants `v_s0..v_s{rank-1}`.
 * Leaves `rem` holding the last coordinate.
 */
export function decodeLines(rank: number, operands: readonly string[]): string {
  const lines = operands.map((v) => `let ${v} = 0;`);
  lines.push('let q = 0;');
  for (let d = 0; d < rank - 1; d++) {
    lines.push(`q = floorDiv(rem, this.constants.os${d});`, `rem = rem - q * this.constants.os${d};`);
    for (const v of operands) lines.push(`${v} = ${v} + q * this.constants.${v}_s${d};`);
  }
  for (const v of operands) lines.push(`${v} = ${v} + rem * this.constants.${v}_s${rank - 1};`);
  return lines.join('\n');
}

/** Constants `os0..` (row-major strides of `dims`, last one omitted) for {@link decodeLines}. */
export function outStrideConstants(dims: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  let s = 1;
  for (let d = dims.length - 1; d >= 0; d--) {
    if (d < dims.length - 1) out[`os${d}`] = s;
    s *= dims[d]!;
  }
  return out;
}

/** Constants `v_s0..` (the operand's strides) for {@link decodeLines}. */
export function operandStrideConstants(name: string, strides: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  strides.forEach((s, d) => { out[`${name}_s${d}`] = s; });
  return out;
}

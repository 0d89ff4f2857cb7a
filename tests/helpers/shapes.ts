/**
 * fast-check arbitraries for small tensor shapes, used to drive the autograd and kernel suites.
 * Dimensions stay tiny (gradient checks cost two forward passes per input element).
 * @module
 */
import fc from 'fast-check';

/** A shape of rank in [minRank, maxRank] with dimensions in [1, maxDim]. */
export function shapeArb(minRank = 0, maxRank = 3, maxDim = 3): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/**
 * Two shapes that broadcast to a common one: start from an output shape, then for each operand
 * drop some leading axes and set some remaining axes to 1 (NumPy broadcasting's two freedoms).
 */
export function broadcastPairArb(maxRank = 3, maxDim = 3): fc.Arbitrary<[number[], number[]]> {
  return shapeArb(0, maxRank, maxDim).chain((out) => {
    const operand = fc.tuple(
      fc.integer({ min: 0, max: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    ).map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
    return fc.tuple(operand, operand);
  });
}

/** A shape of rank >= 1 together with a valid axis, given in either sign. */
export function shapeAndAxisArb(maxRank = 3, maxDim = 3): fc.Arbitrary<{ shape: number[]; axis: number }> {
  return shapeArb(1, maxRank, maxDim).chain((shape) =>
    fc.integer({ min: -shape.length, max: shape.length - 1 }).map((axis) => ({ shape, axis })));
}

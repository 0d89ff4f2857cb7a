/**
 * Test helpers for dual operators, free of any test framework: samplers of perturbation sets
 * and the property checks every dual network must pass (see docs/extending.md).
 * @module
 */
export * from './perturbation.js';
export * from './properties.js';

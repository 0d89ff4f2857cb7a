/**
 * Gradient-sign attacks (FGS, PGD) that give the empirical side of the robustness table:
 * lower bounds on the adversarial error that the certified (robust) error must upper-bound.
 * @module
 */
export { fgs } from './fgs.js';
export { pgd } from './pgd.js';
export { attackDataset, runAttack, type AttackKind, type AttackSummary, type AttackDatasetOptions } from './evaluate.js';
export { PGD_DEFAULTS, type AttackOptions, type AttackResult, type Classifier, type PgdOptions } from './types.js';

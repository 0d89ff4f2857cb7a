/**
 * Training and experiments: the original's training loop (baseline / robust / madry, ε ramp,
 * StepLR, checkpoints with exact resume, JSON-lines logs), cascades, certified radii, the 2D toy
 * notebook, the exact primal LP of the relaxation, and the default main job.
 * @module
 */
export * from './schedule.js';
export { trainEpoch, evaluate, passLength, logLine, cleanStats, MADRY_TRAINING_ATTACK, type TrainableModel, type RobustObjective, type ObjectiveContext, type TrainMethod, type BatchRecord, type EpochSummary, type PassOptions, type TrainEpochOptions } from './trainer.js';
export { robustObjective, certificationOptions, asDualizable, type RobustLossSettings } from './objective.js';
export { trainModel, makeOptimizer, type TrainModelOptions, type TrainModelResult, type TrainProgress, type EpochLog, type PassMeans } from './fit.js';
export { saveTrainingCheckpoint, loadTrainingCheckpoint, restoreTraining, modelState, OPTIMIZER_PREFIX, STAGE_PREFIX, type TrainingCheckpoint, type TrainingCheckpointMeta } from './checkpoint.js';
export { JsonLinesLog, readRecords, type LogRecord } from './jsonl.js';
export { epochRng, deriveSeed } from './streams.js';
export { evaluateRobustness, certifiedErrors, type RobustnessOptions, type RobustnessResult, type EvaluationProgress } from './evaluation.js';
export { certifyCascade, evaluateCascade, uncertifiedIndices, takeRows, type Cascade, type CascadeCertificate, type CascadeEvaluation } from './cascade.js';
export { trainCascade, saveCascade, loadCascade, type TrainCascadeOptions, type TrainCascadeResult, type StageRecord, type StageModel, type LoadedCascade } from './cascade-train.js';
export { certifiedRadius, radiusHistogramSvg, type RadiusOptions, type RadiusResult } from './radius.js';
export { runToy2d, toyNetwork, fitToy, decisionGrid, sideBySide, type Toy2dExperiment, type Toy2dExperimentOptions, type Toy2dRun, type FitToyOptions } from './toy2d.js';
export { loadLpSolver, solvePrimalLp, buildPrimalLp, affineSegments, dualReluBounds, type LpSolver, type PrimalLpOptions, type PrimalLpResult, type ReluBounds, type AffineSegment } from './primal-lp.js';
export { runMainJob, mainJobModel, defaultRunDir, settingsLine, MAIN_JOB_DEFAULTS, type MainJobOptions, type MainJobResult, type MainJobSettings, type MainJobProgress, type MainJobTask, type MainJobModel } from './main-job.js';
export { wilsonInterval, trainingCurveSvg, type LabelledHistory } from './report.js';

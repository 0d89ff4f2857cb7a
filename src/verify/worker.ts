/**
 * The worker process of `relaxjs verify --benchmark`: verifies one instance and prints one JSON
 * line `{ result, seconds, detail }`. It imports only `src/verify`, so it starts fast.
 * Arguments: <model.onnx> <property.vnnlib> <timeout seconds> <seed> [<result file>].
 * @module
 */
import { writeFileAtomic } from '../util/fs.js';
import { resultFileText } from './results.js';
import { verifyFiles } from './run-one.js';

const [model, property, timeout, seed, resultFile] = process.argv.slice(2);
const start = Math.min(Date.now(), Math.round(performance.timeOrigin));
const r = verifyFiles(model!, property!, Number(timeout), start, Number(seed));
if (resultFile) writeFileAtomic(resultFile, resultFileText(r.result, r.counterexample));
process.stdout.write(JSON.stringify({ result: r.result, seconds: r.seconds, detail: r.detail }) + '\n');

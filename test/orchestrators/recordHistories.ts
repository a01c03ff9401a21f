import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { retrainOrchestrator } from '../../src/orchestrators/retrain';
import { recordHistory } from '../helpers/replay';
import { scenarios } from './scenarios';

/**
 * Records the current orchestrator's histories for `scenarios.ts` (not a test; run by hand when a
 * new orchestrator version is released, into a new folder, and keep the old folders):
 *   npm run build && node dist/test/orchestrators/recordHistories.js test/orchestrators/histories/v2
 */
const dir = process.argv[2];
if (!dir) throw new Error('usage: recordHistories.js <output folder>');
mkdirSync(dir, { recursive: true });
for (const [name, scenario] of Object.entries(scenarios)) {
    const history = recordHistory(retrainOrchestrator, scenario.input, scenario.respond);
    writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(history, null, 4)}\n`);
    console.log(`${name}: ${history.steps.length} steps`);
}

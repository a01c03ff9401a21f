import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';

import { SAMPLE_TARGETS, sampleScenario, toText } from '../../../src/local/samples';
import { ExperimentDefinition, trainExperiment } from '../../../src/local/studio/training';
import { validateConfig } from '../../../src/retraining/config';
import { evaluateGate } from '../../../src/retraining/gate';
import { metricRecord, parseEvaluationCsv } from '../../../src/retraining/metrics';
import { registerEmulatorCredential } from '../../../src/local/studio/emulatorCredential';

// The sample and demo ARM targets name the offline stack's `emulator` credential kind.
registerEmulatorCredential();

const ROOT = path.resolve(__dirname, '../../../..');
const seed = JSON.parse(readFileSync(path.join(ROOT, 'studio.seed.json'), 'utf8')) as {
    trainingServices: { serviceId: string; experiment: ExperimentDefinition }[];
};
const config = validateConfig(JSON.parse(readFileSync(path.join(ROOT, 'retrainer.config.sample.json'), 'utf8')));

/**
 * The README's story must hold with the shipped config and seed: each batch is trained merged with
 * the ones before it (as a retrain reads every file under the prefix) and judged by the target's gate.
 */
describe('demo batches', () => {
    for (const target of SAMPLE_TARGETS) {
        it(`${target}: baseline becomes champion, drifted beats it, degraded is rejected`, async () => {
            const experiment = seed.trainingServices.find((s) => s.serviceId === `${target}-training`)!.experiment;
            const gate = config.targets.find((t) => t.name === target)!.gate;
            let merged = '';
            const judge = async (
                variant: 'baseline' | 'drifted' | 'degraded',
                champion: Record<string, number> | null,
            ) => {
                const scenario = sampleScenario(target, variant);
                const text = await toText(scenario.generate(scenario.rows));
                merged = merged ? merged + text.slice(text.indexOf('\n') + 1) : text;
                const outcome = await trainExperiment(() => Promise.resolve(Readable.from([merged])), experiment, {});
                const metrics = metricRecord(parseEvaluationCsv(outcome.evaluationCsv));
                const verdict = evaluateGate(gate, metrics, champion ? { runId: 'r', metrics: champion } : null);
                return { metrics, verdict };
            };
            const baseline = await judge('baseline', null);
            assert.ok(baseline.verdict.passed, baseline.verdict.reasons.join('; '));
            const drifted = await judge('drifted', baseline.metrics);
            assert.ok(drifted.verdict.passed, drifted.verdict.reasons.join('; '));
            const degraded = await judge('degraded', drifted.metrics);
            assert.equal(degraded.verdict.passed, false, degraded.verdict.reasons.join('; '));
        });
    }
});

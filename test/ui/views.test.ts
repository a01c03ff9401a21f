import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import type { RunRecord } from '../../src/orchestrators/contracts';
import { registerEmulatorCredential } from '../../src/local/studio/emulatorCredential';
import { validateConfig } from '../../src/retraining/config';
import { targetHistory, targetSummary } from '../../src/ui/views';

const SAMPLE = path.resolve(__dirname, '../../../retrainer.config.sample.json');
// The sample's ARM target names the offline stack's credential kind, which the stack registers.
registerEmulatorCredential();
const churn = validateConfig(JSON.parse(readFileSync(SAMPLE, 'utf8'))).targets[0];

const judgedRun = (runId: string, state: RunRecord['state'], approval?: RunRecord['approval']): RunRecord => ({
    target: churn.name,
    runId,
    instanceId: `retrain-${churn.name}`,
    trigger: { kind: 'http' },
    state,
    timings: { done: '2026-01-01T00:00:00.000Z' },
    verdict: { passed: true, reasons: [], metrics: { auc: 0.8 }, comparedTo: null },
    ...(approval ? { approval } : {}),
});

describe('status page views', () => {
    it("puts a waiting run's judged metrics (and the champion's) in the summary, and nothing unreadable", () => {
        const live = (judged: unknown) => ({
            runtimeStatus: 'Running',
            customStatus: { step: 'awaiting-approval', since: 's', until: 'u', runId: 'r1', judged },
        });
        const good = { metrics: { auc: 0.81 }, champion: { runId: 'r0', metrics: { auc: 0.79 } } };
        assert.deepEqual(targetSummary(churn, undefined, undefined, live(good)).inFlight?.judged, good);
        assert.deepEqual(
            targetSummary(churn, undefined, undefined, live({ metrics: { auc: 0.81 }, champion: null })).inFlight
                ?.judged,
            { metrics: { auc: 0.81 }, champion: null },
        );
        for (const bad of [undefined, 'x', { metrics: { auc: 'high' } }, { champion: good.champion }]) {
            assert.equal(
                targetSummary(churn, undefined, undefined, live(bad)).inFlight?.judged,
                null,
                JSON.stringify(bad) ?? 'undefined',
            );
        }
    });

    it('says what the timeout of a waiting run decides, as the target configures it (reject by default)', () => {
        const raw = JSON.parse(readFileSync(SAMPLE, 'utf8')) as { targets: Record<string, unknown>[] };
        const withApproval = (approval: Record<string, unknown>) =>
            validateConfig({ ...raw, targets: [{ ...raw.targets[0], approval }] }).targets[0];
        const waiting = {
            runtimeStatus: 'Running',
            customStatus: { step: 'awaiting-approval', since: 's', until: 'u' },
        };
        const onTimeout = (t: typeof churn, live: typeof waiting) =>
            targetSummary(t, undefined, undefined, live).inFlight?.onTimeout;
        assert.equal(onTimeout(withApproval({ required: true, onTimeout: 'approve' }), waiting), 'approve');
        assert.equal(onTimeout(withApproval({ required: true }), waiting), 'reject');
        const training = { runtimeStatus: 'Running', customStatus: { step: 'training', since: 's', until: '' } };
        assert.equal(onTimeout(withApproval({ required: true, onTimeout: 'approve' }), training), null);
    });

    it("names each run's approval outcome in the history, and leaves it out for runs without the step", () => {
        const history = targetHistory(
            churn,
            [
                judgedRun('r3', 'Rejected', {
                    decision: 'timeout',
                    outcome: 'rejected',
                    at: 'u',
                    since: 's',
                    until: 'u',
                }),
                judgedRun('r2', 'Promoted', {
                    decision: 'approve',
                    outcome: 'approved',
                    by: 'ana',
                    why: 'ok',
                    at: 'a',
                    since: 's',
                    until: 'u',
                }),
                judgedRun('r1', 'Promoted'),
            ],
            undefined,
        );
        assert.deepEqual(
            history.runs.map((r) => [r.runId, r.approval]),
            [
                ['r1', undefined],
                ['r2', 'approve by ana'],
                ['r3', 'timeout: rejected'],
            ],
        );
    });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { RunRecord } from '../../src/orchestrators/contracts';
import { unverifiedModel } from '../../src/retraining/unverifiedModel';

/** A run record with only what unverifiedModel reads. */
function run(runId: string, extra: Partial<RunRecord> = {}): RunRecord {
    return {
        target: 'churn',
        runId,
        instanceId: 'retrain-churn',
        trigger: { kind: 'http' },
        state: 'Rejected',
        timings: {},
        ...extra,
    };
}

const promoted: Partial<RunRecord> = {
    promotion: {
        before: null,
        after: { baseLocation: 'http://127.0.0.1:10000/a', relativeLocation: 'models/m.ilearner' },
    },
};

describe('unverifiedModel', () => {
    it('names the newest promoting run when its rollback failed, however many runs without a promotion came after', () => {
        const failed = run('r2', {
            ...promoted,
            state: 'Failed',
            rollbackFailed: true,
            reason: 'Verification failed (x) and the rollback failed too: y',
            timings: { 'rolling-back': '2026-11-30T09:00:00.000Z' },
        });
        assert.deepEqual(unverifiedModel([run('r4', { state: 'Skipped' }), run('r3'), failed, run('r1', promoted)]), {
            runId: 'r2',
            reason: 'Verification failed (x) and the rollback failed too: y',
            at: '2026-11-30T09:00:00.000Z',
        });
    });

    it('is undefined once a later run promoted, when the rollback worked, or when no run promoted', () => {
        const failed = run('r2', { ...promoted, state: 'Failed', rollbackFailed: true });
        assert.equal(unverifiedModel([run('r3', { ...promoted, state: 'Promoted' }), failed]), undefined);
        assert.equal(unverifiedModel([run('r2', { ...promoted, state: 'RolledBack' })]), undefined);
        assert.equal(unverifiedModel([run('r1'), run('r0', { state: 'Skipped' })]), undefined);
        assert.equal(unverifiedModel([]), undefined);
    });
});

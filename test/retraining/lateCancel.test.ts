import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { lateCancelNote } from '../../src/retraining/lateCancel';
import { lateCancellation } from '../helpers/fakeOrchestration';

describe('a cancel request that came too late, in words', () => {
    it('says who asked, when, why, and why it did not stop the run, with "too late" said once', () => {
        assert.equal(
            lateCancelNote(lateCancellation),
            'Cancel asked by ana at 2026-11-30T10:00:00.000Z ("wrong file") came too late: the run was already promoting (past the last point a run can stop), so it went on.',
        );
    });

    it('falls back on the step when the record has no reason, and leaves out a missing why', () => {
        const { why: _why, declined: _declined, ...bare } = lateCancellation;
        assert.equal(
            lateCancelNote(bare),
            'Cancel asked by ana at 2026-11-30T10:00:00.000Z came too late: the run was already promoting, so it went on.',
        );
    });

    it('says nothing of a run without a request, or one the request stopped', () => {
        assert.equal(lateCancelNote(undefined), undefined);
        const { honoured: _honoured, declined: _declined, ...honoured } = lateCancellation;
        assert.equal(lateCancelNote({ ...honoured, step: 'training' }), undefined);
    });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseOperationStatus } from '../../../src/clients/arm/parseOperation';

describe('AsyncOperationStatus parsing', () => {
    it('normalises spec states and generic ARM status', () => {
        assert.equal(parseOperationStatus({ provisioningState: 'Provisioning' }).status, 'InProgress');
        assert.equal(
            parseOperationStatus({ provisioningState: 'InProgress', percentComplete: 40 }).percentComplete,
            40,
        );
        assert.equal(parseOperationStatus({ provisioningState: 'Succeeded' }).status, 'Succeeded');
        assert.equal(parseOperationStatus({ status: 'Canceled' }).status, 'Canceled');
    });

    it('carries errorInfo of a failed operation', () => {
        const s = parseOperationStatus({
            provisioningState: 'Failed',
            errorInfo: { code: 'ModelUnreadable', message: 'bad uri' },
        });
        assert.equal(s.status, 'Failed');
        assert.deepEqual(s.error, { code: 'ModelUnreadable', message: 'bad uri' });
    });
});

import assert from 'node:assert/strict';

import { ClaimPending, isClaimPending } from '../../src/orchestrators/claims';

/** The result of a claimed activity that ran alone, asserting it acted rather than answering "pending". */
export function acted<T>(value: T | ClaimPending): T {
    assert.ok(!isClaimPending(value), `expected the step's result, got pending on ${JSON.stringify(value)}`);
    return value;
}

import assert from 'node:assert/strict';

import type { AppUnderTest } from '../appHost';

/**
 * Terminates the churn target's instance through the dev host's durable HTTP API, as an operator
 * would, and waits until the target shows no run in flight.
 */
export async function terminate(app: AppUnderTest, reason: string): Promise<void> {
    const base = `${app.host.origin}/runtime/webhooks/durabletask/instances/retrain-churn/terminate`;
    const res = await fetch(
        `${base}?reason=${encodeURIComponent(reason)}&code=${encodeURIComponent(app.host.keys.durableSystem)}`,
        { method: 'POST' },
    );
    assert.equal(res.status, 202, await res.text());
    await app.idle('churn');
}

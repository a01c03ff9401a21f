import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { churnTarget } from '../helpers/demoTargets';
import { AppUnderTest, startApp } from './appHost';

/** POST /api/score/{target} through the dev host: the champion's answers, and clear 4xx for bad input. */
describe('scoreHttp', () => {
    let app: AppUnderTest;
    before(async () => {
        app = await startApp((w) => [churnTarget(w)]);
    });
    after(() => app?.stop());

    const post = (target: string, body: string, key: string | null = app.host.keys.functionDefault) =>
        fetch(`${app.host.origin}/api/score/${target}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(key === null ? {} : { 'x-functions-key': key }) },
            body,
        });
    const columns = ['tenure', 'monthly_charges', 'support_calls', 'contract_months'];
    const error = async (res: Response) => ((await res.json()) as { error: string }).error;

    // Scoring a promoted model is covered by the walkthrough test (test/local/stack).
    it("passes on the scoring service's own error before any model is bound, naming it", async () => {
        const res = await post(
            'churn',
            JSON.stringify({
                columnNames: columns,
                rows: [
                    [70, 25, 0, 24],
                    ['1', '115', '9', '1'],
                ],
            }),
        );
        assert.equal(res.status, 400);
        const body = (await res.json()) as { error: string; code: string; requestId: string };
        assert.match(body.error, /^Scoring failed: .*No trained model is bound/);
        assert.equal(body.code, 'ModuleExecutionError');
        assert.ok(body.requestId);
    });

    it('refuses a missing or wrong key', async () => {
        assert.equal((await post('churn', '{}', null)).status, 401);
        assert.equal((await post('churn', '{}', 'wrong')).status, 401);
    });

    it('answers 404 for an unknown target and 400 for each malformed body, saying what is wrong', async () => {
        assert.match(await error(await post('nope', '{}')), /Unknown target 'nope'/);
        const cases: [string, RegExp][] = [
            ['not json', /not valid JSON/],
            ['[]', /must be a JSON object/],
            [JSON.stringify({ rows: [[1]] }), /'columnNames' must be/],
            [JSON.stringify({ columnNames: columns, rows: [] }), /'rows' must be a non-empty/],
            [JSON.stringify({ columnNames: columns, rows: [[1, 2]] }), /Row 0 must be an array of 4 values/],
            [JSON.stringify({ columnNames: columns, rows: [[1, 2, 3, { x: 1 }]] }), /Row 0 holds a value/],
        ];
        for (const [body, message] of cases) {
            const res = await post('churn', body);
            assert.equal(res.status, 400, body);
            assert.match(await error(res), message);
        }
    });

    it('caps a call at 1000 rows and 1 MB', async () => {
        const rows = Array.from({ length: 1001 }, () => [1, 2, 3, 4]);
        const many = await post('churn', JSON.stringify({ columnNames: columns, rows }));
        assert.equal(many.status, 400);
        assert.match(await error(many), /At most 1000 rows/);
        const huge = await post(
            'churn',
            JSON.stringify({ columnNames: columns, rows: [['x'.repeat(1_100_000), 1, 2, 3]] }),
        );
        assert.equal(huge.status, 413);
    });

    it('names the upstream failure when the scoring service refuses the rows', async () => {
        const res = await post('churn', JSON.stringify({ columnNames: ['tenure'], rows: [[1]] }));
        assert.equal(res.status, 400, 'the service refused the rows as a bad request');
        assert.match(await error(res), /^Scoring failed: /);
    });
});

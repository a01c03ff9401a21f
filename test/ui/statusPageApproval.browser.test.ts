import assert from 'node:assert/strict';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';

import { Browser, chromium } from 'playwright-core';

import { sampleScenario } from '../../src/local/samples/scenarios';
import { churnTarget } from '../helpers/demoTargets';
import { browserMissing, CHROMIUM, SCREENSHOTS } from '../helpers/browser';
import { waitFor } from '../helpers/stackProcess';
import { AppUnderTest, startApp } from '../functions/appHost';

const missing = browserMissing();

interface RunJson {
    runId: string;
    state: string;
}

// Its own file: the app's config is loaded once per process, and this target requires approval.
describe('status page approvals in Chromium', { skip: missing }, () => {
    let app: AppUnderTest;
    let browser: Browser;

    before(async () => {
        // 'ROC AUC': a name of the config's own, so the panel shows it rather than the key or AUC.
        app = await startApp((w) => [
            churnTarget(w, {
                approval: { required: true, timeoutInMs: 600_000 },
                gate: { thresholds: [{ metric: 'ROC AUC', threshold: 0.7 }] },
            }),
        ]);
        browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
    });

    after(async () => {
        await browser?.close();
        await app?.stop();
    });

    it('an approval click resumes the waiting run, which is promoted with the signed-in approver recorded', async () => {
        const key = { 'x-functions-key': app.host.keys.functionDefault };
        const s = sampleScenario('churn', 'baseline');
        const bytes = await buffer(s.generate(s.rows));
        await app.data.getBlockBlobClient('churn/churn-baseline.csv').upload(bytes, bytes.length);
        let runId = '';
        let last = '';
        await waitFor(
            async () => {
                const res = await fetch(`${app.host.origin}/api/targets/churn`, { headers: key });
                last = await res.text();
                const t = JSON.parse(last) as {
                    inFlight: { step: { step: string; runId?: string } | null } | null;
                };
                runId = t.inFlight?.step?.step === 'awaiting-approval' ? (t.inFlight.step.runId ?? '') : '';
                return runId !== '';
            },
            180_000,
            () => `the run never waited for approval: ${last}\n${app.logs.slice(-15).join('\n')}`,
        );
        const page = await browser.newPage();
        await page.goto(`${app.host.origin}/api/ui/`);
        const link = page.locator(`a[href="#/run/churn/${runId}"]`);
        await link.waitFor({ timeout: 20_000 }).catch(async () => {
            const summary = await (await fetch(`${app.host.origin}/api/ui/api/summary`)).text();
            assert.fail(
                `no link to the waiting run; summary: ${summary}\npage: ${await page.locator('main').innerText()}`,
            );
        });
        await link.click();
        // The approver sees what they decide on before the run has a record: its metrics as judged.
        const judged = page.locator('table.judged');
        await judged.waitFor({ timeout: 20_000 });
        const rows = await judged.locator('tbody th').allInnerTexts();
        assert.match(await judged.innerText(), /ROC AUC\s+0\.\d{4}/);
        assert.ok(rows.includes('Accuracy') && !rows.includes('auc') && !rows.includes('accuracy'), rows.join(', '));
        // Which way the deadline goes, not just that there is one (the config's onTimeout: reject).
        assert.match(
            await page.locator('section.approval').innerText(),
            /; if no one decides by .+, the timeout rejects the model/,
        );
        await page.fill('#why', 'baseline looks right');
        await page.keyboard.press('Tab');
        await page.click('button:has-text("Approve")');
        await page.locator('text=Recorded: approve by developer@localhost').waitFor();
        await page.screenshot({ path: path.join(SCREENSHOTS, 'approval.png'), fullPage: true });
        await waitFor(
            async () => {
                const runs = (await (
                    await fetch(`${app.host.origin}/api/runs?target=churn`, { headers: key })
                ).json()) as RunJson[];
                return runs.some((r) => r.runId === runId && r.state === 'Promoted');
            },
            180_000,
            () => `run ${runId} was not promoted after the approval`,
        );
        const run = (await (await fetch(`${app.host.origin}/api/runs?target=churn`, { headers: key })).json()) as {
            runId: string;
            approval?: { decision: string; by: string; why: string };
        }[];
        assert.deepEqual(
            run.find((r) => r.runId === runId)?.approval && {
                decision: run.find((r) => r.runId === runId)!.approval!.decision,
                by: run.find((r) => r.runId === runId)!.approval!.by,
                why: run.find((r) => r.runId === runId)!.approval!.why,
            },
            { decision: 'approve', by: 'developer@localhost', why: 'baseline looks right' },
        );
        await page.close();
    });
});

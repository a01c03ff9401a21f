import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { Browser, chromium, Page } from 'playwright-core';

import { deriveDeploymentName } from '../../src/clients/azureml';
import { classificationCsv, toText } from '../../src/local/samples';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { browserMissing, CHROMIUM } from '../helpers/browser';
import { AppUnderTest } from '../functions/appHost';
import { startAzureMlApp } from '../functions/azuremlApp';

const AXE = require.resolve('axe-core/axe.min.js');
const missing = browserMissing();

/**
 * The status page's run view of Azure ML v2 targets, in Chromium against the app on the dev host
 * (the studio emulator plays the workspace): the run record's `rollout`, that is the deployment,
 * each traffic step with its share and checks, and the outcome, for a promotion and for a
 * deployment whose golden rows failed before any traffic.
 */
describe('status page: an Azure ML v2 run’s rollout', { skip: missing }, () => {
    let app: AppUnderTest;
    let browser: Browser;
    let page: Page;
    let promoted: RunRecord;
    let rolledBack: RunRecord;

    const firstRun = async (target: string): Promise<RunRecord> =>
        (
            await app.until(
                `a run of ${target}`,
                () => app.runs(target),
                (runs) => runs.length > 0,
            )
        )[0];

    before(async () => {
        ({ app } = await startAzureMlApp());
        for (const [name, seed] of [
            ['churnml/a.csv', 1],
            ['strictml/a.csv', 3],
        ] as const) {
            const text = await toText(classificationCsv({ rows: 1500, seed }));
            await app.data.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
        }
        promoted = await firstRun('churnml');
        rolledBack = await firstRun('strictml');
        browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
        page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    });
    after(async () => {
        await browser?.close();
        await app?.stop();
    });

    /** The rows of the table labelled `label`, each as its cells' text. */
    const rows = (label: string): Promise<string[][]> =>
        page.evaluate<string[][]>(
            `[...document.querySelectorAll('table[aria-label="${label}"] tbody tr')].map((tr) => [...tr.children].map((c) => c.textContent.trim()))`,
        );
    /** The value of row `key` of the rollout's key-value table. */
    const field = async (key: string): Promise<string> =>
        (
            await page
                .locator('h3:text-is("Rollout") + table tr', { has: page.locator(`th:text-is("${key}")`) })
                .locator('td')
                .innerText()
        ).trim();

    /**
     * Opens the run view of `runId` and waits for its own rollout: after a hash-only navigation the
     * previous run's Rollout heading is still on the page until the new view renders.
     */
    const openRun = async (on: Page, target: string, runId: string): Promise<void> => {
        await on.goto(`${app.host.origin}/api/ui/#/run/${target}/${runId}`);
        await on
            .locator('h3:text-is("Rollout") + table td', { hasText: deriveDeploymentName(target, runId) })
            .first()
            .waitFor();
    };

    it('shows a promotion: deployment, each traffic step with its share and checks, the outcome', async () => {
        assert.equal(promoted.state, 'Promoted', promoted.reason);
        const fresh = deriveDeploymentName('churnml', promoted.runId);
        await openRun(page, 'churnml', promoted.runId);
        assert.equal(await field('Deployment'), fresh);
        assert.equal(await field('Serving before'), 'blue');
        assert.equal(await field('Golden rows before traffic'), 'passed');
        assert.equal(await field('Outcome'), `Promoted: '${fresh}' takes all traffic; 'blue' kept at 0%`);
        const steps = await rows('Traffic steps');
        assert.deepEqual(
            steps.map(([share, , checks]) => [share, checks]),
            [
                ['10%', 'passed'],
                ['50%', 'passed'],
                ['100%', 'passed'],
            ],
        );
        for (const [, began] of steps) assert.ok(began, 'each step says when its bake began');
    });

    it('shows a deployment whose golden rows failed: no traffic step, deleted, and why', async () => {
        assert.equal(rolledBack.state, 'RolledBack', rolledBack.reason);
        const fresh = deriveDeploymentName('strictml', rolledBack.runId);
        await openRun(page, 'strictml', rolledBack.runId);
        assert.equal(await field('Deployment'), fresh);
        assert.match(await field('Golden rows before traffic'), /^failed: .*never/);
        assert.equal(
            await field('Outcome'),
            `Rolled back ('${fresh}' deleted before any traffic): ${rolledBack.reason ?? ''}`,
        );
        assert.deepEqual(await rows('Traffic steps'), []);
        assert.match(await page.locator('main').innerText(), /No traffic step: the new deployment never got traffic\./);
    });

    it('axe-core finds no serious or critical accessibility violation on the rollout views', async () => {
        const context = await browser.newContext({ bypassCSP: true });
        const axePage = await context.newPage();
        for (const [target, runId] of [
            ['churnml', promoted.runId],
            ['strictml', rolledBack.runId],
        ]) {
            const view = `#/run/${target}/${runId}`;
            await openRun(axePage, target, runId);
            await axePage.addScriptTag({ content: readFileSync(AXE, 'utf8') });
            const violations = await axePage.evaluate<{ id: string; impact: string }[]>(
                `axe.run().then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact })))`,
            );
            const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
            assert.deepEqual(serious, [], `${view}: ${JSON.stringify(violations)}`);
        }
        await context.close();
    });
});

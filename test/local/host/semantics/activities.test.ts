import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { parseArgs } from '../../../../src/local/host/cli';
import {
    ABORTED_COMMIT_SHARE_ENV,
    DUPLICATE_ACTIVITY,
    DUPLICATE_SHARE_ENV,
    duplicateEvidence,
    RESENT_AFTER_ABORTED_COMMIT,
} from '../../../../src/local/host/semantics/activities';
import { SEMANTICS_SEED_ENV } from '../../../../src/local/host/semantics/profile';
import { StatusPayload } from '../../../../src/local/host/durable/service';
import { SampleHost, startSampleHost } from '../sampleHost';
import { eventually } from '../../../helpers/environment';

/**
 * The dev host under the azure semantics profile runs every activity work item as two copies at
 * once and aborts the first commit of each episode that schedules activities: the orchestration
 * still completes with the same results, the journal shows each activity ran more than once, and
 * the fault log proves the copies overlapped.
 */
describe('dev host, azure semantics: duplicate and re-sent activities', () => {
    let s: SampleHost;
    before(async () => {
        s = await startSampleHost(
            {
                'AzureWebJobs.Tick.Disabled': 'true',
                'AzureWebJobs.OnUpload.Disabled': 'true',
                'AzureWebJobs.PoisonPill.Disabled': 'true',
                [DUPLICATE_SHARE_ENV]: '1',
                [ABORTED_COMMIT_SHARE_ENV]: '1',
                [SEMANTICS_SEED_ENV]: '7',
            },
            { semantics: 'azure' },
        );
    });
    after(() => s.host.stop());

    it('takes the profile from --semantics', () => {
        assert.equal(parseArgs(['--semantics', 'azure'], '/tmp').semantics, 'azure');
        assert.equal(s.host.semantics.name, 'azure');
        assert.equal(s.host.semantics.seed, 7);
    });

    it('an orchestration completes with the same results while its activities run twice at once', async () => {
        const res = await fetch(s.url('/api/orchestrators/Pipeline/dup-1'), {
            method: 'POST',
            body: JSON.stringify({ name: 'Ada', key: 'dup-1', slowMs: 50, timerMs: 100, failTimes: 0 }),
        });
        assert.equal(res.status, 202);
        const links = (await res.json()) as Record<string, string>;
        const status = () => s.host.service.getStatus('dup-1');
        await eventually(async () => {
            const st = await status();
            return (st?.customStatus as { stage?: string } | null)?.stage === 'waiting' ? st : undefined;
        }, 'waiting for approval');
        await fetch(links.sendEventPostUri.replace('{eventName}', 'Approve'), {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ by: 'Grace' }),
        });
        const done = await eventually(async () => {
            const st: StatusPayload | undefined = await status();
            return st && st.runtimeStatus !== 'Running' ? st : undefined;
        }, 'completion');
        assert.equal(done.runtimeStatus, 'Completed');
        const output = done.output as Record<string, unknown>;
        assert.equal(output.greeting, 'Hello Ada');
        assert.deepEqual(output.squares, [1, 4, 9]);
        assert.equal(output.child, 26);

        const journal = s.journal();
        // Two copies at once, and the re-sent copy after the aborted commit (itself run twice).
        assert.ok(journal.filter((l) => l === 'Greet Ada').length >= 2, journal.join('\n'));

        const faults = s.host.semantics.faults.all();
        const duplicates = faults.filter((f) => f.kind === DUPLICATE_ACTIVITY);
        assert.ok(duplicates.some((f) => f.subject.startsWith('dup-1/Greet#')));
        for (const f of duplicates) {
            const e = duplicateEvidence(f.detail);
            assert.equal(e.overlapped, true, `${f.subject}: ${f.detail ?? ''}`);
            assert.ok(Math.max(...e.startedAtInMs) < e.firstFinishedAtInMs);
        }
        assert.ok(faults.some((f) => f.kind === RESENT_AFTER_ABORTED_COMMIT && f.subject === 'dup-1'));
        assert.ok(s.logs.some((l) => l.includes(`[semantics] injected ${DUPLICATE_ACTIVITY}`)));
    });
});

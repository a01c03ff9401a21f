import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ClassicEndpointClient } from '../../src/clients/classic/classicEndpointClient';
import {
    DUPLICATE_ACTIVITY,
    duplicateEvidence,
    RESENT_AFTER_ABORTED_COMMIT,
} from '../../src/local/host/semantics/activities';
import { EVENT_DUPLICATE_ENV } from '../../src/local/host/semantics/events';
import { classificationCsv, toText } from '../../src/local/samples';
import {
    Activities,
    CANCEL_EVENT,
    CancelRequestEvent,
    CustomStatus,
    RunRecord,
} from '../../src/orchestrators/contracts';
import { churnTarget, classicEndpointOf, demoSettings, seed } from '../helpers/demoTargets';
import { duplicatedActivitySettings } from '../helpers/semanticsSettings';
import { AppUnderTest, JsonAnswer, startApp } from './appHost';

/** Every copy of these runs as two at once: the cancel's side effects and the run record. */
const DUPLICATED = [Activities.submitJob, Activities.cancelJob, Activities.promote, Activities.record];
const INSTANCE = 'retrain-churn';

interface HistoryEvent {
    EventType: string;
    FunctionName?: string;
    Name?: string;
    Input?: unknown;
}

/**
 * POST /api/retrain/{target}/cancel under the dev host's `azure` semantics profile (fixed seed):
 * submit, cancelJob, promote and record each run as two copies at once, 30% of the commits that
 * send activity work are aborted and re-sent, idle queues back off, Event Grid drops or repeats
 * blob events (a dropped upload is started by the catch-up pass of the 2 s timer). A run asked
 * during its BES job ends Cancelled once, its job cancelled, the endpoint untouched, one record and
 * no claim left; two racing requests get one 202 and one 200; and the next run of the target,
 * given a late copy of the earlier run's request, trains and promotes.
 */
describe('cancelling a run under the azure semantics profile (duplicated activities, aborted commits)', () => {
    let app: AppUnderTest;
    let endpoint: ClassicEndpointClient;
    before(async () => {
        app = await startApp(
            (w) => [churnTarget(w, { debounce: { quietPeriodInMs: 300, maxWaitInMs: 3000 } })],
            {
                ...duplicatedActivitySettings(5, DUPLICATED),
                // Every upload's blob event delivered twice: a repeat reaches the live run or, after
                // its record, the trigger (which knows the write); neither may add a run.
                [EVENT_DUPLICATE_ENV]: '1',
            },
            { host: { semantics: 'azure' } },
        );
        assert.equal(app.host.semantics.name, 'azure');
        endpoint = new ClassicEndpointClient(
            app.studio.url,
            'ws-demo',
            'churn-predictive',
            seed.workspaces[0].authorizationToken,
        );
    });
    after(() => app?.stop());

    const cancel = (body: unknown): Promise<JsonAnswer> => app.post('retrain/churn/cancel', body);
    const runs = (): Promise<RunRecord[]> => app.runs('churn');
    const ops = (name: string): number => app.studio.stats().operations[name] ?? 0;
    const faults = () => app.host.semantics.faults.all();
    /** The cancel request claims the route left for churn (blob names). */
    const claims = async (): Promise<string[]> => {
        const names: string[] = [];
        for await (const b of app.runsContainer.listBlobsFlat({ prefix: 'cancel-requests/churn/' })) names.push(b.name);
        return names;
    };
    /** The model the churn endpoint serves, as the management API reports it. */
    const served = async (): Promise<{ base?: string; relative?: string }> => {
        const location = (await endpoint.getEndpoint(classicEndpointOf('churn'))).Resources?.find(
            (r) => r.Name === 'Churn Model [trained model]',
        )?.Location;
        return { base: location?.BaseLocation, relative: location?.RelativeLocation };
    };
    const upload = async (name: string, dataSeed: number): Promise<void> => {
        const text = await toText(classificationCsv({ rows: 1000, seed: dataSeed }));
        await app.data.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
    };
    /** How often an activity ran beyond once: its concurrent duplicates plus its re-sent copies. */
    const extraCopies = (activity: string): number =>
        faults().filter((f) => f.kind === DUPLICATE_ACTIVITY && duplicateEvidence(f.detail).activity === activity)
            .length +
        faults()
            .filter((f) => f.kind === RESENT_AFTER_ABORTED_COMMIT)
            .reduce((n, f) => n + (f.detail ?? '').split(', ').filter((w) => w.startsWith(`${activity}#`)).length, 0);
    const durable = `/runtime/webhooks/durabletask/instances/${INSTANCE}`;
    const history = async (): Promise<HistoryEvent[]> => {
        const code = `code=${encodeURIComponent(app.host.keys.durableSystem)}`;
        const res = await fetch(`${app.host.origin}${durable}?showHistory=true&showHistoryOutput=true&${code}`);
        return ((await res.json()) as { historyEvents?: HistoryEvent[] }).historyEvents ?? [];
    };
    /** Uploads `name` and waits until its run trains a BES job that never ends by itself. */
    const trainingForever = async (name: string, dataSeed: number): Promise<CustomStatus> => {
        app.studio.faults.set('churn-training', { jobNeverFinishes: true });
        await app.idle('churn');
        await upload(name, dataSeed);
        return app.atStep('churn', 'training', (s) => !!s.jobId && !!s.startedAt && !!s.runId);
    };
    /** Waits for the next record, then until nothing runs, and asserts that it is the only new one. */
    const onlyNewRecord = async (count: number): Promise<RunRecord> => {
        await app.until('a new run record', runs, (r) => r.length > count);
        await app.idle('churn');
        // A late copy of the record activity would add or rewrite a record: once idle, nothing is pending.
        const all = await runs();
        assert.equal(all.length, count + 1, `one record: ${JSON.stringify(all.map((r) => [r.runId, r.state]))}`);
        return all[0];
    };
    const besStatus = async (jobId: string): Promise<unknown> => {
        const url = `${app.studio.url}/workspaces/ws-demo/services/churn-training/jobs/${jobId}?api-version=2.0`;
        const res = await fetch(url, { headers: { authorization: `Bearer ${demoSettings.CHURN_TRAINING_KEY}` } });
        return ((await res.json()) as { StatusCode: unknown }).StatusCode;
    };

    let cancelledRun: { status: CustomStatus; request: CancelRequestEvent } | undefined;

    it('during the BES job: Cancelled once, the job cancelled, the endpoint untouched, one record, no claim left', async () => {
        const model = await served();
        const patches = ops('patchEndpoint');
        const cancelsBefore = ops('cancelJob');
        const copiesBefore = extraCopies(Activities.cancelJob);
        const recordsDuplicated = () =>
            faults().filter(
                (f) => f.kind === DUPLICATE_ACTIVITY && duplicateEvidence(f.detail).activity === Activities.record,
            ).length;
        const recordPairsBefore = recordsDuplicated();
        const count = (await runs()).length;
        const training = await trainingForever('churn/a.csv', 1);

        const asked = await cancel({ by: 'ana', why: 'wrong file' });
        assert.equal(asked.status, 202, JSON.stringify(asked.body));
        assert.equal(asked.body.runId, training.runId);
        assert.equal(asked.body.step, 'training');

        const record = await onlyNewRecord(count);
        assert.equal(record.state, 'Cancelled', record.reason);
        assert.equal(record.runId, training.runId);
        assert.equal(record.reason, 'Cancelled by ana while training: wrong file');
        assert.deepEqual(record.cancellation, {
            kind: 'requested',
            by: 'ana',
            at: asked.body.at,
            why: 'wrong file',
            step: 'training',
            job: { jobId: training.jobId, outcome: 'cancelled' },
        });
        assert.equal(await besStatus(training.jobId!), 'Cancelled');
        // One cancel per copy of the activity the profile ran (each copy cancels; BES answers 204 again).
        const copies = extraCopies(Activities.cancelJob) - copiesBefore;
        assert.ok(copies >= 1, 'cancelJob ran as two copies at once');
        assert.equal(ops('cancelJob') - cancelsBefore, 1 + copies);
        assert.deepEqual(await served(), model, 'the endpoint serves the model it served before');
        assert.equal(ops('patchEndpoint'), patches, 'no endpoint update');
        assert.ok(recordsDuplicated() > recordPairsBefore, 'the record activity ran twice at once');
        assert.deepEqual(await claims(), [], 'the claim is deleted once the run is recorded');
    });

    it('two racing requests: one 202, the other 200 naming the first; one Cancelled record, no claim left', async () => {
        const count = (await runs()).length;
        const cancelsBefore = ops('cancelJob');
        const copiesBefore = extraCopies(Activities.cancelJob);
        const training = await trainingForever('churn/b.csv', 2);

        const answers = await Promise.all([cancel({ by: 'ana', why: 'first' }), cancel({ by: 'bo', why: 'second' })]);
        assert.deepEqual(answers.map((a) => a.status).sort(), [200, 202], JSON.stringify(answers.map((a) => a.body)));
        const won = answers.find((a) => a.status === 202)!.body;
        const lost = answers.find((a) => a.status === 200)!.body;
        const request: CancelRequestEvent = { by: String(won.by), at: String(won.at), why: String(won.why) };
        assert.deepEqual(lost.alreadyRequested, request);
        assert.equal(lost.runId, training.runId);
        assert.equal(won.runId, training.runId);

        const record = await onlyNewRecord(count);
        assert.equal(record.state, 'Cancelled', record.reason);
        assert.equal(record.runId, training.runId);
        assert.deepEqual(record.cancellation, {
            kind: 'requested',
            ...request,
            step: 'training',
            job: { jobId: training.jobId, outcome: 'cancelled' },
        });
        assert.equal(await besStatus(training.jobId!), 'Cancelled');
        // The loser raised the first request again: the run acted on one copy (one cancelJob work item).
        assert.equal(ops('cancelJob') - cancelsBefore, 1 + extraCopies(Activities.cancelJob) - copiesBefore);
        assert.deepEqual(await claims(), []);
        cancelledRun = { status: training, request };
    });

    it('the next run, given a late copy of the cancelled run’s request, trains and promotes', async () => {
        assert.ok(cancelledRun, 'needs the cancelled run above');
        app.studio.faults.set('churn-training', { jobDurationInMs: 4000 });
        const count = (await runs()).length;
        const patches = ops('patchEndpoint');
        await app.idle('churn');
        await upload('churn/c.csv', 3);
        const training = await app.atStep('churn', 'training', (s) => !!s.jobId && !!s.startedAt);
        assert.notEqual(training.startedAt, cancelledRun.status.startedAt, 'a new execution');

        // Delivery has no deadline, and Azure carries an event delivered in a run's last episode
        // over to the next execution (DTFx Carryover); the dev host does neither, so the copy the
        // route raised for the cancelled run is raised here, as it would arrive: through the task
        // hub, naming the execution it was for.
        const copy = { ...cancelledRun.request, forExecution: cancelledRun.status.startedAt };
        const code = `code=${encodeURIComponent(app.host.keys.durableSystem)}`;
        const raised = await fetch(`${app.host.origin}${durable}/raiseEvent/${CANCEL_EVENT}?${code}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(copy),
        });
        assert.equal(raised.status, 202, await raised.text());
        const received = await app.until('the late copy in the new run’s history', history, (h) =>
            h.some((e) => e.EventType === 'EventRaised' && e.FunctionName === CANCEL_EVENT),
        );
        // It reached the run while it listened: before the job's last status read, so before the
        // checkpoint that ends listening.
        assert.equal(
            received.some((e) => e.EventType === 'TaskScheduled' && e.Name === Activities.evaluate),
            false,
            'the copy arrived before the run evaluated its job',
        );

        const record = await onlyNewRecord(count);
        app.studio.faults.clear('churn-training');
        assert.equal(record.state, 'Promoted', `${record.reason ?? ''} ${record.reasonDetail ?? ''}`);
        assert.equal(record.runId, training.runId);
        assert.equal(record.cancellation, undefined, 'not cancelled, and no request recorded');
        assert.deepEqual(
            record.manifest?.blobs.map((b) => b.name),
            ['churn/a.csv', 'churn/b.csv', 'churn/c.csv'],
        );
        // Two copies of promote at once still update the endpoint once (the promotion claim).
        assert.equal(ops('patchEndpoint') - patches, 1);
        assert.deepEqual(await served(), {
            base: record.promotion?.after.baseLocation,
            relative: record.promotion?.after.relativeLocation,
        });
        assert.deepEqual(await claims(), []);
    });

    it('the profile really ran cancelJob and record as overlapping copies, and repeated every blob event', (t) => {
        const all = faults();
        t.diagnostic(`faults ${JSON.stringify(app.host.semantics.faults.counts())}`);
        for (const activity of [Activities.cancelJob, Activities.record]) {
            const pairs = all.filter(
                (f) => f.kind === DUPLICATE_ACTIVITY && duplicateEvidence(f.detail).activity === activity,
            );
            assert.ok(pairs.length > 0, `a duplicate of ${activity}`);
            for (const f of pairs) assert.ok(duplicateEvidence(f.detail).overlapped, f.detail);
        }
        const repeated = all.filter((f) => f.kind === 'blob-event-duplicated').map((f) => f.subject);
        for (const name of ['churn/a.csv', 'churn/b.csv', 'churn/c.csv'])
            assert.ok(
                repeated.some((s) => s.endsWith(`/${name}`)),
                `${name}'s event delivered twice: ${JSON.stringify(repeated)}`,
            );
    });
});

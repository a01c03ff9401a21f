import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

import { ArrivalOutcome, startOrSignal } from '../../../src/functions/shared/startRetrain';
import { classificationCsv, toText } from '../../../src/local/samples';
import { Outbox } from '../../../src/retraining/outbox';
import { churnTarget } from '../../helpers/demoTargets';
import { AppUnderTest, startApp } from '../appHost';

/**
 * An outbox whose appends stall after they are written until the test lets them go: a blob trigger
 * on a loaded host stopped between recording its arrival and starting the run, as CI saw.
 */
class StalledOutbox extends Outbox {
    #release: () => void = () => undefined;
    readonly #gate = new Promise<void>((ok) => (this.#release = ok));

    override async append(...args: Parameters<Outbox['append']>): ReturnType<Outbox['append']> {
        const appended = await super.append(...args);
        await this.#gate;
        return appended;
    }

    release(): void {
        this.#release();
    }
}

/**
 * The trigger side of an arrival (src/functions/shared/startRetrain.ts `startOrSignal`) against the
 * dev host and Azurite, with the app's own durable client: an arrival that a run took, and that
 * run ended, before the trigger got to its start, starts no second run on the same data.
 */
describe('startOrSignal: an arrival a run already took', () => {
    let app: AppUnderTest;
    let client: df.DurableClient;
    before(async () => {
        app = await startApp((w) => [churnTarget(w, { debounce: { quietPeriodInMs: 300, maxWaitInMs: 2000 } })], {
            // The test plays the trigger; the timer's catch-up pass would start runs of its own.
            'AzureWebJobs.onTrainingData.Disabled': 'true',
            RETRAINER_TIMER_SCHEDULE: '0 0 0 1 1 *',
        });
        // The durable client a function gets: the binding the host hands every durableClient input.
        const input = df.input.durableClient();
        const context = new InvocationContext({ options: { extraInputs: [input] } });
        context.extraInputs.set(input, app.host.binding);
        client = df.getClient(context);
    });
    after(async () => {
        await app?.stop();
        delete process.env['AzureWebJobs.onTrainingData.Disabled'];
        delete process.env.RETRAINER_TIMER_SCHEDULE;
    });

    /**
     * Uploads `name` and plays its blob trigger up to the stall: the arrival recorded, the start not
     * yet made. Returns the trigger's outcome (once released) and the outbox to release it.
     */
    const stalledTrigger = async (
        name: string,
        seed: number,
    ): Promise<{ outcome: Promise<ArrivalOutcome>; outbox: StalledOutbox }> => {
        const text = await toText(classificationCsv({ rows: 300, seed }));
        const res = await app.data.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
        const etag = res.etag!.replace(/^"(.*)"$/, '$1');
        const outbox = new StalledOutbox(app.runsContainer);
        const outcome = startOrSignal(client, outbox, 'churn', { kind: 'blob', blobName: name }, () => {}, 0, etag);
        await app.until(
            `the arrival of ${name} in the outbox`,
            () => outbox.read('churn'),
            (s) => s.pending.some((a) => a.blobName === name),
        );
        return { outcome, outbox };
    };

    it('starts nothing when a run took the arrival and ended while the trigger stalled', async () => {
        const { outcome: trigger, outbox } = await stalledTrigger('churn/a.csv', 3);
        // Meanwhile a run (here one asked for over HTTP) takes the outbox, trains a.csv and ends.
        assert.equal((await app.post('retrain/churn', {})).status, 202);
        const [run] = await app.until(
            'the HTTP run recorded',
            () => app.runs('churn'),
            (r) => r.length === 1 && r[0].state === 'Promoted',
        );
        await app.idle('churn');
        assert.deepEqual(
            run.manifest!.blobs.map((b) => b.name),
            ['churn/a.csv'],
        );

        outbox.release();
        const outcome: ArrivalOutcome = await trigger;
        assert.deepEqual(outcome, { instanceId: 'retrain-churn', outcome: 'served' });
        // Nothing was started: the instance is still the run that took the arrival, ended.
        const instance = await client.getStatus('retrain-churn');
        assert.equal(instance.runtimeStatus, df.OrchestrationRuntimeStatus.Completed);
        assert.equal((instance.customStatus as { runId?: string }).runId, run.runId);
        assert.deepEqual(
            (await app.runs('churn')).map((r) => r.runId),
            [run.runId],
            'no second run on the same data',
        );
    });

    it('starts the run for an arrival no run took, stalled or not', async () => {
        const { outcome: trigger, outbox } = await stalledTrigger('churn/b.csv', 4);
        outbox.release();
        assert.deepEqual(await trigger, { instanceId: 'retrain-churn', outcome: 'started' });
        const [newest] = await app.until(
            'the run for b.csv recorded',
            () => app.runs('churn'),
            (r) => r.length === 2,
        );
        assert.deepEqual(newest.trigger, { kind: 'blob', blobName: 'churn/b.csv' });
        assert.deepEqual(newest.manifest!.blobs.map((b) => b.name).sort(), ['churn/a.csv', 'churn/b.csv']);
    });
});

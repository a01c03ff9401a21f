import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { AzureMlClient, deriveDeploymentName } from '../../src/clients/azureml';
import { classificationCsv, toText } from '../../src/local/samples';
import type { StudioServer } from '../../src/local/studio/server';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { testStorage, uniqueName } from '../helpers/azurite';
import { azureMlSettings, azureMlTarget, seedWithWorkspace, usersWorkspace } from '../helpers/azuremlTargets';
import { AppConfig, appConfig } from './appConfig';
import { ChildHost, eventually, spawnHost, startStudio } from '../helpers/environment';
import { api, runsOf, stepOf } from './kit';
import { findSecrets } from './secrets';

/** A studio fault to arm for one crash: the scope and what to set there. */
export type CrashFault = { scope: string; value: Parameters<StudioServer['faults']['set']>[1] } | null;

/**
 * One Azure ML v2 target on its own endpoint (deployment `blue` serving at first), the studio with a
 * state folder (its own record of every PUT and DELETE), and dev hosts as child processes to SIGKILL.
 */
export class AzureMlCrashRig {
    studio!: StudioServer;
    client!: AzureMlClient;
    private studioDir = '';
    private cfg!: AppConfig;
    private data!: ContainerClient;
    private hostDir = '';
    private seed = 0;
    private readonly hostOutput: string[] = [];
    private readonly studioLog: string[] = [];
    private readonly hosts: ChildHost[] = [];

    constructor(
        readonly target: string,
        readonly endpoint: string,
    ) {}

    async start(): Promise<void> {
        const datastoreContainer = uniqueName('azureml');
        const storage = await testStorage();
        this.studioDir = mkdtempSync(path.join(tmpdir(), 'retrainer-studio-'));
        this.studio = await startStudio({
            seed: seedWithWorkspace(datastoreContainer),
            stateDir: this.studioDir,
            logs: this.studioLog,
        });
        this.cfg = appConfig(
            storage.connectionString,
            this.studio.url,
            (w) => [
                azureMlTarget({ ...w, datastoreContainer }, this.target, this.endpoint, {
                    // Long enough bakes and operations to kill inside them.
                    rollout: { bakeInMs: 2500, pollIntervalInMs: 200 },
                }),
            ],
            azureMlSettings,
        );
        this.hostDir = path.join(this.cfg.dir, 'devhost');
        const blobs = BlobServiceClient.fromConnectionString(storage.connectionString);
        this.data = blobs.getContainerClient(this.cfg.where.dataContainer);
        await this.data.create();
        this.client = await usersWorkspace(this.studio.url, storage.connectionString, datastoreContainer, [
            this.endpoint,
        ]);
    }

    async stop(): Promise<void> {
        for (const h of this.hosts) await h.kill9();
        await this.studio?.close();
        assert.deepEqual(findSecrets([...this.hostOutput, ...this.studioLog].join('\n')), [], 'no secret in the logs');
    }

    /** The studio's saved v2 operations (its own record of every PUT and DELETE it accepted). */
    operations(): { kind: string; target: string; status: string }[] {
        const state = JSON.parse(readFileSync(path.join(this.studioDir, 'state.json'), 'utf8')) as {
            azureml?: { operations: Record<string, { kind: string; target: string; status: string }> };
        };
        return Object.values(state.azureml?.operations ?? {});
    }

    /** Operations of `kind` on one deployment. */
    operationsOn(kind: string, deployment: string): { kind: string; target: string; status: string }[] {
        return this.operations().filter((o) => o.kind === kind && o.target.endsWith(`/${deployment.toLowerCase()}`));
    }

    /** True when the target has no orchestration instance running. */
    private async settled(h: ChildHost): Promise<boolean> {
        const res = await api(h.origin, h.keys.functionDefault, `targets/${this.target}`);
        const body = (await res.json()) as { inFlight: { status?: string } | null };
        return !body.inFlight || ['Completed', 'Failed', 'Terminated'].includes(body.inFlight.status ?? '');
    }

    /** A kill condition: the run's in-flight step is `step`. */
    stepIs(step: string): (h: ChildHost) => Promise<boolean> {
        return async (h) => (await stepOf(h.origin, h.keys.functionDefault, this.target)) === step;
    }

    /** The in-flight run's id, if any. */
    async runIdOf(h: ChildHost): Promise<string | undefined> {
        const res = await api(h.origin, h.keys.functionDefault, `targets/${this.target}`);
        const body = (await res.json()) as { inFlight: { step: { runId?: string } | null } | null };
        return body.inFlight?.step?.runId;
    }

    /** Starts a run on fresh data, kills the host when `killWhen` says so, restarts it, returns the run. */
    async crashOnce(faults: CrashFault, killWhen: (h: ChildHost) => Promise<boolean>): Promise<RunRecord> {
        const text = await toText(classificationCsv({ rows: 1500, seed: 70 + this.seed++ }));
        await this.data
            .getBlockBlobClient(`${this.target}/part-${this.seed}.csv`)
            .upload(text, Buffer.byteLength(text));
        if (faults) this.studio.faults.set(faults.scope, faults.value);
        let h = await this.host();
        const count = (await runsOf(h.origin, h.keys.functionDefault, this.target)).length;
        const res = await api(h.origin, h.keys.functionDefault, `retrain/${this.target}`, { method: 'POST' });
        assert.equal(res.status, 202);
        await eventually(async () => ((await killWhen(h)) ? true : undefined), 'the moment to kill', 120_000);
        await h.kill9();
        if (faults) this.studio.faults.clear(faults.scope);
        h = await this.host();
        const runs = await eventually(
            async () => {
                const r = await runsOf(h.origin, h.keys.functionDefault, this.target);
                return r.length > count ? r : undefined;
            },
            'the run record',
            120_000,
        );
        // The instance looks for new data after recording: let it finish before the next run's file lands.
        await eventually(async () => ((await this.settled(h)) ? true : undefined), 'the instance to complete', 60_000);
        await h.stop();
        assert.equal(runs.length, count + 1, 'one run record for the run');
        return runs[0];
    }

    /** The run promoted with one deployment PUT, its deployment at 100%, no traffic change failed. */
    async assertPromoted(run: RunRecord): Promise<string> {
        assert.equal(run.state, 'Promoted', `${run.reason} ${JSON.stringify(run.rollout)}`);
        const fresh = deriveDeploymentName(this.target, run.runId);
        assert.equal(this.operationsOn('putDeployment', fresh).length, 1, 'exactly one deployment PUT for the run');
        const traffic = (await this.client.getEndpoint(this.endpoint)).traffic;
        assert.equal(traffic[fresh], 100, JSON.stringify(traffic));
        for (const o of this.operations().filter((x) => x.kind === 'putEndpoint'))
            assert.equal(o.status, 'Succeeded', 'every traffic map the studio took succeeded');
        return fresh;
    }

    private async host(): Promise<ChildHost> {
        const h = await spawnHost({ env: this.cfg.env, stateDir: this.hostDir, output: this.hostOutput });
        this.hosts.push(h);
        return h;
    }
}

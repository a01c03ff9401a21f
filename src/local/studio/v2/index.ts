import type { StudioContext } from '../context';
import type { Route } from '../http';
import { v2State } from './common';
import { V2Operations, endpointRoutes } from './endpoints';
import { V2JobRunner, jobRoutes } from './jobs';
import { modelRoutes } from './models';
import { ScoringCounters, scoringRoutes } from './scoring';

export { AzureMlSpec } from './spec';
export type { DeploymentCounters, WindowedCounters } from './scoring';

/**
 * The Azure ML v2 surface (api-version 2022-10-01): command jobs, model versions, managed online
 * endpoints and deployments under ARM, scoring at endpoint scoring URIs, and per-deployment
 * counters under `/_studio/azureml`. Contract: docs/studio-emulator.md.
 */
export class AzureMlSurface {
    private readonly jobs: V2JobRunner;
    private readonly ops: V2Operations;
    readonly counters = new ScoringCounters();

    constructor(private readonly ctx: StudioContext) {
        this.jobs = new V2JobRunner(ctx);
        this.ops = new V2Operations(ctx);
    }

    routes(): Route[] {
        return [
            ...jobRoutes(this.jobs),
            ...modelRoutes(),
            ...endpointRoutes(this.ops),
            ...scoringRoutes(this.counters),
        ];
    }

    /** Resumes what a previous process left running: unfinished jobs and in-progress operations. */
    resume(): void {
        const s = v2State(this.ctx);
        for (const job of Object.values(s.jobs)) {
            const status = (job.resource.properties as Record<string, unknown>).status;
            if (
                status === 'NotStarted' ||
                status === 'Running' ||
                status === 'Finalizing' ||
                status === 'CancelRequested'
            )
                this.jobs.start(job.key);
        }
        for (const op of Object.values(s.operations)) if (op.status === 'InProgress') this.ops.begin(op);
    }

    async close(): Promise<void> {
        await this.jobs.close();
        await this.ops.close();
    }
}

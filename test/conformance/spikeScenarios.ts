import path from 'node:path';

import { uniqueName } from '../helpers/azurite';
import { AppHost } from './hosts';
import { REPO_ROOT } from './realEngine';
import { eventually, Outcome, Scenario } from './scenario';

/** The spike app: one orchestrator calling one activity, and one whose activity throws. */
export const SPIKE_APP_ROOT = path.join(REPO_ROOT, 'test', 'conformance', 'spike-app');

interface SpikeStatus {
    runtimeStatus: string;
    input: unknown;
    output: unknown;
    customStatus: unknown;
}

async function startAndFinish(host: AppHost, startPath: string): Promise<SpikeStatus> {
    const res = await fetch(`${host.origin}/api/${startPath}`, { method: 'POST' });
    if (res.status !== 202) throw new Error(`POST /api/${startPath} answered ${res.status}: ${await res.text()}`);
    const { instanceId } = (await res.json()) as { instanceId: string };
    return eventually(async () => {
        const s = await fetch(`${host.origin}/api/spike-status/${encodeURIComponent(instanceId)}`);
        if (s.status !== 200) return undefined;
        const status = (await s.json()) as SpikeStatus;
        return ['Completed', 'Failed', 'Terminated'].includes(status.runtimeStatus) ? status : undefined;
    }, `instance ${instanceId} to finish`);
}

function spikeEnv(storage: string) {
    return Promise.resolve({
        settings: {
            AzureWebJobsStorage: storage,
            CONFORMANCE_HUB: `spike${uniqueName('h').replace(/[^a-z0-9]/g, '')}`.slice(0, 40),
        },
        storage,
        close: () => Promise.resolve(),
    });
}

export const spikeScenarios: Scenario[] = [
    {
        id: 'spike-one-activity',
        title: 'JS orchestrator calls one activity, sets custom status, returns an object',
        appRoot: SPIKE_APP_ROOT,
        prepare: spikeEnv,
        run: async (host): Promise<Outcome> => {
            const s = await startAndFinish(host, 'spike/Tokyo');
            return { runtimeStatus: s.runtimeStatus, input: s.input, output: s.output, customStatus: s.customStatus };
        },
    },
    {
        id: 'spike-activity-throws',
        title: 'an activity throws and the orchestrator does not catch it',
        appRoot: SPIKE_APP_ROOT,
        prepare: spikeEnv,
        knownDifferences: {
            message:
                "The extension cuts the activity's message out of the Functions host's RpcException text " +
                '("Result: Failure\\nException: <message>\\nStack: ...") starting right after "Exception:", so ' +
                'the space stays and the reason reads "failed:  <message>" with two spaces ' +
                '(OutOfProcExceptionHelpers.TryGetFullOutOfProcMessage, TaskActivityShim). The dev host writes one space.',
            detailKeys:
                'The real engine serializes the .NET exception (Newtonsoft, type names included, the RpcException as ' +
                "InnerException: Utils.SerializeCause in TaskActivityShim); the dev host sends the worker's " +
                '{Message, StackTrace}. Only the first line is meant for readers; the app does not parse the details.',
        },
        run: async (host): Promise<Outcome> => {
            const s = await startAndFinish(host, 'spike-fails');
            // The output is "<message> \n <details JSON>"; the details are the worker's error on the
            // dev host and a serialized .NET exception on the real engine, so they are compared by
            // their first line (the message the app or an operator reads) and their top-level keys.
            const text = typeof s.output === 'string' ? s.output : JSON.stringify(s.output);
            const [message, ...rest] = text.split(' \n ');
            let detailKeys: string[];
            try {
                detailKeys = Object.keys(JSON.parse(rest.join(' \n ')) as object).sort();
            } catch {
                detailKeys = ['(not JSON)'];
            }
            return { runtimeStatus: s.runtimeStatus, message, detailKeys, customStatus: s.customStatus };
        },
    },
];

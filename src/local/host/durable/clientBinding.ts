import { ExtraInputProvider } from '../core/invoker';

/** The durableClient input binding JSON the Durable extension hands the JS SDK (legacy out-of-proc). */
export interface ClientBindingData {
    taskHubName: string;
    creationUrls: Record<string, string>;
    managementUrls: Record<string, string>;
    baseUrl: string;
    requiredQueryStringParameters: string;
}

export const WEBHOOK_PATH = '/runtime/webhooks/durabletask';

/**
 * URLs point at this host's own durable HTTP API and carry the system key, so the SDK's
 * DurableClient (and a developer's curl on createCheckStatusResponse links) are authorized. No
 * rpcBaseUrl: the SDK would then skip the templates, and the key with them.
 */
export function clientBindingData(origin: string, hubName: string, systemKey: string): ClientBindingData {
    const base = `${origin}${WEBHOOK_PATH}`;
    const code = `code=${encodeURIComponent(systemKey)}`;
    const q = `taskHub=${encodeURIComponent(hubName)}&connection=Storage&${code}`;
    const inst = `${base}/instances/INSTANCEID`;
    return {
        taskHubName: hubName,
        creationUrls: {
            createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${code}`,
            createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${code}`,
        },
        managementUrls: {
            id: 'INSTANCEID',
            statusQueryGetUri: `${inst}?${q}`,
            sendEventPostUri: `${inst}/raiseEvent/{eventName}?${q}`,
            terminatePostUri: `${inst}/terminate?reason={text}&${q}`,
            rewindPostUri: `${inst}/rewind?reason={text}&${q}`,
            purgeHistoryDeleteUri: `${inst}?${q}`,
            restartPostUri: `${inst}/restart?${q}`,
            suspendPostUri: `${inst}/suspend?reason={text}&${q}`,
            resumePostUri: `${inst}/resume?reason={text}&${q}`,
        },
        baseUrl: base,
        requiredQueryStringParameters: code,
    };
}

/** The 202 body of a start: management URLs with the id filled in (the extension omits rewind). */
export function managementPayload(binding: ClientBindingData, instanceId: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(binding.managementUrls)) {
        if (k !== 'rewindPostUri') out[k] = v.replace('INSTANCEID', encodeURIComponent(instanceId));
    }
    out.id = instanceId;
    return out;
}

/** Supplies the binding JSON to every durableClient (or legacy orchestrationClient) input. */
export function clientBindingInput(binding: ClientBindingData): ExtraInputProvider {
    return (_fn, _name, type) =>
        type === 'durableClient' || type === 'orchestrationClient' ? { string: JSON.stringify(binding) } : undefined;
}

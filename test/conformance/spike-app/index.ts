import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

/**
 * The conformance spike's app: an orchestrator that calls one activity, sets a custom status and
 * returns the greeting; and an HTTP starter that uses the durable client the host hands it.
 */
df.app.orchestration('SpikeOrchestrator', function* (context) {
    const name = context.df.getInput<string>();
    context.df.setCustomStatus({ step: 'greeting' });
    const greeting = (yield context.df.callActivity('SpikeSayHello', name)) as string;
    context.df.setCustomStatus({ step: 'done' });
    return { greeting, replayed: context.df.isReplaying };
});

df.app.activity('SpikeSayHello', {
    handler: (input: unknown): string => {
        if (typeof input !== 'string') throw new Error(`SpikeSayHello wants a string, got ${JSON.stringify(input)}`);
        return `Hello, ${input}!`;
    },
});

app.http('SpikeStart', {
    route: 'spike/{name}',
    methods: ['POST'],
    authLevel: 'anonymous',
    extraInputs: [df.input.durableClient()],
    handler: async (req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> => {
        const client = df.getClient(ctx);
        const instanceId = await client.startNew('SpikeOrchestrator', { input: req.params.name });
        return { status: 202, jsonBody: { instanceId } };
    },
});

df.app.orchestration('SpikeFails', function* (context) {
    // A number where the activity wants a string: the activity throws and nothing catches it.
    yield context.df.callActivity('SpikeSayHello', 42);
    return 'unreachable';
});

app.http('SpikeStartFailing', {
    route: 'spike-fails',
    methods: ['POST'],
    authLevel: 'anonymous',
    extraInputs: [df.input.durableClient()],
    handler: async (_req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> => {
        const instanceId = await df.getClient(ctx).startNew('SpikeFails');
        return { status: 202, jsonBody: { instanceId } };
    },
});

app.http('SpikeStatus', {
    route: 'spike-status/{id}',
    methods: ['GET'],
    authLevel: 'anonymous',
    extraInputs: [df.input.durableClient()],
    handler: async (req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> => {
        const s = await df.getClient(ctx).getStatus(req.params.id);
        return {
            jsonBody: {
                runtimeStatus: s.runtimeStatus,
                input: s.input,
                output: s.output,
                customStatus: s.customStatus,
            },
        };
    },
});

import { StudioContext, serviceScopes } from '../context';
import { Errors } from '../errors';
import { Route, StudioRequest, json, route } from '../http';
import { TrainingError, scoreTable } from '../training';

const MAX_ROWS = 1000;

/** The sha256 of the model a scoring service serves right now, honouring propagation delay. */
function servedModel(ctx: StudioContext, serviceId: string): string | undefined {
    const ref = ctx.service(serviceId);
    if (!ref) throw Errors.notFound(`Service '${serviceId}'`);
    if (ref.kind === 'training') {
        throw Errors.badArgument(
            'NoScoringOutput',
            'This is a training web service: score through its predictive web service.',
        );
    }
    if (ref.kind === 'arm') return ctx.state.armServices[ref.armKey]?.model?.sha256;
    const endpoint = ctx.state.endpoints[ref.endpointKey];
    const model = endpoint?.model;
    if (model && Date.parse(model.effectiveAt) > ctx.now().getTime()) return endpoint.previousModel?.sha256;
    return model?.sha256;
}

function tableInput(req: StudioRequest, swagger: boolean): { columns: string[]; rows: string[][] } {
    const body = req.body as { Inputs?: Record<string, unknown> } | undefined;
    const input = body?.Inputs?.input1;
    if (input === undefined)
        throw Errors.badArgument('InputParseError', "The request has no 'Inputs.input1'.", 'input1');
    if (swagger) {
        if (!Array.isArray(input))
            throw Errors.badArgument('InputParseError', "'Inputs.input1' must be an array of row objects.", 'input1');
        const objects = input.map((r: unknown) =>
            typeof r === 'object' && r !== null ? (r as Record<string, unknown>) : {},
        );
        const columns = [...new Set(objects.flatMap((r) => Object.keys(r)))];
        const rows = objects.map((r) => columns.map((c) => cellText(r[c])));
        return { columns, rows };
    }
    const t = input as { ColumnNames?: unknown; Values?: unknown };
    if (!Array.isArray(t.ColumnNames) || !Array.isArray(t.Values)) {
        throw Errors.badArgument(
            'InputParseError',
            "'Inputs.input1' needs 'ColumnNames' and 'Values' arrays.",
            'input1',
        );
    }
    return {
        columns: t.ColumnNames.map(String),
        rows: t.Values.map((row) => (Array.isArray(row) ? row.map(cellText) : [])),
    };
}

function cellText(v: unknown): string {
    if (v === null || v === undefined) return '';
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return JSON.stringify(v) ?? '';
}

export function rrsRoutes(): Route[] {
    return ['/workspaces/:workspaceId/services/:serviceId', '/subscriptions/:subscriptionId/services/:serviceId'].map(
        (base) =>
            route('POST', `${base}/execute`, {
                operation: 'execute',
                auth: 'serviceKey',
                apiVersion: '2.0',
                scopes: (req, ctx) => serviceScopes(ctx, req.params.serviceId),
                handle: async (ctx, req) => {
                    const swagger = req.query.get('format') === 'swagger';
                    const { columns, rows } = tableInput(req, swagger);
                    if (rows.length > MAX_ROWS) {
                        throw Errors.badArgument(
                            'InputParseError',
                            `At most ${MAX_ROWS} rows per request; use BES for larger batches.`,
                        );
                    }
                    const sha = servedModel(ctx, req.params.serviceId);
                    if (!sha) throw Errors.moduleExecution('No trained model is bound to this web service yet.');
                    const model = await ctx.loadModel(sha);
                    let table;
                    try {
                        table = scoreTable(model, columns, rows);
                    } catch (err) {
                        if (err instanceof TrainingError)
                            throw Errors.badArgument('InputParseError', err.message, 'input1');
                        throw err;
                    }
                    if (swagger) {
                        const objects = table.Values.map((v) =>
                            Object.fromEntries(table.ColumnNames.map((c, i) => [c, v[i]])),
                        );
                        return json(200, { Results: { output1: objects } });
                    }
                    const details = req.query.get('details') === 'true';
                    const value = details
                        ? { ColumnNames: table.ColumnNames, ColumnTypes: table.ColumnTypes, Values: table.Values }
                        : { ColumnTypes: table.ColumnTypes, Values: table.Values };
                    return json(200, { Results: { output1: { type: 'table', value } } });
                },
            }),
    );
}
